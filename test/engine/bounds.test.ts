// The engine's work and output bounds (issue 14): a pod beyond MAX_CONTAINERS
// is left alone with one warning; warnings are deduplicated and capped; user
// values echoed into warnings lose their control characters.

import t from 'tap';
import { DEFAULT_ENGINE_CONFIG, MAX_CONTAINERS, MAX_WARNINGS } from '../../src/engine/config.js';
import { injectPod } from '../../src/engine/inject-pod.js';
import { clip } from '../../src/errors.js';
import { irsa, pod } from '../helpers/engine.js';

function prepared(p: Record<string, any>) {
  const r = injectPod({ pod: p, namespace: 'default', source: { lookup: () => irsa() }, config: DEFAULT_ENGINE_CONFIG, random: () => 0.5 });
  if (r instanceof Promise || !r.ok) throw new Error('expected a synchronous result');
  return r.value.result;
}
const containers = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}` }));

t.test('up to MAX_CONTAINERS containers are mutated; one more and the pod is left alone', async (tt) => {
  tt.ok(prepared(pod({ containers: containers(MAX_CONTAINERS) })).operations.length > MAX_CONTAINERS);
  const over = prepared(pod({ containers: containers(MAX_CONTAINERS), initContainers: [{ name: 'init' }] }));
  tt.same(over.operations, []);
  tt.equal(over.oversized, true);
  tt.same(over.warnings.map((w) => w.code), ['W_POD_TOO_LARGE']);
  tt.match(over.reason, /not mutated: 501 containers/);
});

t.test('warnings: the same one once, at most MAX_WARNINGS, then one that counts the rest', async (tt) => {
  const mounted = Array.from({ length: 20 }, (_, i) => ({ name: `c${i}`, volumeMounts: [{ name: 'x', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' }] }));
  const r = prepared(pod({ containers: mounted, volumes: [{ name: 'x', emptyDir: {} }] }));
  tt.equal(r.warnings.length, MAX_WARNINGS + 1);
  tt.match(r.warnings.at(-1)?.message, /and 15 more warnings/);
  const twice = prepared(pod({ containers: [{ name: 'app' }] }, { annotations: { 'eks.amazonaws.com/skip-containers': 'ghost,ghost, ghost' } }));
  tt.same(twice.warnings.map((w) => w.message).filter((m) => /ghost/.test(m)).length, 1, 'a name listed three times is one warning');
  const many = prepared(pod({ containers: [{ name: 'app' }] }, { annotations: { 'eks.amazonaws.com/skip-containers': Array.from({ length: 1000 }, (_, i) => `g${i}`).join(',') } }));
  tt.equal(many.warnings.length, MAX_WARNINGS + 1);
  tt.match(many.warnings.at(-1)?.message, /lists 995 more names/);
});

t.test('control characters and bidi overrides never reach a warning', async (tt) => {
  for (const evil of ['\u001b[31mred\u001b[0m', 'a\r\nb', 'x\u0000y', 'rtl\u202egnp.exe', 'del\u007f', 'c1\u0085']) {
    const out = clip(evil);
    tt.notMatch(out, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/, JSON.stringify(evil));
  }
  const r = prepared(pod({ containers: [{ name: 'app' }] }, { annotations: { 'eks.amazonaws.com/skip-containers': 'bad\u001b[2Jname' } }));
  tt.notMatch(r.warnings[0]?.message ?? '', /\u001b/);
});
