// Drop-in, proven: the command lines that existing installs run, exactly as they
// ship, started as the built CLI against the fake API server.
//
// - upstream's own deploy/deployment-base.yaml (aws/amazon-eks-pod-identity-webhook):
//   `command: [/webhook, --in-cluster=false, …, --logtostderr]`;
// - the community Helm chart (jkroepke/helm-charts, amazon-eks-pod-identity-webhook),
//   templates/deployment.yaml rendered with its default values for the release
//   `amazon-eks-pod-identity-webhook` in `kube-system` (`$(POD_NAMESPACE)` expanded as
//   the kubelet would), and once more with the two values operators most often set:
//   `config.podIdentityWebhookMap.enabled=true` and `config.extraArgs=[-v=2]`.
//
// Only what a test machine cannot share with a pod is substituted: the ports (0,
// read back from the "listening" line), the certificate paths (a temp dir), and
// how the API server is reached: `--kubeconfig` (upstream has the same flag)
// stands in for the pod's in-cluster ServiceAccount. Every command line runs
// twice: flags only, as `/webhook` runs it, and after `serve`.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t, { type Test } from 'tap';
import { admit } from '../helpers/apiserver.js';
import { configMap, serviceAccount } from '../helpers/fake-kube-apiserver.js';
import { looksLikeStackTrace } from '../helpers/cli.js';
import { podReview } from '../helpers/review.js';
import { startFake, until, writeKubeconfig } from '../identity/kubernetes/setup.js';
import { loopbackCertificate } from './server.js';
import { CLI } from './support.js';

const UPSTREAM_DEPLOYMENT = [
  '--in-cluster=false',
  '--namespace=default',
  '--service-name=pod-identity-webhook',
  '--annotation-prefix=eks.amazonaws.com',
  '--token-audience=sts.amazonaws.com',
  '--logtostderr',
];

const CHART_DEFAULTS = [
  '--annotation-prefix=eks.amazonaws.com',
  '--aws-default-region=us-east-1',
  '--in-cluster=false',
  '--logtostderr',
  '--namespace=kube-system',
  '--metrics-port=9999',
  '--port=8443',
  '--service-name=amazon-eks-pod-identity-webhook',
  '--sts-regional-endpoint=true',
  '--token-audience=sts.amazonaws.com',
  '--token-expiration=86400',
  '--token-mount-path=/var/run/secrets/eks.amazonaws.com/serviceaccount',
  '--tls-cert=/etc/webhook/certs/tls.crt',
  '--tls-key=/etc/webhook/certs/tls.key',
];

const CHART_CONFIG_MAP = [...CHART_DEFAULTS, '--watch-config-map', '-v=2'];

interface Case {
  readonly name: string;
  readonly args: readonly string[];
  /** The env every injected container must carry (beyond role and token file). */
  readonly env: Record<string, string>;
  /** Env names the command line does not ask for, so they must not appear. */
  readonly absent: readonly string[];
  readonly configMapNamespace?: string;
}

const CASES: readonly Case[] = [
  {
    name: "upstream's deploy/deployment-base.yaml",
    args: UPSTREAM_DEPLOYMENT,
    env: {},
    // Upstream's base sets neither flag: pods get no region and global STS, here as there.
    absent: ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_STS_REGIONAL_ENDPOINTS'],
  },
  {
    name: 'the community chart, default values',
    args: CHART_DEFAULTS,
    env: { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_STS_REGIONAL_ENDPOINTS: 'regional' },
    absent: [],
  },
  {
    name: 'the community chart with its ConfigMap and extraArgs [-v=2]',
    args: CHART_CONFIG_MAP,
    env: { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_STS_REGIONAL_ENDPOINTS: 'regional' },
    absent: [],
    configMapNamespace: 'kube-system',
  },
];

const ROLE = 'arn:aws:iam::111122223333:role/s3-reader';
const CM_ROLE = 'arn:aws:iam::111122223333:role/from-config-map';
const TOKEN_FILE = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';

/** Replaces the value of each named flag where the command line has it, appends it where it has not. */
function substitute(args: readonly string[], values: Record<string, string>): string[] {
  const out = args.map((a) => {
    const m = /^--([^=]+)=/.exec(a);
    const v = m ? values[m[1] as string] : undefined;
    return v === undefined ? a : `--${m?.[1]}=${v}`;
  });
  for (const [flag, v] of Object.entries(values)) if (!out.some((a) => a.startsWith(`--${flag}=`))) out.push(`--${flag}=${v}`);
  return out;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

function request(url: string, opts: https.RequestOptions & { body?: string } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const { body, ...rest } = opts;
    const req = mod.request(url, { agent: false, ...rest }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => { text += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

const envOf = (container: Record<string, any>): Record<string, string> =>
  Object.fromEntries((container.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value]));

async function runCase(t: Test, c: Case, withServe: boolean): Promise<void> {
  const fake = await startFake(t);
  fake.add('serviceaccounts', serviceAccount('apps', 's3-reader', { 'eks.amazonaws.com/role-arn': ROLE }));
  if (c.configMapNamespace) {
    fake.add('configmaps', configMap(c.configMapNamespace, 'pod-identity-webhook', {
      config: JSON.stringify({ 'apps/from-cm': { RoleARN: CM_ROLE, Audience: 'sts.amazonaws.com', UseRegionalSTS: true, TokenExpiration: 0 } }),
    }));
  }
  const dir = mkdtempSync(join(tmpdir(), 'piw-upstream-args-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tls = await loopbackCertificate(dir);
  const args = [
    ...substitute(c.args, { port: '0', 'metrics-port': '0', 'tls-cert': tls.cert, 'tls-key': tls.key }),
    `--kubeconfig=${writeKubeconfig(t, fake)}`,
  ];
  const argv = [CLI, ...(withServe ? ['serve'] : []), ...args];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const lines: Array<Record<string, any>> = [];
  createInterface({ input: child.stdout }).on('line', (l) => { try { lines.push(JSON.parse(l)); } catch { /* not JSON */ } });

  const listening = (await until(
    () => lines.find((l) => l.msg === 'listening') ?? (child.exitCode !== null ? { failed: true } : undefined),
    `"listening" (stderr: ${stderr})`, 20_000)) as Record<string, any>;
  if (listening.failed) {
    t.fail(`exited ${child.exitCode} before listening: ${stderr}`);
    return;
  }
  t.equal(listening.source, 'kubernetes', 'identities from the Kubernetes API, as upstream');
  const base = `https://127.0.0.1:${listening.port}`;
  const ca = tls.ca;
  await until(async () => (await request(`${base}/readyz`, { ca })).status === 200, '/readyz 200', 15_000);
  // The chart's liveness and readiness probes: GET /healthz on the https port.
  t.equal((await request(`${base}/healthz`, { ca })).status, 200, 'the chart\'s probes (/healthz over https) answer 200');
  const metrics = await request(`http://127.0.0.1:${listening.metricsPort}/metrics`);
  t.equal(metrics.status, 200, 'metrics on --metrics-port');
  t.match(metrics.body, /http_request_count/, "upstream's metric names");

  const post = async (sa: string) => {
    const review = podReview(`${sa}-uid`, 'apps', {
      metadata: { generateName: `${sa}-` },
      spec: { serviceAccountName: sa, containers: [{ name: 'app', image: 'app:1' }] },
    });
    const reply = await request(`${base}/mutate?timeout=10s`, {
      ca, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(review),
    });
    t.equal(reply.status, 200, `POST /mutate for ${sa}`);
    return admit(review, JSON.parse(reply.body));
  };

  const { pod } = await post('s3-reader');
  const container = pod.spec.containers[0];
  const env = envOf(container);
  t.equal(env.AWS_ROLE_ARN, ROLE, 'AWS_ROLE_ARN from the ServiceAccount');
  t.equal(env.AWS_WEB_IDENTITY_TOKEN_FILE, TOKEN_FILE, 'AWS_WEB_IDENTITY_TOKEN_FILE');
  for (const [name, value] of Object.entries(c.env)) t.equal(env[name], value, `${name}=${value}`);
  for (const name of c.absent) t.notOk(name in env, `no ${name}`);
  const volume = pod.spec.volumes.find((v: { name: string }) => v.name === 'aws-iam-token');
  t.match(volume?.projected?.sources?.[0]?.serviceAccountToken, { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' }, 'the projected token');
  t.match(container.volumeMounts, [{ name: 'aws-iam-token', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount', readOnly: true }],
    'the token mounted at --token-mount-path');

  if (c.configMapNamespace) {
    const fromCm = await post('from-cm');
    t.equal(envOf(fromCm.pod.spec.containers[0]).AWS_ROLE_ARN, CM_ROLE, 'the ConfigMap in --namespace is read');
  }

  const ignored = lines.filter((l) => l.msg === 'upstream flag accepted; it has no effect').map((l) => l.flag);
  t.same(ignored.sort(), ['--in-cluster', '--logtostderr'], 'upstream-only flags are named as having no effect');
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'clean exit on SIGTERM');
  t.equal(stderr, '', 'nothing on stderr');
  t.notOk(looksLikeStackTrace(stderr), 'no stack trace');
}

for (const c of CASES) {
  t.test(`${c.name}: flags only (as /webhook runs it)`, (t) => runCase(t, c, false));
  t.test(`${c.name}: after serve`, (t) => runCase(t, c, true));
}

t.test('the substitution touches only the named flags', async (t) => {
  t.same(substitute(['--port=8443', '--logtostderr', '--tls-cert=/a'], { port: '0', 'tls-cert': '/b', 'metrics-port': '0' }),
    ['--port=0', '--logtostderr', '--tls-cert=/b', '--metrics-port=0']);
});
