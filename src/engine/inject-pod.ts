// The one path from a pod to its patch, shared by every front door (serve and
// replay through admission/handle.ts, mutate for pod templates, the tests):
// read the pod, look up its ServiceAccount's identity, run the engine.

import { ok, warnings as W, type Result, type Message } from '../errors.js';
import { isObject } from '../util/json.js';
import { MAX_CONTAINERS, MAX_WARNINGS, type EngineConfig } from './config.js';
import type { IdentityLookup, IdentityLookupSource } from './identity.js';
import { inject, type EngineResult } from './inject.js';
import { containerCount, readPod, serviceAccountOf } from './pod.js';

export interface InjectPodInput {
  /** The pod, or a workload's pod template ({metadata, spec}), as untyped JSON. */
  readonly pod: unknown;
  /** Where the pod is created (request.namespace on CREATE, where the pod has none). */
  readonly namespace: string;
  readonly source: IdentityLookupSource;
  readonly config: EngineConfig;
  /** Uniform in [0, 1): the Pod Identity token jitter. */
  readonly random: () => number;
  /** Per-container detail for --explain (see EngineInput.detail). */
  readonly detail?: boolean;
}

export interface InjectedPod {
  readonly serviceAccount: string;
  readonly lookup: IdentityLookup;
  readonly result: EngineResult;
}

/**
 * Synchronous when the lookup answers at once (a cached ServiceAccount), a
 * promise only when it has to wait: the server skips the microtask when it can.
 */
export function injectPod(input: InjectPodInput): Result<InjectedPod> | Promise<Result<InjectedPod>> {
  const containers = containerCount(input.pod);
  if (containers > MAX_CONTAINERS) return ok(oversized(input.pod, containers));
  const pod = readPod(input.pod);
  if (!pod.ok) return pod;
  const serviceAccount = pod.value.serviceAccountName;
  const found = input.source.lookup(input.namespace, serviceAccount);
  const finish = (lookup: IdentityLookup): Result<InjectedPod> => {
    const result = inject({ pod: pod.value, namespace: input.namespace, lookup, config: input.config, random: input.random, ...(input.detail ? { detail: true } : {}) });
    return ok({ serviceAccount, lookup, result: { ...result, warnings: capWarnings(result.warnings) } });
  };
  return found instanceof Promise ? found.then(finish) : finish(found);
}

/** No source knew the ServiceAccount (upstream's missing_sa_count). */
export function isMissingServiceAccount(lookup: IdentityLookup): boolean {
  return !lookup.serviceAccount && !lookup.podIdentity && !lookup.configMap;
}

/** Left alone, with one warning: the webhook never denies, and never builds an answer this big. */
function oversized(pod: unknown, containers: number): InjectedPod {
  return {
    serviceAccount: serviceAccountOf(isObject(pod) && isObject(pod.spec) ? pod.spec : {}),
    // Not looked up: nothing is injected, and the lookup must not wait for it.
    lookup: { podIdentity: false },
    result: {
      operations: [], warnings: [W.podTooLarge(containers, MAX_CONTAINERS)], containers: [], oversized: true,
      reason: `not mutated: ${containers} containers is more than the ${MAX_CONTAINERS} the webhook mutates`,
    },
  };
}

/** The same warning once, at most MAX_WARNINGS of them, then one that counts the rest. */
function capWarnings(list: Message[]): Message[] {
  if (list.length <= 1) return list;
  const seen = new Set<string>();
  const unique: Message[] = [];
  for (const w of list) {
    if (seen.has(w.message)) continue;
    seen.add(w.message);
    unique.push(w);
  }
  if (unique.length <= MAX_WARNINGS + 1) return unique;
  return [...unique.slice(0, MAX_WARNINGS), W.moreWarnings(unique.length - MAX_WARNINGS)];
}
