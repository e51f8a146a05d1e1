// serve's flags: the TLS and logging tables, and every refusal as users see
// it (one line on stderr, non-zero exit, no stack trace).

import { join } from 'node:path';
import t from 'tap';
import { parseArgs } from '../../src/cli/parse-args.js';
import { serveSettings } from '../../src/cli/serve-settings.js';
import { logLevelFrom } from '../../src/server/logger.js';
import { parseCipherSuites, parseTlsMinVersion } from '../../src/server/tls.js';
import { looksLikeStackTrace, runCli } from '../helpers/cli.js';
import { makeCa, makeLeaf, serve, tempDir, writeFiles } from './helpers.js';

t.test('--tls-min-version accepts upstream spellings', async (tt) => {
  const rows: Array<[string, string | undefined]> = [
    ['1.0', 'TLSv1'], ['1.1', 'TLSv1.1'], ['1.2', 'TLSv1.2'], ['1.3', 'TLSv1.3'],
    ['VersionTLS10', 'TLSv1'], ['VersionTLS11', 'TLSv1.1'], ['VersionTLS12', 'TLSv1.2'], ['VersionTLS13', 'TLSv1.3'],
    ['versiontls13', 'TLSv1.3'], ['1.4', undefined], ['TLSv1.2', undefined], ['', undefined],
  ];
  for (const [input, want] of rows) {
    const got = parseTlsMinVersion(input);
    if (want) tt.same(got, { ok: true, value: want }, input);
    else tt.equal(got.ok ? '' : got.error.code, 'E_TLS_MIN_VERSION', `${input} refused`);
  }
});

t.test('--tls-cipher-suites maps Go/IANA names to OpenSSL and keeps TLS 1.3 on', async (tt) => {
  const rows: Array<[string, string | undefined | null]> = [
    ['', undefined],
    ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256'],
    ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305, ECDHE-RSA-AES256-GCM-SHA384', 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384'],
    ['TLS_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES256-GCM-SHA384'],
    ['TLS_FOO_WITH_BAR', null],
  ];
  for (const [input, want] of rows) {
    const got = parseCipherSuites(input, 'TLSv1.2');
    if (want === null) {
      tt.equal(got.ok ? '' : got.error.code, 'E_TLS_CIPHER_UNKNOWN', input);
      tt.match(got.ok ? '' : got.error.message, /TLS_FOO_WITH_BAR/);
    } else tt.same(got, { ok: true, value: want }, input);
  }
  tt.equal((parseCipherSuites('TLS_AES_128_GCM_SHA256', 'TLSv1.2') as any).error.code, 'E_TLS_CIPHER_NONE');
  tt.same(parseCipherSuites('TLS_AES_128_GCM_SHA256', 'TLSv1.3'), { ok: true, value: 'TLS_AES_128_GCM_SHA256' });
});

t.test('--log-level wins; otherwise -v=N maps onto pino levels', async (tt) => {
  const rows: Array<[string, boolean, boolean, number, string]> = [
    ['info', false, false, 0, 'info'], ['debug', true, false, 0, 'debug'], ['info', false, true, 2, 'info'],
    ['info', false, true, 4, 'debug'], ['info', false, true, 5, 'debug'], ['info', false, true, 6, 'trace'], ['warn', true, true, 6, 'warn'],
  ];
  for (const [level, givenLevel, givenV, v, want] of rows) {
    tt.same(logLevelFrom(level, { logLevel: givenLevel, v: givenV }, v), { ok: true, value: want }, `${level} ${givenLevel} ${givenV} ${v}`);
  }
  tt.equal((logLevelFrom('loud', { logLevel: true, v: false }, 0) as any).error.code, 'E_LOG_LEVEL');
});

t.test('--dev fills in only what the user did not give', async (tt) => {
  const settings = (argv: string[]) => {
    const parsed = parseArgs('serve', argv);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const s = serveSettings(parsed.value);
    if (!s.ok) throw new Error(s.error.message);
    return s.value;
  };
  const dev = settings(['--dev']);
  tt.equal(dev.port, 8443);
  tt.equal(dev.host, '127.0.0.1');
  tt.equal(dev.certificate.kind, 'self-signed');
  tt.match(dev.values['service-accounts'], [/examples\/service-accounts\.yaml$/]);
  tt.match(dev.dev?.caFile, /\.dev\/ca\.crt$/);
  const own = settings(['--dev', '--port', '9443', '--service-accounts', 'x.yaml']);
  tt.equal(own.port, 9443);
  tt.same(own.values['service-accounts'], ['x.yaml']);
  tt.equal(settings([]).port, 443);
  tt.same((settings([]).certificate as any).certFile, '/etc/webhook/certs/tls.crt');
});

t.test('bad flags and files: one line on stderr, non-zero exit', async (tt) => {
  const dir = tempDir(tt);
  const ca = await makeCa();
  const leaf = await makeLeaf(ca, 'x', 'server');
  const other = await makeLeaf(ca, 'y', 'server');
  writeFiles(dir, { 'tls.crt': leaf.cert, 'tls.key': leaf.key, 'other.key': other.key, 'junk.pem': 'junk', 'ca.crt': ca.cert });
  const f = (name: string) => join(dir, name);
  const sa = ['--service-accounts', 'examples/service-accounts.yaml'];
  const rows: Array<[string, string[], RegExp]> = [
    ['TLS version', ['--tls-min-version=1.4'], /invalid --tls-min-version "1.4"/],
    ['cipher', ['--tls-cipher-suites=TLS_RSA_WITH_NOPE'], /unknown cipher suite "TLS_RSA_WITH_NOPE"/],
    ['log level', ['--log-level=loud'], /invalid --log-level "loud"/],
    ['port', ['--port=70000'], /invalid --port 70000/],
    ['workers', ['--workers=0'], /invalid --workers 0/],
    ['duration', ['--shutdown-grace=soon'], /invalid value "soon" for --shutdown-grace/],
    ['ca bundle without self-signed', ['--ca-bundle-out', f('out.pem')], /--ca-bundle-out only applies with --self-signed/],
    ['missing certificate', ['--tls-cert', f('none.crt'), '--tls-key', f('tls.key'), ...sa], /none\.crt: cannot read .*ENOENT/],
    ['mismatched key', ['--tls-cert', f('tls.crt'), '--tls-key', f('other.key'), ...sa], /does not match the certificate/],
    ['junk certificate', ['--tls-cert', f('junk.pem'), '--tls-key', f('tls.key'), ...sa], /junk\.pem .* not a usable certificate/],
    ['client CA missing', ['--client-ca-file', f('none.crt')], /none\.crt: --client-ca-file .*ENOENT/],
    ['client CA not a CA', ['--client-ca-file', f('tls.crt')], /not a CA/],
    ['service accounts file', ['--self-signed', '--service-accounts', f('none.yaml')], /none\.yaml/],
  ];
  for (const [name, args, message] of rows) {
    const r = await runCli(['serve', '--port', '0', '--metrics-port', '0', ...args]);
    tt.not(r.code, 0, `${name}: non-zero exit`);
    tt.match(r.stderr, message, name);
    tt.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line`);
    tt.notOk(looksLikeStackTrace(r.stderr), `${name}: no stack trace`);
  }
});

t.test('a port already in use is a one-line error', async (tt) => {
  const first = await serve(tt, ['--self-signed', '--service-accounts', 'examples/service-accounts.yaml']);
  const r = await runCli(['serve', '--self-signed', '--service-accounts', 'examples/service-accounts.yaml', '--port', String(first.port), '--metrics-port', '0']);
  tt.equal(r.code, 1);
  tt.match(r.stderr, new RegExp(`cannot listen on HTTPS port ${first.port}: EADDRINUSE`));
  tt.equal(await first.stop(), 0);
});
