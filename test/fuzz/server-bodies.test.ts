// 10,000 malformed (and some valid) bodies against the built server over TLS
// on one keep-alive connection, as kube-apiserver talks to it. Every body must
// get a 4xx or a review kube-apiserver would accept; the process must stay up
// and its memory must not keep growing. Reproduce with the printed seed:
//   FUZZ_SEED=<seed> FUZZ_BODIES=<n> npx tap test/fuzz/server-bodies.test.ts

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { AdmissionRejected, applyOperations, checkEnvelope, podProblems } from '../helpers/apiserver.js';
import { loopbackCertificate, startServer } from '../e2e/server.js';
import { tempDir } from '../e2e/support.js';
import { bodies } from './bodies.js';

type Obj = Record<string, any>;

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const COUNT = Number(process.env.FUZZ_BODIES ?? 10000);
// Smaller than the 3 MiB default so over-limit bodies stay cheap to build and send.
const MAX_BYTES = 1024 * 1024;
const WARM_UP = Math.min(1000, Math.floor(COUNT / 10));
// Allowed RSS growth between the warmed-up sample and the end (V8 heap slack, TLS buffers).
const RSS_GROWTH_BOUND = 64 * 1024 * 1024;
const SAMPLE_EVERY = Math.max(1, Math.floor(COUNT / 10));

/** What kube-apiserver would do with a 200: check the envelope, apply the patch, validate. */
function checkAccepted(sent: Buffer, answer: string): void {
  let request: Obj;
  try {
    // The server decodes the body as UTF-8 (invalid sequences become U+FFFD); do the same.
    request = JSON.parse(sent.toString('utf8').replace(/^\ufeff/, ''));
  } catch {
    throw new Error('200 for a body that is not JSON');
  }
  const response = JSON.parse(answer);
  const operations = checkEnvelope(request, response);
  if (response.response.allowed !== true) throw new AdmissionRejected('the webhook denied a pod');
  if (operations.length === 0) return;
  const pod = applyOperations(request.request.object, operations);
  if (podProblems(request.request.object).length === 0) {
    const problems = podProblems(pod);
    if (problems.length > 0) throw new AdmissionRejected(`apiserver would reject the pod: ${problems.join('; ')}`);
  }
}

function residentFromMetrics(text: string): number {
  const m = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  return m ? Number(m[1]) : NaN;
}

t.test(`server survives ${COUNT} malformed bodies (seed ${SEED})`, async (t) => {
  const dir = await tempDir(t, 'piw-fuzz-');
  const serviceAccounts = join(dir, 'service-accounts.yaml');
  await writeFile(serviceAccounts, [
    'apiVersion: v1', 'kind: ServiceAccount',
    'metadata: {name: app, namespace: default, annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/app", eks.amazonaws.com/token-expiration: "3600"}}',
    '---',
    'apiVersion: v1', 'kind: ServiceAccount', 'metadata: {name: other, namespace: default}',
    '',
  ].join('\n'));
  const identities = join(dir, 'pod-identity.json');
  await writeFile(identities, JSON.stringify({ identities: [{ namespace: 'default', serviceAccount: 'default' }] }));
  const server = await startServer(await loopbackCertificate(dir), [
    '--service-accounts', serviceAccounts, '--container-credentials-config', identities,
    '--max-request-bytes', String(MAX_BYTES), '--log-level', 'warn',
  ]);
  t.teardown(() => server.stop());
  const pid = server.child.pid;

  const started = Date.now();
  const statuses = new Map<number, number>();
  const kinds = new Map<string, number>();
  const failures: string[] = [];
  let rssBefore = 0;
  let metricsBefore = 0;
  let sent = 0;
  const samples: number[] = [];
  for (const b of bodies({ seed: SEED, count: COUNT, maxBytes: MAX_BYTES })) {
    if (sent === WARM_UP) {
      rssBefore = await server.rss();
      metricsBefore = residentFromMetrics(await server.metrics());
    }
    if (sent % SAMPLE_EVERY === 0) samples.push(Math.round((await server.rss()) / 2 ** 20));
    sent++;
    const kind = b.kind.replace(/\d+/g, 'N');
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    const fail = (why: string): void => {
      if (failures.length < 20) failures.push(`#${sent} ${b.kind} (${b.bytes.length} B, ${b.contentType ?? 'no content type'}): ${why}`);
    };
    let res;
    try {
      res = await server.post(b.bytes, b.contentType === undefined ? {} : { 'content-type': b.contentType }, b.path);
    } catch (err) {
      fail(`no answer: ${(err as Error).message}`);
      if (!server.alive()) break;
      continue;
    }
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 200 && b.path.startsWith('/mutate?') || res.status === 200 && b.path === '/mutate') {
      try {
        checkAccepted(b.bytes, res.body);
      } catch (err) {
        fail(`200 but ${(err as Error).message}`);
      }
      if (b.expect === '4xx') fail('expected a 4xx, got 200');
    } else if (res.status >= 400 && res.status < 500) {
      let refusal: Obj | undefined;
      try {
        refusal = JSON.parse(res.body);
      } catch {
        // fall through
      }
      if (typeof refusal?.code !== 'string' || typeof refusal?.message !== 'string') fail(`${res.status} without a {code, message} body: ${res.body.slice(0, 200)}`);
      if (b.expect === 'ok') fail(`expected 200, got ${res.status} ${res.body.slice(0, 200)}`);
    } else if (!(res.status === 200 && b.path.startsWith('/healthz'))) {
      fail(`status ${res.status}: ${res.body.slice(0, 200)}`);
    }
    if (sent % 500 === 0 && !server.alive()) {
      fail('server process died');
      break;
    }
  }
  const ms = Date.now() - started;
  const rssAfter = await server.rss();
  const metricsAfter = residentFromMetrics(await server.metrics());

  t.same(failures, [], 'every body got a 4xx or a review kube-apiserver accepts');
  t.equal(sent, COUNT, `all ${COUNT} bodies were sent`);
  t.ok(server.alive(), 'the server process is still running');
  t.equal(server.child.pid, pid, 'same process');
  const health = await server.post('', {}, '/healthz').catch((err: Error) => ({ status: 0, body: err.message }));
  // /healthz is GET-only: any 4xx here still proves the process answers on the same port.
  t.ok(health.status >= 200 && health.status < 500, `the server still answers (${health.status})`);
  const okCount = statuses.get(200) ?? 0;
  t.ok(okCount > COUNT / 10, `${okCount} bodies were admitted (the valid share is not vacuous)`);
  t.ok(rssAfter - rssBefore < RSS_GROWTH_BOUND,
    `RSS ${(rssBefore / 2 ** 20).toFixed(1)} MiB after ${WARM_UP} bodies → ${(rssAfter / 2 ** 20).toFixed(1)} MiB after ${COUNT} (bound +${RSS_GROWTH_BOUND / 2 ** 20} MiB)`);
  t.comment(`server fuzz: ${COUNT} bodies, seed ${SEED}, ${ms} ms; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  t.comment(`RSS (/proc) ${rssBefore} → ${rssAfter} B; process_resident_memory_bytes ${metricsBefore} → ${metricsAfter} B; MiB every ${SAMPLE_EVERY} bodies: ${samples.join(' ')}`);
  t.comment(`kinds: ${JSON.stringify(Object.fromEntries([...kinds].sort((a, b) => b[1] - a[1])))}`);
});
