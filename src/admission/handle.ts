// One AdmissionReview in, one response out: decode, look up the identity,
// call the engine, encode. Shared by `serve` and `replay`; no HTTP, no logging.

import { errors as E, fail, ok, type Result } from '../errors.js';
import type { EngineConfig } from '../engine/config.js';
import { inject } from '../engine/inject.js';
import { isObject } from '../util/json.js';
import { readPod, type PodView } from '../engine/pod.js';
import type { Mode } from '../engine/resolve.js';
import type { IdentityLookup, IdentitySource } from '../identity/types.js';
import { decodeReview, encodeResponse, isPodCreate, type AdmissionReviewIn, type AdmissionReviewOut } from './review.js';

export interface Decision {
  readonly uid: string;
  readonly namespace: string;
  /** Pod name, or generateName on CREATE (the name is not set yet). */
  readonly pod: string;
  readonly serviceAccount: string;
  readonly mode?: Mode;
  readonly mutated: boolean;
  readonly reason: string;
  readonly warningCodes: readonly string[];
  /** The ServiceAccount was not known to any source (upstream's missing_sa_count). */
  readonly missingServiceAccount: boolean;
}

export interface Handled {
  readonly response: AdmissionReviewOut;
  readonly decision: Decision;
}

export interface HandleDeps {
  readonly source: IdentitySource;
  readonly config: EngineConfig;
  readonly random: () => number;
}

/**
 * Synchronous when the source answers at once (a cached ServiceAccount), a
 * promise only when it has to wait; `await` takes either. The server calls it
 * on every admission and skips the microtask when it can.
 */
export function handleReview(body: unknown, deps: HandleDeps): Result<Handled> | Promise<Result<Handled>> {
  const decoded = decodeReview(body);
  if (!decoded.ok) return decoded;
  const review = decoded.value;
  const request = review.request;
  const meta = isObject(request.object) && isObject(request.object.metadata) ? request.object.metadata : {};
  const podName = str(meta.name) || str(meta.generateName) || str(request.name);
  const namespace = str(request.namespace) || str(meta.namespace) || 'default';

  if (!isPodCreate(request)) {
    return ok({
      response: encodeResponse(review, request.uid, [], []),
      decision: {
        uid: request.uid, namespace, pod: podName, serviceAccount: '', mutated: false,
        reason: `not a pod CREATE (${str(request.operation) || '?'} ${str(request.kind?.kind) || '?'})`,
        warningCodes: [], missingServiceAccount: false,
      },
    });
  }

  const pod = readPod(request.object);
  if (!pod.ok) return fail(E.reviewBadPod(pod.error.message));
  const found = deps.source.lookup(namespace, pod.value.serviceAccountName);
  const finish = (lookup: IdentityLookup) => decide(review, podName, namespace, pod.value, lookup, deps);
  return found instanceof Promise ? found.then(finish) : finish(found);
}

function decide(review: AdmissionReviewIn, podName: string, namespace: string, pod: PodView, lookup: IdentityLookup, deps: HandleDeps): Result<Handled> {
  const { request } = review;
  const serviceAccount = pod.serviceAccountName;
  const result = inject({ pod, namespace, lookup, config: deps.config, random: deps.random });
  return ok({
    response: encodeResponse(review, request.uid, result.operations, result.warnings.map((w) => w.message)),
    decision: {
      uid: request.uid, namespace, pod: podName, serviceAccount,
      ...(result.mode ? { mode: result.mode } : {}),
      mutated: result.operations.length > 0,
      reason: result.reason,
      warningCodes: result.warnings.map((w) => w.code),
      missingServiceAccount: !lookup.serviceAccount && !lookup.podIdentity && !lookup.configMap,
    },
  });
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
