// Small builders for engine tests: a pod, a lookup, and one engine pass that
// also applies the patch and checks the result the way the API server would.

import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../src/engine/config.js';
import type { IdentityLookup, ServiceAccountRecord } from '../../src/engine/identity.js';
import type { EngineResult } from '../../src/engine/inject.js';
import { injectPod } from '../../src/engine/inject-pod.js';
import { applyOperations, podProblems } from './apiserver.js';

type Obj = Record<string, any>;

export const ROLE = 'arn:aws:iam::111122223333:role/app';

export function pod(spec: Obj = {}, metadata: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'app-', ...metadata },
    spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: 'app:1' }], ...spec },
  };
}

export function sa(annotations: Record<string, string> = { 'eks.amazonaws.com/role-arn': ROLE }, name = 'app', namespace = 'default'): ServiceAccountRecord {
  return { namespace, name, annotations };
}

export function irsa(annotations?: Record<string, string>): IdentityLookup {
  return { serviceAccount: sa(annotations), podIdentity: false };
}

export interface Pass {
  readonly result: EngineResult;
  readonly pod: Obj;
}

export function run(p: Obj, lookup: IdentityLookup, config: Partial<EngineConfig> = {}, random = () => 0.5): Pass {
  const prepared = injectPod({
    pod: p, namespace: 'default', source: { lookup: () => lookup }, config: { ...DEFAULT_ENGINE_CONFIG, ...config }, random, detail: true,
  });
  if (prepared instanceof Promise) throw new Error('a fixed lookup answers at once');
  if (!prepared.ok) throw new Error(prepared.error.message);
  const { result } = prepared.value;
  const after = applyOperations(p, result.operations as unknown as Obj[]);
  const problems = podProblems(after);
  if (problems.length > 0) throw new Error(`apiserver would reject: ${problems.join('; ')}`);
  return { result, pod: after };
}

export function env(p: Obj, i = 0, list = 'containers'): Record<string, string> {
  return Object.fromEntries((p.spec[list][i].env ?? []).map((e: Obj) => [e.name, e.value]));
}

export function mounts(p: Obj, i = 0, list = 'containers'): Obj[] {
  return p.spec[list][i].volumeMounts ?? [];
}
