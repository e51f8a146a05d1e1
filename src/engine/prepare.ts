// The one path from a pod to its patch, shared by every front door (serve and
// replay through admission/handle.ts, mutate for pod templates, the tests):
// read the pod, look up its ServiceAccount's identity, run the engine.

import { ok, type Result } from '../errors.js';
import type { EngineConfig } from './config.js';
import type { IdentityLookup, IdentityLookupSource } from './identity.js';
import { inject, type EngineResult } from './inject.js';
import { readPod } from './pod.js';

export interface PrepareInput {
  /** The pod, or a workload's pod template ({metadata, spec}), as untyped JSON. */
  readonly pod: unknown;
  /** Where the pod is created (request.namespace on CREATE, where the pod has none). */
  readonly namespace: string;
  readonly source: IdentityLookupSource;
  readonly config: EngineConfig;
  /** Uniform in [0, 1): the Pod Identity token jitter. */
  readonly random: () => number;
}

export interface Prepared {
  readonly serviceAccount: string;
  readonly lookup: IdentityLookup;
  readonly result: EngineResult;
}

/**
 * Synchronous when the lookup answers at once (a cached ServiceAccount), a
 * promise only when it has to wait: the server skips the microtask when it can.
 */
export function prepare(input: PrepareInput): Result<Prepared> | Promise<Result<Prepared>> {
  const pod = readPod(input.pod);
  if (!pod.ok) return pod;
  const serviceAccount = pod.value.serviceAccountName;
  const found = input.source.lookup(input.namespace, serviceAccount);
  const finish = (lookup: IdentityLookup): Result<Prepared> => ok({
    serviceAccount,
    lookup,
    result: inject({ pod: pod.value, namespace: input.namespace, lookup, config: input.config, random: input.random }),
  });
  return found instanceof Promise ? found.then(finish) : finish(found);
}

/** No source knew the ServiceAccount (upstream's missing_sa_count). */
export function isMissingServiceAccount(lookup: IdentityLookup): boolean {
  return !lookup.serviceAccount && !lookup.podIdentity && !lookup.configMap;
}
