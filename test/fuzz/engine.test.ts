// Seeded property test of the engine, alone and behind handleReview: for
// random pods and random settings the patch applies, a valid pod stays valid,
// nothing but the added fields changes, a second pass adds nothing, and every
// warning fits kubectl. Reproduce a failure with the printed seed:
//   FUZZ_SEED=<seed> npx tap test/fuzz/engine.test.ts

import fc from 'fast-check';
import t from 'tap';
import { isDeepStrictEqual } from 'node:util';
import { handleReview } from '../../src/admission/handle.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../src/engine/config.js';
import { inject, type PatchOperation } from '../../src/engine/inject.js';
import { readPod } from '../../src/engine/pod.js';
import { ConfigMapCache } from '../../src/identity/config-map.js';
import { PodIdentitySet } from '../../src/identity/pod-identity-file.js';
import { ServiceAccountCache } from '../../src/identity/service-account-cache.js';
import { storesSource } from '../../src/identity/source.js';
import type { IdentityLookup } from '../../src/engine/identity.js';
import { admit, applyOperations, checkEnvelope, podProblems } from '../helpers/apiserver.js';
import { configArb, lookupArb, podArb, randomArb } from './arbitraries.js';

type Obj = Record<string, any>;

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
// Sized for < 30 s in total on a busy 2-core machine (see docs/benchmarks.md, "Fuzzing").
const ENGINE_RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const REVIEW_RUNS = Math.max(1, Math.round(ENGINE_RUNS / 3));

// kube-apiserver refuses a projected token with expirationSeconds above 2^32.

const ALLOWED_PATHS = [
  /^\/metadata$/,
  /^\/metadata\/labels$/,
  /^\/metadata\/labels\/eks\.amazonaws\.com~1pod-identity$/,
  /^\/metadata\/annotations$/,
  /^\/metadata\/annotations\/(eks\.amazonaws\.com|example\.com)~1aws-config$/,
  /^\/spec\/volumes(\/0)?$/,
  /^\/spec\/(initContainers|containers)\/\d+\/(env|volumeMounts)(\/-)?$/,
];
// The existing values the engine may overwrite: a pod-identity label that is not "enabled", and
// the webhook's own AWS config annotation holding another text (pod annotations never choose a role).
const REPLACEABLE = /^\/metadata\/(labels\/eks\.amazonaws\.com~1pod-identity|annotations\/(eks\.amazonaws\.com|example\.com)~1aws-config)$/;

function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function walk(doc: any, tokens: readonly string[]): any {
  let at = doc;
  for (const tok of tokens) at = Array.isArray(at) ? at[Number(tok)] : at[tok];
  return at;
}

/**
 * Applies the add operations by hand while remembering how to take each one
 * back, then takes them all back: what remains must be the input, exactly.
 */
function addThenRemove(input: Obj, ops: readonly PatchOperation[]): { applied: Obj; restored: Obj; replaced: string[] } {
  const doc = structuredClone(input);
  const undo: Array<{ parent: string[]; index?: number; key?: string; existed?: boolean; before?: unknown }> = [];
  const replaced: string[] = [];
  for (const op of ops) {
    if (op.op !== 'add') throw new Error(`operation ${String(op.op)} at ${op.path}: the engine only adds`);
    const parent = pointerTokens(op.path);
    const last = parent.pop() as string;
    const container = walk(doc, parent);
    if (Array.isArray(container)) {
      const index = last === '-' ? container.length : Number(last);
      container.splice(index, 0, structuredClone(op.value));
      undo.push({ parent, index });
    } else {
      const existed = Object.hasOwn(container, last);
      if (existed) replaced.push(op.path);
      undo.push({ parent, key: last, existed, before: container[last] });
      container[last] = structuredClone(op.value);
    }
  }
  const applied = structuredClone(doc);
  for (const u of undo.reverse()) {
    const container = walk(doc, u.parent);
    if (u.index !== undefined) container.splice(u.index, 1);
    else if (u.existed) container[u.key as string] = u.before;
    else delete container[u.key as string];
  }
  return { applied, restored: doc, replaced };
}

/** Every property for one (pod, settings, lookup); throws a description of the first one broken. */
function checkEngine(pod: Obj, config: EngineConfig, lookup: IdentityLookup, r: number): PatchOperation[] {
  const view = readPod(pod);
  if (!view.ok) throw new Error(`readPod refused a generated pod: ${view.error.message}`);
  const before = structuredClone(pod);
  const result = inject({ pod: view.value, namespace: 'default', lookup, config, random: () => r });
  if (!isDeepStrictEqual(pod, before)) throw new Error('inject() modified its input');
  const ops = result.operations;

  for (const op of ops) {
    if (!ALLOWED_PATHS.some((re) => re.test(op.path))) throw new Error(`operation at unexpected path ${op.path}`);
  }
  const patched = applyOperations(pod, ops); // RFC 6902, as the API server does; throws if it does not apply
  const { applied, restored, replaced } = addThenRemove(pod, ops);
  if (!isDeepStrictEqual(patched, applied)) throw new Error('fast-json-patch and the by-hand application disagree');
  if (!isDeepStrictEqual(restored, pod)) throw new Error('removing what the operations added does not give back the input: something else changed');
  for (const path of replaced) {
    if (!REPLACEABLE.test(path)) throw new Error(`operation at ${path} overwrote an existing value`);
  }

  if (podProblems(pod).length === 0) {
    const problems = podProblems(patched);
    if (problems.length > 0) throw new Error(`valid pod became invalid: ${problems.join('; ')}`);
  }
  for (const w of result.warnings) {
    if (w.message.length === 0 || w.message.length >= 256) throw new Error(`warning ${w.code} is ${w.message.length} characters`);
  }

  const again = readPod(patched);
  if (!again.ok) throw new Error(`the patched pod is no longer readable: ${again.error.message}`);
  const second = inject({ pod: again.value, namespace: 'default', lookup, config, random: () => r });
  if (second.operations.length > 0) throw new Error(`second pass added ${JSON.stringify(second.operations)}`);
  return ops;
}

const engineCase = configArb.chain((config) => fc.tuple(podArb, fc.constant(config), lookupArb(config.annotationPrefix), randomArb));

function report<T>(details: fc.RunDetails<T>): string {
  return `seed ${SEED} (FUZZ_SEED=${SEED} to reproduce)\n${fc.defaultReportMessage(details) ?? ''}`;
}

t.test(`inject(): random pods and settings (seed ${SEED}, ${ENGINE_RUNS} runs)`, async (t) => {
  const started = Date.now();
  let mutated = 0;
  let validInputs = 0;
  const details = fc.check(fc.property(engineCase, ([pod, config, lookup, r]) => {
    const ops = checkEngine(pod, config, lookup, r);
    if (ops.length > 0) mutated++;
    if (podProblems(pod).length === 0) validInputs++;
  }), { seed: SEED, numRuns: ENGINE_RUNS });
  t.notOk(details.failed, report(details));
  t.equal(details.numRuns, ENGINE_RUNS, 'every run was executed');
  // A generator that never mutates, or never yields a valid pod, would make the properties vacuous.
  t.ok(mutated > ENGINE_RUNS / 4, `${mutated} of ${ENGINE_RUNS} pods were mutated`);
  t.ok(validInputs > ENGINE_RUNS / 2, `${validInputs} of ${ENGINE_RUNS} input pods were valid`);
  t.comment(`engine fuzz: ${ENGINE_RUNS} runs, seed ${SEED}, ${Date.now() - started} ms`);
});

t.test(`handleReview(): the same through the AdmissionReview envelope (seed ${SEED}, ${REVIEW_RUNS} runs)`, async (t) => {
  const started = Date.now();
  const reviewCase = fc.tuple(engineCase, fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'), fc.boolean());
  const details = await fc.check(fc.asyncProperty(reviewCase, async ([[pod, config, lookup, r], apiVersion, podNamespace]) => {
    const view = readPod(pod);
    if (!view.ok) throw new Error(view.error.message);
    const saName = view.value.serviceAccountName;
    const serviceAccounts = new ServiceAccountCache();
    if (lookup.serviceAccount) serviceAccounts.set({ ...lookup.serviceAccount, namespace: 'default', name: saName });
    const configMap = new ConfigMapCache();
    if (lookup.configMap) configMap.replace(new Map([[`${(lookup as any).configMapKey === 'exact' ? 'default' : '*'}/${saName}`, lookup.configMap]]));
    const podIdentity = new PodIdentitySet();
    if (lookup.podIdentity) podIdentity.replace(new Set([`default/${saName}`]));
    const source = storesSource({ serviceAccounts, configMap, podIdentity });

    // What the API server sends is JSON: round-trip so the handler sees exactly that.
    const object = JSON.parse(JSON.stringify(pod));
    if (podNamespace && object.metadata) object.metadata.namespace = 'default';
    const review = {
      apiVersion, kind: 'AdmissionReview',
      request: {
        uid: `uid-${r}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
        namespace: 'default', operation: 'CREATE', object,
      },
    };
    const lookupNow = await source.lookup('default', saName);
    const direct = checkEngine(object, config, lookupNow, r);
    const handled = await handleReview(structuredClone(review), { source, config, random: () => r });
    if (!handled.ok) throw new Error(`handleReview refused a readable pod: ${handled.error.message}`);
    const response = handled.value.response as unknown as Obj;
    // An input the API server would refuse anyway can only be checked up to the patch.
    const operations = podProblems(object).length === 0
      ? admit(review, response).operations
      : checkEnvelope(review, response);
    applyOperations(object, operations);
    if (!isDeepStrictEqual(operations, JSON.parse(JSON.stringify(direct)))) {
      throw new Error('the patch in the response differs from what inject() returns');
    }
  }), { seed: SEED, numRuns: REVIEW_RUNS });
  t.notOk(details.failed, report(details));
  t.equal(details.numRuns, REVIEW_RUNS, 'every run was executed');
  t.comment(`handleReview fuzz: ${REVIEW_RUNS} runs, seed ${SEED}, ${Date.now() - started} ms`);
});

// Found by the fuzzer (seed 20261123): an expiration above 2^32 seconds used to pass straight into
// the projected token, and kube-apiserver then refused the pod ("must not be more than 4294967296
// seconds"). The engine now caps it; these rows keep it that way.
t.test('regression: a token expiration above 2^32 is capped so the apiserver accepts the pod', async (t) => {
  const prefix = 'eks.amazonaws.com';
  const role = { [`${prefix}/role-arn`]: 'arn:aws:iam::111122223333:role/app' };
  const rows: Array<[string, Obj, IdentityLookup]> = [
    ['pod annotation', { [`${prefix}/token-expiration`]: '4294967297' },
      { podIdentity: false, serviceAccount: { namespace: 'default', name: 'app', annotations: role } }],
    ['ServiceAccount annotation', {},
      { podIdentity: false, serviceAccount: { namespace: 'default', name: 'app', annotations: { ...role, [`${prefix}/token-expiration`]: '4294967297' } } }],
    ['ConfigMap TokenExpiration', {},
      { podIdentity: false, configMap: { RoleARN: 'arn:aws:iam::111122223333:role/app', TokenExpiration: 4294967297 } }],
  ];
  for (const [name, annotations, lookup] of rows) {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { annotations }, spec: { serviceAccountName: 'app', containers: [{ name: 'app' }] } };
    const view = readPod(pod);
    if (!view.ok) throw new Error(view.error.message);
    const { operations } = inject({ pod: view.value, namespace: 'default', lookup, config: DEFAULT_ENGINE_CONFIG, random: () => 0 });
    t.same(podProblems(applyOperations(pod, operations)), [], `${name}: the apiserver accepts the mutated pod`);
  }
});
