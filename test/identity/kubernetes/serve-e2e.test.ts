// The built CLI, as users run it: `serve --kubeconfig` against the fake API server.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { API_CALLS } from '../../../src/kubernetes/api-calls.js';
import { makeTls, serviceAccount } from '../../helpers/fake-kube-apiserver.js';
import { ARN, ROLE, startFake, tempDir, until, writeKubeconfig } from './setup.js';

const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

function get(url: string, opts: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.request(url, { agent: false, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(opts.method === 'POST' ? (opts as { body?: string }).body : undefined);
  });
}

t.test('serve --kubeconfig: /readyz turns 200 after the first full list, then pods are injected', async (t) => {
  const fake = await startFake(t);
  fake.add('serviceaccounts', serviceAccount('apps', 'web', { [ROLE]: ARN(7) }));
  fake.failLists = { count: 1, status: 500 };
  const dir = tempDir(t);
  const tls = makeTls();
  writeFileSync(join(dir, 'tls.crt'), tls.certPem);
  writeFileSync(join(dir, 'tls.key'), tls.keyPem);
  const child = spawn(process.execPath, [CLI, 'serve', '--kubeconfig', writeKubeconfig(t, fake), '--port', '0', '--metrics-port', '0',
    '--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const lines: Array<Record<string, any>> = [];
  createInterface({ input: child.stdout }).on('line', (l) => { try { lines.push(JSON.parse(l)); } catch { /* not JSON */ } });
  const listening = await until(() => lines.find((l) => l.msg === 'listening'), `"listening" (stderr: ${stderr})`, 15_000);
  const base = `https://127.0.0.1:${listening?.port}`;
  const ca = tls.caPem;

  const first = await get(`${base}/readyz`, { ca });
  if (fake.requests.filter((r) => r.verb === 'list').length < 2) t.not(first.status, 200, 'not ready before the first full list');
  await until(async () => (await get(`${base}/readyz`, { ca })).status === 200, '/readyz 200', 10_000);

  const review = {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: { uid: 'e2e', operation: 'CREATE', namespace: 'apps', kind: { group: '', version: 'v1', kind: 'Pod' },
      object: { metadata: { generateName: 'web-' }, spec: { serviceAccountName: 'web', containers: [{ name: 'c', image: 'i' }] } } },
  };
  const reply = await get(`${base}/mutate?timeout=10s`, { ca, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(review) } as https.RequestOptions);
  t.equal(reply.status, 200);
  const patch = Buffer.from(JSON.parse(reply.body).response.patch, 'base64').toString();
  t.match(patch, ARN(7));

  fake.add('serviceaccounts', serviceAccount('apps', 'api', { [ROLE]: ARN(8) }));
  await until(async () => {
    const r = await get(`${base}/mutate?timeout=10s`, { ca, method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...review, request: { ...review.request, object: { ...review.request.object, spec: { serviceAccountName: 'api', containers: [{ name: 'c', image: 'i' }] } } } }) } as https.RequestOptions);
    return r.status === 200 && Buffer.from(JSON.parse(r.body).response.patch ?? '', 'base64').toString().includes(ARN(8));
  }, 'a ServiceAccount added by watch to be used');

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'clean exit on SIGTERM');
  await until(() => fake.openWatches === 0, 'watch closed');
  t.same(fake.callsOutside(API_CALLS), []);
});

t.test('serve with an unusable kubeconfig exits with one line, no stack trace', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, 'apiVersion: v1\nkind: Config\n');
  const child = spawn(process.execPath, [CLI, 'serve', '--kubeconfig', file, '--port', '0', '--metrics-port', '0', '--self-signed'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  t.not(code, 0);
  t.match(stderr, /^pod-identity-webhook serve: --kubeconfig .*kubeconfig: not a usable kubeconfig: no current-context\n$/);
});
