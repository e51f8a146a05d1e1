// TLS behaviour of the running server, in-process for control over files and
// clients: certificate rotation on disk, mutual TLS, versions, cipher suites,
// self-signed renewal.

import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect, type ConnectionOptions } from 'node:tls';
import t, { type Test } from 'tap';
import { loadStaticStores } from '../../src/identity/file-source.js';
import { DEFAULT_ENGINE_CONFIG } from '../../src/engine/config.js';
import { createLogger } from '../../src/server/logger.js';
import { createMetrics } from '../../src/server/metrics.js';
import { createCertificateAuthority, serviceDnsNames } from '../../src/server/self-signed.js';
import { servingCertificate, type CertificateSpec } from '../../src/server/serving-certificate.js';
import { parseCipherSuites, type TlsPolicy } from '../../src/server/tls.js';
import { startWebhookServer, type WebhookServer } from '../../src/server/webhook-server.js';
import { admit } from '../helpers/apiserver.js';
import { REVIEW_FILE, SERVICE_NAME, https, makeCa, makeLeaf, serve, tempDir, type Pem } from './helpers.js';

const review = JSON.parse(readFileSync(REVIEW_FILE, 'utf8'));
const stores = await loadStaticStores({
  serviceAccountFiles: ['examples/service-accounts.yaml'], annotationPrefix: 'eks.amazonaws.com', watchConfigMap: false, namespace: 'eks',
});
if (!stores.ok) throw new Error(stores.error.message);
const source = stores.value.source;

function capture() {
  const lines: any[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

async function start(tt: Test, spec: CertificateSpec, policy: TlsPolicy = { minVersion: 'TLSv1.2' }) {
  const { logger, lines } = capture();
  const cert = await servingCertificate(spec, { logger });
  if (!cert.ok) throw new Error(cert.error.message);
  const server = await startWebhookServer({
    host: '127.0.0.1', port: 0, metricsPort: 0, policy, pair: cert.value.pair,
    handleDeps: { source, config: DEFAULT_ENGINE_CONFIG, random: () => 0.5 },
    synced: () => true, maxRequestBytes: 1 << 20, logger, metrics: createMetrics({ processMetrics: false }),
  });
  if (!server.ok) throw new Error(server.error.message);
  cert.value.keepFresh((pair) => server.value.setPair(pair));
  tt.teardown(async () => {
    cert.value.stop();
    await server.value.shutdown(1000);
  });
  return { server: server.value, lines, caBundle: cert.value.caBundle };
}

/** Handshake only; resolves with the peer certificate's fingerprint or rejects with the TLS error. */
function handshake(server: WebhookServer, opts: ConnectionOptions): Promise<{ fingerprint: string; cipher: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port, servername: SERVICE_NAME, ...opts }, () => {
      const peer = socket.getPeerX509Certificate();
      const out = { fingerprint: peer?.fingerprint256 ?? '', cipher: socket.getCipher().name, protocol: socket.getProtocol() ?? '' };
      // With TLS 1.3 the server's verdict on a client certificate arrives after
      // the client's handshake is done: read a little before calling it accepted.
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      let text = '';
      socket.on('data', (d) => { text += d; });
      socket.on('end', () => (text.startsWith('HTTP/1.1 200') ? resolve(out) : reject(new Error(`no answer: ${text.slice(0, 40)}`))));
    });
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('handshake timed out')));
  });
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

async function until(tt: Test, what: string, check: () => Promise<boolean> | boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  tt.fail(`timed out waiting for ${what}`);
}

/** The kubelet's layout for a mounted secret: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>. */
function mountSecret(dir: string, generation: string, pair: { cert: string; key: string }): void {
  const real = join(dir, `..${generation}`);
  mkdirSync(real);
  writeFileSync(join(real, 'tls.crt'), pair.cert);
  writeFileSync(join(real, 'tls.key'), pair.key);
  symlinkSync(`..${generation}`, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
}

t.test('rotation on disk: a swapped secret directory is served to new connections; a broken pair keeps the old one', async (tt) => {
  const dir = tempDir(tt);
  const ca = await makeCa();
  const first = await makeLeaf(ca, SERVICE_NAME, 'server');
  const second = await makeLeaf(ca, SERVICE_NAME, 'server');
  mountSecret(dir, 'gen1', first);
  symlinkSync('..data/tls.crt', join(dir, 'tls.crt'));
  symlinkSync('..data/tls.key', join(dir, 'tls.key'));
  const { server, lines } = await start(tt, { kind: 'files', certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') });
  tt.equal((await handshake(server, { ca: ca.cert })).fingerprint, fingerprint(first.cert));

  mountSecret(dir, 'gen2', second);
  await until(tt, 'the new certificate', async () => (await handshake(server, { ca: ca.cert })).fingerprint === fingerprint(second.cert));
  tt.ok(lines.some((l) => l.msg === 'serving certificate reloaded'));
  const r = await https({ port: server.port, ca: ca.cert, body: JSON.stringify(review), headers: { 'content-type': 'application/json' } });
  admit(review, r.json());

  // A certificate with someone else's key: refused, the second pair stays.
  const third = await makeLeaf(ca, SERVICE_NAME, 'server');
  mountSecret(dir, 'gen3', { cert: third.cert, key: first.key });
  await until(tt, 'the broken-pair warning', () => lines.some((l) => l.levelName === 'warn' && /not usable/.test(l.msg)));
  tt.match(lines.find((l) => l.levelName === 'warn').reason, /does not match/);
  tt.equal((await handshake(server, { ca: ca.cert })).fingerprint, fingerprint(second.cert));

  // Garbage in place of the certificate: same.
  mountSecret(dir, 'gen4', { cert: 'not a certificate', key: second.key });
  await until(tt, 'a second warning', () => lines.filter((l) => l.levelName === 'warn').length >= 2);
  tt.equal((await handshake(server, { ca: ca.cert })).fingerprint, fingerprint(second.cert));
});

t.test('plain files rewritten in place are reloaded too', async (tt) => {
  const dir = tempDir(tt);
  const ca = await makeCa();
  const first = await makeLeaf(ca, SERVICE_NAME, 'server');
  const second = await makeLeaf(ca, SERVICE_NAME, 'server');
  writeFileSync(join(dir, 'tls.crt'), first.cert);
  writeFileSync(join(dir, 'tls.key'), first.key);
  const { server } = await start(tt, { kind: 'files', certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') });
  writeFileSync(join(dir, 'tls.key'), second.key);
  writeFileSync(join(dir, 'tls.crt'), second.cert);
  await until(tt, 'the new certificate', async () => (await handshake(server, { ca: ca.cert })).fingerprint === fingerprint(second.cert));
});

t.test('mutual TLS: a client certificate from the client CA is required', async (tt) => {
  const dir = tempDir(tt);
  const serverCa = await makeCa('server-ca');
  const clientCa = await makeCa('client-ca');
  const otherCa = await makeCa('other-ca');
  const leaf = await makeLeaf(serverCa, SERVICE_NAME, 'server');
  writeFileSync(join(dir, 'tls.crt'), leaf.cert);
  writeFileSync(join(dir, 'tls.key'), leaf.key);
  const good = await makeLeaf(clientCa, 'kube-apiserver', 'client');
  const bad = await makeLeaf(otherCa, 'kube-apiserver', 'client');
  const { server } = await start(tt, { kind: 'files', certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') }, { minVersion: 'TLSv1.2', clientCa: clientCa.cert });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    const ok = await handshake(server, { ca: serverCa.cert, cert: good.cert, key: good.key, maxVersion: version });
    tt.equal(ok.protocol, version);
    await tt.rejects(handshake(server, { ca: serverCa.cert, maxVersion: version }), `${version}: no client certificate`);
    await tt.rejects(handshake(server, { ca: serverCa.cert, cert: bad.cert, key: bad.key, maxVersion: version }), `${version}: certificate from another CA`);
  }
  const r = await https({ port: server.port, ca: serverCa.cert, cert: good.cert, key: good.key, body: JSON.stringify(review), headers: { 'content-type': 'application/json' } });
  admit(review, r.json());
});

t.test('mutual TLS: a rotated --client-ca-file is required from the next connection; a broken one keeps the old', async (tt) => {
  const dir = tempDir(tt);
  const serverCa = await makeCa('server-ca');
  const leaf = await makeLeaf(serverCa, SERVICE_NAME, 'server');
  const [oldCa, newCa] = [await makeCa('client-ca-1'), await makeCa('client-ca-2')];
  const [oldClient, newClient] = [await makeLeaf(oldCa, 'kube-apiserver', 'client'), await makeLeaf(newCa, 'kube-apiserver', 'client')];
  writeFileSync(join(dir, 'tls.crt'), leaf.cert);
  writeFileSync(join(dir, 'tls.key'), leaf.key);
  writeFileSync(join(dir, 'client-ca.crt'), oldCa.cert);
  const served = await serve(tt, ['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'), '--client-ca-file', join(dir, 'client-ca.crt'),
    '--service-accounts', 'examples/service-accounts.yaml']);
  const server = { port: served.port } as WebhookServer;
  const as = (client: Pem) => handshake(server, { ca: serverCa.cert, cert: client.cert, key: client.key });

  await as(oldClient);
  await tt.rejects(as(newClient), 'the new CA is not trusted yet');

  // Roll-over: both CAs in one file, then the new one alone.
  writeFileSync(join(dir, 'client-ca.crt'), `${oldCa.cert.trim()}\n${newCa.cert.trim()}\n`);
  await until(tt, 'the two-CA bundle', () => as(newClient).then(() => true, () => false));
  await as(oldClient);
  writeFileSync(join(dir, 'client-ca.crt'), newCa.cert);
  await until(tt, 'the new client CA alone', () => as(oldClient).then(() => false, () => true));
  await as(newClient);
  tt.equal(served.logs().filter((l) => l.msg === 'client CA reloaded').length, 2);

  writeFileSync(join(dir, 'client-ca.crt'), leaf.cert); // a certificate, but not a CA
  await until(tt, 'the broken file reported', () => served.logs().some((l) => l.msg === 'client CA file changed but is not usable; still requiring the previous CA'));
  tt.match(served.logs().find((l) => l.level === 40)?.reason, /not a CA/);
  await as(newClient);
  tt.equal(await served.stop(), 0);
});

t.test('TLS versions and cipher suites', async (tt) => {
  const dir = tempDir(tt);
  const ca = await makeCa();
  const leaf: Pem = await makeLeaf(ca, SERVICE_NAME, 'server');
  writeFileSync(join(dir, 'tls.crt'), leaf.cert);
  writeFileSync(join(dir, 'tls.key'), leaf.key);
  const files: CertificateSpec = { kind: 'files', certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };

  const defaults = await start(tt, files);
  // OpenSSL's security level forbids TLS 1.1 in the client too; lower it so the refusal comes from the server.
  await tt.rejects(handshake(defaults.server, { ca: ca.cert, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }), /protocol|version/i, 'TLS 1.1 refused');
  tt.equal((await handshake(defaults.server, { ca: ca.cert, maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2');

  const only13 = await start(tt, files, { minVersion: 'TLSv1.3' });
  await tt.rejects(handshake(only13.server, { ca: ca.cert, maxVersion: 'TLSv1.2' }), /protocol|version/i, 'TLS 1.2 refused with --tls-min-version=1.3');
  tt.equal((await handshake(only13.server, { ca: ca.cert })).protocol, 'TLSv1.3');

  const ciphers = parseCipherSuites('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLSv1.2');
  if (!ciphers.ok) throw new Error(ciphers.error.message);
  const picked = await start(tt, files, { minVersion: 'TLSv1.2', ciphers: ciphers.value as string });
  tt.equal((await handshake(picked.server, { ca: ca.cert, maxVersion: 'TLSv1.2' })).cipher, 'ECDHE-ECDSA-AES256-GCM-SHA384');
  await tt.rejects(handshake(picked.server, { ca: ca.cert, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }), 'a suite not in the list is refused');
  tt.equal((await handshake(picked.server, { ca: ca.cert })).protocol, 'TLSv1.3', 'TLS 1.3 stays on, as in Go');
});

t.test('self-signed: service DNS names, CA bundle written, renewal keeps the CA', async (tt) => {
  const dir = tempDir(tt);
  const bundle = join(dir, 'out', 'ca.crt');
  const { server, lines, caBundle } = await start(tt, {
    kind: 'self-signed', caBundleOut: bundle,
    options: { names: serviceDnsNames('pod-identity-webhook', 'eks'), certLifetimeMs: 3000 },
  });
  const ca = readFileSync(bundle, 'utf8');
  tt.equal(ca, caBundle);
  const first = await handshake(server, { ca });
  for (const name of ['pod-identity-webhook', 'pod-identity-webhook.eks', 'pod-identity-webhook.eks.svc', 'pod-identity-webhook.eks.svc.cluster.local']) {
    // The default checkServerIdentity verifies the name against the certificate.
    tt.equal((await handshake(server, { ca, servername: name })).fingerprint, first.fingerprint, name);
  }
  await until(tt, 'a renewed certificate', async () => (await handshake(server, { ca })).fingerprint !== first.fingerprint);
  tt.equal(readFileSync(bundle, 'utf8'), ca, 'same CA bundle after renewal');
  tt.ok(lines.some((l) => l.msg === 'self-signed serving certificate renewed'));
});

t.test('self-signed: the CA bundle is handed to the Kubernetes helper when it can patch', async (tt) => {
  const { logger } = capture();
  const seen: string[] = [];
  const cert = await servingCertificate({ kind: 'self-signed', options: { names: ['x.eks.svc'] } }, {
    logger, patchCaBundle: async (pem) => { seen.push(pem); return { ok: true, value: undefined }; },
  });
  if (!cert.ok) throw new Error(cert.error.message);
  tt.same(seen, [cert.value.caBundle]);
  tt.equal(cert.value.trusted(), true, 'trusted once the patch landed');
  cert.value.stop();
});

t.test('self-signed: not trusted (so not ready) until the CA patch lands; the patch is retried', async (tt) => {
  const { logger, lines } = capture();
  let calls = 0;
  const cert = await servingCertificate({ kind: 'self-signed', options: { names: ['x.eks.svc'] } }, {
    logger,
    patchCaBundle: async () => {
      calls++;
      return calls === 1 ? { ok: false, error: { code: 'E_WEBHOOK_CA_PATCH', message: 'API server unreachable' } } : { ok: true, value: undefined };
    },
  });
  if (!cert.ok) throw new Error(cert.error.message);
  tt.teardown(() => cert.value.stop());
  tt.equal(cert.value.trusted(), false, 'a failed patch leaves the replica not ready');
  tt.ok(lines.some((l) => /not ready until it is/.test(String(l.msg))), 'the failure is logged with its consequence');
  await until(tt, 'the retried patch', () => cert.value.trusted(), 15_000);
  tt.equal(calls, 2);
});

t.test('self-signed: onTrust hears each change of trusted(), for --workers to pass on', async (tt) => {
  const { logger } = capture();
  const changes: boolean[] = [];
  let calls = 0;
  const cert = await servingCertificate({ kind: 'self-signed', options: { names: ['x.eks.svc'] } }, {
    logger,
    onTrust: (trusted) => changes.push(trusted),
    patchCaBundle: async () => (++calls === 1
      ? { ok: false, error: { code: 'E_WEBHOOK_CA_PATCH', message: 'API server unreachable' } }
      : { ok: true, value: undefined }),
  });
  if (!cert.ok) throw new Error(cert.error.message);
  tt.teardown(() => cert.value.stop());
  tt.same(changes, [], 'the first patch failed: still untrusted, as it started, so no change to report');
  tt.equal(cert.value.trusted(), false);
  await until(tt, 'the retried patch', () => cert.value.trusted(), 15_000);
  tt.same(changes, [true]);
});

t.test('self-signed: CAs made in the same millisecond still have different subjects', async (tt) => {
  const now = new Date();
  const [a, b] = await Promise.all([createCertificateAuthority(undefined, now), createCertificateAuthority(undefined, now)]);
  if (!a.ok || !b.ok) throw new Error('CA generation failed');
  const subject = (pem: string) => new X509Certificate(pem).subject;
  tt.not(subject(a.value.cert), subject(b.value.cert), 'a client that looks issuers up by name finds the right one');
});
