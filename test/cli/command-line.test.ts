// What every command has in common on the command line: one prefix on every
// stderr line ("pod-identity-webhook COMMAND: "), and a boolean flag written
// with a separate value (`--sts-regional-endpoint true`), which pflag would read
// as the flag alone plus a stray argument, refused with the "=" spelling.

import t from 'tap';
import { COMMANDS } from '../../src/cli/flags.js';
import { looksLikeStackTrace, runCli } from '../helpers/cli.js';

const ONE_LINE = (cmd: string | undefined) => new RegExp(`^pod-identity-webhook${cmd ? ` ${cmd}` : ''}: [^\\n]+\\n$`);

t.test('every command prefixes its errors the same way', async (tt) => {
  const cases: Array<[string | undefined, string[], number]> = [
    [undefined, ['frobnicate'], 2],
    ['serve', ['serve', '--tls-min-version=9'], 2],
    ['serve', ['serve', '--bogus'], 2],
    ['replay', ['replay', '--service-accounts', 'examples/service-accounts.yaml', 'no-such-review.json'], 1],
    ['replay', ['replay', '--bogus'], 2],
    ['mutate', ['mutate', '-f', 'no-such-manifest.yaml'], 1],
    ['mutate', ['mutate'], 1],
    ['trust-policy', ['trust-policy', '--namespace', 'default'], 2],
    ['oidc jwks', ['oidc', 'jwks', '--public-key', 'no-such-key.pem'], 1],
    ['oidc discovery', ['oidc', 'discovery', '--issuer', 'http://oidc.example.com', '--public-key', 'no-such-key.pem'], 2],
    ['oidc publish', ['oidc', 'publish', '--issuer', 'https://oidc.example.com', '--public-key', 'no-such-key.pem', '--out', 'no-such-dir'], 1],
    ['oidc verify-token', ['oidc', 'verify-token', 'no-such-token', '--issuer', 'https://oidc.example.com'], 1],
    ['check-trust', ['check-trust', '--pod-identity', '--namespace', 'default', '--service-account', 'web', '--trust-policy', 'no-such-policy.json'], 1],
  ];
  tt.same([...new Set(cases.map(([c]) => c).filter(Boolean))].sort(), COMMANDS.map((c) => c.name).sort(), 'every command is covered');
  for (const [cmd, argv, code] of cases) {
    const r = await runCli(argv);
    tt.equal(r.code, code, argv.join(' '));
    tt.match(r.stderr, ONE_LINE(cmd), `${argv.join(' ')}: ${r.stderr}`);
    tt.notOk(looksLikeStackTrace(r.stderr));
  }
});

t.test('a boolean flag with a separate true/false is refused with the = spelling', async (tt) => {
  const cases: Array<[string, string[], string, string]> = [
    ['serve', ['serve', '--sts-regional-endpoint', 'true'], 'sts-regional-endpoint', 'true'],
    ['serve', ['--in-cluster', 'false', '--namespace=eks'], 'in-cluster', 'false'],
    ['replay', ['replay', '--sts-regional-endpoint', 'false', 'examples/admission-review.json'], 'sts-regional-endpoint', 'false'],
    ['mutate', ['mutate', '--explain', 'TRUE', '-f', 'examples/deployment.yaml'], 'explain', 'TRUE'],
    ['oidc publish', ['oidc', 'publish', '--from-cluster', 'true'], 'from-cluster', 'true'],
    ['check-trust', ['check-trust', '--pod-identity', 'true'], 'pod-identity', 'true'],
    ['trust-policy', ['trust-policy', '--pod-identity', 'false'], 'pod-identity', 'false'],
  ];
  for (const [cmd, argv, flag, value] of cases) {
    const r = await runCli(argv);
    tt.equal(r.code, 2, argv.join(' '));
    tt.equal(r.stdout, '');
    tt.equal(r.stderr, `pod-identity-webhook ${cmd}: --${flag} is a boolean flag: its value goes after "=", as in --${flag}=${value} (a separate "${value}" would be read as an argument)\n`);
  }
  const glued = await runCli(['mutate', '--explain=true', '--sts-regional-endpoint=false', '--service-accounts', 'examples/service-accounts.yaml', '-f', 'examples/deployment.yaml']);
  tt.equal(glued.code, 0, `the = spelling works: ${glued.stderr}`);
  const file = await runCli(['mutate', '--explain', '--service-accounts', 'examples/service-accounts.yaml', 'examples/deployment.yaml']);
  tt.equal(file.code, 0, 'a bare boolean before a file name is still fine');
});
