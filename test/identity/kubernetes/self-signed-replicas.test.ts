// Two `serve --self-signed` replicas against the fake API server, as the
// self-signed overlay runs them: each must add its CA to the webhook's
// caBundle (not replace the other's), become ready only then, and a client
// that trusts nothing but that caBundle, as kube-apiserver does, must reach both.
import { spawn } from 'node:child_process';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { API_CALLS } from '../../../src/kubernetes/api-calls.js';
import { serviceAccount } from '../../helpers/fake-kube-apiserver.js';
import { admit } from '../../helpers/apiserver.js';
import { podReview } from '../../helpers/review.js';
import { ARN, ROLE, startFake, until, writeKubeconfig } from './setup.js';

const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
const MWC = 'mutatingwebhookconfigurations';
const SERVICE = 'pod-identity-webhook.eks.svc';

function post(port: number, ca: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: '/mutate?timeout=10s', method: 'POST', servername: SERVICE, ca, agent: false,
      headers: { 'content-type': 'application/json' },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => { text += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, agent: false }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

const WEBHOOK_CONFIG = {
  apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'pod-identity-webhook' },
  webhooks: [{ name: 'pod-identity-webhook.amazonaws.com', clientConfig: { service: { name: 'pod-identity-webhook', namespace: 'eks', path: '/mutate' } } }],
};

function replica(t: Test, kubeconfig: string, extra: string[] = []) {
  const child = spawn(process.execPath, [CLI, 'serve', '--kubeconfig', kubeconfig, '--self-signed', '--namespace', 'eks',
    '--service-name', 'pod-identity-webhook', '--port', '0', '--metrics-port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const lines: Array<Record<string, any>> = [];
  createInterface({ input: child.stdout }).on('line', (l) => { try { lines.push(JSON.parse(l)); } catch { /* not JSON */ } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  return { child, lines, exited, stderr: () => stderr };
}

t.test('two self-signed replicas share the caBundle and are both trusted', async (t) => {
  const fake = await startFake(t);
  fake.add('serviceaccounts', serviceAccount('apps', 'web', { [ROLE]: ARN(1) }));
  fake.add(MWC, structuredClone(WEBHOOK_CONFIG));
  const kubeconfig = writeKubeconfig(t, fake);
  const replicas = [0, 1].map(() => replica(t, kubeconfig));
  const ports: number[] = [];
  for (const r of replicas) {
    const listening = await until(() => r.lines.find((l) => l.msg === 'listening'), `"listening" (stderr: ${r.stderr()})`, 20_000);
    ports.push(listening?.port as number);
  }
  for (const port of ports) await until(async () => (await readyz(port)) === 200, `replica on ${port} ready`, 15_000);

  const bundle = Buffer.from(fake.get(MWC, undefined, 'pod-identity-webhook')!.webhooks[0].clientConfig.caBundle, 'base64').toString('utf8');
  t.equal(bundle.match(/BEGIN CERTIFICATE/g)?.length, 2, 'both CAs are in the caBundle');

  const review = podReview('ss-1', 'apps', { metadata: { generateName: 'web-' }, spec: { serviceAccountName: 'web', containers: [{ name: 'c', image: 'i' }] } });
  for (const port of ports) {
    const reply = await post(port, bundle, JSON.stringify(review));
    t.equal(reply.status, 200, `replica on ${port} answers a client that trusts only the caBundle`);
    const admitted = admit(review, JSON.parse(reply.body));
    t.ok(admitted.pod.spec.containers[0].env.some((e: any) => e.name === 'AWS_ROLE_ARN' && e.value === ARN(1)));
  }
  t.same(fake.callsOutside(API_CALLS), [], 'only the API calls RBAC grants');

  for (const r of replicas) r.child.kill('SIGTERM');
  for (const r of replicas) t.equal(await r.exited, 0, 'clean exit on SIGTERM');
});

t.test('--workers: no worker is ready before the primary has the CA in the caBundle', async (t) => {
  const fake = await startFake(t);
  fake.add('serviceaccounts', serviceAccount('apps', 'web', { [ROLE]: ARN(1) }));
  // No MutatingWebhookConfiguration yet: the primary's caBundle patch fails and is retried every 10 s.
  const kubeconfig = writeKubeconfig(t, fake);
  const r = replica(t, kubeconfig, ['--workers', '2']);
  const listening = await until(() => r.lines.find((l) => l.msg === 'listening' && l.workers === 2), `"listening" (stderr: ${r.stderr()})`, 20_000);
  const port = listening?.port as number;
  await until(() => r.lines.some((l) => l.msg.startsWith('caBundle of the MutatingWebhookConfiguration not patched')), 'the failed patch is logged', 10_000);
  // Connections are spread over both workers: several probes reach each.
  const before = await Promise.all(Array.from({ length: 8 }, () => readyz(port)));
  t.same([...new Set(before)], [503], 'every worker answers 503 while the cluster cannot trust its certificate');

  fake.add(MWC, structuredClone(WEBHOOK_CONFIG));
  await until(async () => (await Promise.all(Array.from({ length: 8 }, () => readyz(port)))).every((s) => s === 200), 'all workers ready after the retry', 20_000);
  const bundle = Buffer.from(fake.get(MWC, undefined, 'pod-identity-webhook')!.webhooks[0].clientConfig.caBundle, 'base64').toString('utf8');
  const review = podReview('ss-2', 'apps', { metadata: { generateName: 'web-' }, spec: { serviceAccountName: 'web', containers: [{ name: 'c', image: 'i' }] } });
  t.equal((await post(port, bundle, JSON.stringify(review))).status, 200, 'a worker answers a client that trusts only the caBundle');
  r.child.kill('SIGTERM');
  t.equal(await r.exited, 0, 'clean exit on SIGTERM');
});
