// Pods built to make the webhook's answer, and so its memory, explode: each
// arrives in a request under the 3 MiB limit, as any pod creator could send
// it. The webhook must admit each unchanged or with a bounded patch, answer
// in under 1 MB, and stay under 150 MB of peak RSS (the Deployment's limit is
// 256Mi). Before the bounds, 100,000 containers made a 62.5 MB answer and
// 514 MB of RSS; 300,000 unknown skip-containers names 299,999 warnings.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { checkEnvelope } from '../helpers/apiserver.js';
import { podReview } from '../helpers/review.js';
import { loopbackCertificate, startServer } from '../e2e/server.js';
import { tempDir } from '../e2e/support.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const PEAK_RSS_BOUND = 150 * 2 ** 20;
const ANSWER_BOUND = 1_000_000;

/** Peak resident memory of a process (VmHWM), in bytes. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

type Obj = Record<string, any>;
const withSpec = (spec: Obj, annotations: Obj = {}) => podReview('hostile-1', 'default', {
  apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'app-', annotations }, spec: { serviceAccountName: 'app', ...spec },
});
const names = (n: number, prefix = 'c') => Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}` }));

const SHAPES: Array<{ name: string; review: () => Obj; mutated: boolean; warning: string }> = [
  { name: '100,000 containers', review: () => withSpec({ containers: names(100_000) }), mutated: false, warning: 'W_POD_TOO_LARGE' },
  { name: '60,000 init containers and 60,000 containers', review: () => withSpec({ initContainers: names(60_000, 'i'), containers: names(60_000) }), mutated: false, warning: 'W_POD_TOO_LARGE' },
  { name: 'skip-containers naming 300,000 unknown containers', mutated: true, warning: 'W_SKIP_UNKNOWN_CONTAINER',
    review: () => withSpec({ containers: names(1) }, { 'eks.amazonaws.com/skip-containers': Array.from({ length: 300_000 }, (_, i) => `x${i}`).join(',') }) },
  { name: '500 containers, each already mounting something at the token path', mutated: true, warning: 'W_MORE',
    review: () => withSpec({ containers: Array.from({ length: 500 }, (_, i) => ({ name: `c${i}`, volumeMounts: [{ name: `v${i}`, mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' }] })) }) },
  { name: 'the most containers the webhook mutates (500)', review: () => withSpec({ containers: names(500) }), mutated: true, warning: '' },
];

t.test('hostile pod shapes: bounded answer, bounded memory, never denied', async (t) => {
  const dir = await tempDir(t, 'piw-hostile-');
  const serviceAccounts = join(dir, 'service-accounts.yaml');
  await writeFile(serviceAccounts, `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: default, annotations: {eks.amazonaws.com/role-arn: "${ROLE}"}}\n`);
  // As the image runs it (Dockerfile ENV NODE_OPTIONS).
  process.env.NODE_OPTIONS = '--max-semi-space-size=4';
  const server = await startServer(await loopbackCertificate(dir), ['--service-accounts', serviceAccounts, '--log-level', 'warn']);
  t.teardown(() => server.stop());
  const pid = server.child.pid as number;

  for (const shape of SHAPES) {
    const review = shape.review();
    const body = Buffer.from(JSON.stringify(review));
    t.ok(body.length < 3 * 2 ** 20, `${shape.name}: ${(body.length / 2 ** 20).toFixed(1)} MiB, under the 3 MiB request limit`);
    const res = await server.post(body, { 'content-type': 'application/json' });
    t.equal(res.status, 200, `${shape.name}: answered`);
    t.ok(res.body.length < ANSWER_BOUND, `${shape.name}: answer ${res.body.length} bytes`);
    const answer = JSON.parse(res.body);
    checkEnvelope(review, answer);
    t.equal(answer.response.allowed, true, `${shape.name}: allowed`);
    t.equal(answer.response.patch !== undefined, shape.mutated, `${shape.name}: ${shape.mutated ? 'mutated' : 'left alone'}`);
    const warnings: string[] = answer.response.warnings ?? [];
    t.ok(warnings.length <= 6, `${shape.name}: ${warnings.length} warnings`);
    for (const w of warnings) t.ok(w.length < 256, `${shape.name}: each warning under 256 characters`);
    if (shape.warning === 'W_POD_TOO_LARGE') t.match(warnings.join('\n'), /more than the 500 the webhook mutates; created without AWS credentials/);
    if (shape.warning === 'W_SKIP_UNKNOWN_CONTAINER') t.match(warnings.join('\n'), /skip-containers lists 299995 more names/);
    if (shape.warning === 'W_MORE') t.match(warnings.at(-1) ?? '', /and 495 more warnings/);
    const peak = await peakRss(pid);
    t.ok(peak < PEAK_RSS_BOUND, `${shape.name}: peak RSS so far ${(peak / 2 ** 20).toFixed(0)} MB`);
  }
  const metrics = await server.metrics();
  t.match(metrics, /pod_identity_webhook_oversized_pod_count\{reason="containers"\} 2/, 'each refusal is counted');
});
