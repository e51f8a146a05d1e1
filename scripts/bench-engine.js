// npm run bench:engine — engine + AdmissionReview envelope throughput on the
// realistic ~4.5 KB review in examples/, against JSON.parse + JSON.stringify of
// the same review measured in the same run (the floor any handler pays).
// Samples alternate between the two so machine noise hits both; medians reported.
import { readFileSync } from 'node:fs';
import { handleReview } from '../dist/admission/handle.js';
import { DEFAULT_ENGINE_CONFIG } from '../dist/engine/config.js';
import { loadStaticStores } from '../dist/identity/file-source.js';

const SAMPLES = Number(process.env.SAMPLES ?? 9);
const ITERATIONS = Number(process.env.ITERATIONS ?? 20000);
const body = readFileSync(new URL('../examples/admission-review.json', import.meta.url), 'utf8');
const compact = JSON.stringify(JSON.parse(body));
const stores = await loadStaticStores({
  serviceAccountFiles: [new URL('../examples/service-accounts.yaml', import.meta.url).pathname],
  annotationPrefix: 'eks.amazonaws.com', watchConfigMap: false, namespace: 'eks',
});
if (!stores.ok) throw new Error(stores.error.message);
const deps = { source: stores.value.source, config: { ...DEFAULT_ENGINE_CONFIG, awsDefaultRegion: 'us-west-2' }, random: Math.random };

let sink = 0;
function baseline(n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += JSON.stringify(JSON.parse(compact)).length;
  return Number(process.hrtime.bigint() - t0) / n;
}
async function engineOnly(n, reviews) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const out = await handleReview(reviews[i], deps);
    if (!out.ok || !out.value.response.response.patch) throw new Error('expected a patch');
    sink += out.value.response.response.patch.length;
  }
  return Number(process.hrtime.bigint() - t0) / n;
}
async function fullPipeline(n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const out = await handleReview(JSON.parse(compact), deps);
    if (!out.ok) throw new Error(out.error.message);
    sink += JSON.stringify(out.value.response).length;
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Warm up the JIT on all three paths.
baseline(2000);
await engineOnly(2000, Array.from({ length: 2000 }, () => JSON.parse(compact)));
await fullPipeline(2000);

const base = [];
const eng = [];
const full = [];
for (let s = 0; s < SAMPLES; s++) {
  base.push(baseline(ITERATIONS));
  const parsed = Array.from({ length: ITERATIONS }, () => JSON.parse(compact));
  eng.push(await engineOnly(ITERATIONS, parsed));
  full.push(await fullPipeline(ITERATIONS));
}
const mb = median(base);
const me = median(eng);
const mf = median(full);
const row = (name, ns) => `| ${name.padEnd(44)} | ${(1e9 / ns).toFixed(0).padStart(9)} | ${(ns / 1000).toFixed(2).padStart(7)} | ${(ns / mb).toFixed(2).padStart(5)}x |`;
console.log(`review: ${compact.length} bytes; ${SAMPLES} samples x ${ITERATIONS} iterations; node ${process.version}`);
console.log('| path                                         |   ops/s   | µs/op   | vs floor |');
console.log('| -------------------------------------------- | --------- | ------- | -------- |');
console.log(row('floor: JSON.parse + JSON.stringify of review', mb));
console.log(row('engine + envelope (handleReview, parsed in)', me));
console.log(row('parse + handleReview + stringify response', mf));
const ratio = me / mb;
console.log(`\nengine + envelope = ${ratio.toFixed(2)}x the floor (target <= 1.5x): ${ratio <= 1.5 ? 'PASS' : 'FAIL'}`);
if (sink === 42) console.log('');
