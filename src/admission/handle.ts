// One AdmissionReview in, one response out: decode, injectPod for the pod's patch,
// encode. Shared by `serve` and `replay`; no HTTP, no logging.

import { errors as E, fail, ok, warnings as W, type Result } from '../errors.js';
import type { EngineConfig } from '../engine/config.js';
import type { IdentityLookupSource } from '../engine/identity.js';
import { podCoordinates } from '../engine/pod.js';
import { isMissingServiceAccount, injectPod, type InjectedPod } from '../engine/inject-pod.js';
import type { Mode } from '../engine/resolve.js';
import { MAX_PATCH_BYTES, decodeReview, encodeResponse, isPodCreate, type AdmissionReviewIn, type AdmissionReviewOut } from './review.js';

export interface AdmissionDecision {
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
  /** Left unmutated because of its size: too many containers, or a patch over MAX_PATCH_BYTES. */
  readonly oversized?: 'containers' | 'patch';
}

export interface Handled {
  readonly response: AdmissionReviewOut;
  readonly decision: AdmissionDecision;
}

export interface HandleDeps {
  readonly source: IdentityLookupSource;
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
  const { namespace, name: podName } = podCoordinates(request.object, { namespace: request.namespace, name: request.name });

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

  const prepared = injectPod({
    pod: request.object, namespace, source: deps.source, config: deps.config, random: deps.random,
  });
  const finish = (p: Result<InjectedPod>) => (p.ok ? ok(decide(review, podName, namespace, p.value)) : fail(E.reviewBadPod(p.error.message)));
  return prepared instanceof Promise ? prepared.then(finish) : finish(prepared);
}

function decide(review: AdmissionReviewIn, podName: string, namespace: string, p: InjectedPod): Handled {
  const { request } = review;
  const { result } = p;
  let patch = result.operations.length > 0 ? JSON.stringify(result.operations) : '';
  let warnings = result.warnings;
  let reason = result.reason;
  let oversized: AdmissionDecision['oversized'] = result.oversized ? 'containers' : undefined;
  // byteLength only when it could matter: a string's bytes are at most 3× its length here.
  if (patch.length > MAX_PATCH_BYTES / 3 && Buffer.byteLength(patch) > MAX_PATCH_BYTES) {
    // Never denied, never answered with megabytes: admitted as it is, with the reason.
    warnings = [...warnings, W.patchTooLarge(Buffer.byteLength(patch), MAX_PATCH_BYTES)];
    reason = `not mutated: the patch would be larger than ${MAX_PATCH_BYTES} bytes`;
    patch = '';
    oversized = 'patch';
  }
  return {
    response: encodeResponse(review, request.uid, patch, warnings.map((w) => w.message)),
    decision: {
      uid: request.uid, namespace, pod: podName, serviceAccount: p.serviceAccount,
      ...(result.mode ? { mode: result.mode } : {}),
      mutated: patch !== '',
      reason,
      warningCodes: warnings.map((w) => w.code),
      missingServiceAccount: isMissingServiceAccount(p.lookup) && !oversized,
      ...(oversized ? { oversized } : {}),
    },
  };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
