// The AdmissionReview envelope (admission.k8s.io/v1 and v1beta1), HTTP-free.
// kube-apiserver checks a v1 response strictly: same apiVersion and kind,
// response.uid = request.uid, patch and patchType together or not at all.

import { errors as E, fail, ok, type Result } from '../errors.js';
import { isObject, type JsonObject } from '../util/json.js';

export const ADMISSION_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type AdmissionApiVersion = (typeof ADMISSION_VERSIONS)[number];

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind?: { group?: string; version?: string; kind?: string };
  readonly resource?: { group?: string; version?: string; resource?: string };
  readonly subResource?: string;
  readonly operation?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly object?: unknown;
}

export interface AdmissionReviewIn {
  readonly apiVersion: AdmissionApiVersion;
  readonly kind: 'AdmissionReview';
  readonly request: AdmissionRequest;
}

export interface AdmissionResponse {
  uid: string;
  allowed: true;
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReviewOut {
  apiVersion: AdmissionApiVersion;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** Validates the envelope only; the pod inside is read by the handler. */
export function decodeReview(body: unknown): Result<AdmissionReviewIn> {
  if (!isObject(body)) return fail(E.reviewNotObject());
  const { apiVersion, kind } = body;
  if (kind !== 'AdmissionReview' || !ADMISSION_VERSIONS.includes(apiVersion as AdmissionApiVersion)) {
    return fail(E.reviewWrongKind(apiVersion, kind));
  }
  const request = body.request;
  if (!isObject(request)) return fail(E.reviewNoRequest());
  if (typeof request.uid !== 'string' || request.uid === '') return fail(E.reviewNoUid());
  return ok({ apiVersion: apiVersion as AdmissionApiVersion, kind: 'AdmissionReview', request: request as unknown as AdmissionRequest });
}

/** Only CREATE of core/v1 pods (not subresources) is ever mutated. */
export function isPodCreate(request: AdmissionRequest): boolean {
  const k = request.kind;
  const r = request.resource;
  const isPodKind = k ? (k.group ?? '') === '' && k.kind === 'Pod' && (k.version ?? 'v1') === 'v1' : false;
  const isPodResource = r ? (r.group ?? '') === '' && r.resource === 'pods' : isPodKind;
  return request.operation === 'CREATE' && isPodKind && isPodResource && !request.subResource;
}

/**
 * The largest patch answered (before base64): the answer stays under 1 MB
 * whatever the pod, so one pod creation cannot drive the webhook's memory
 * towards its limit. A real pod's patch is 1–3 KB.
 */
export const MAX_PATCH_BYTES = 512 * 1024;

/** `patch`: the operations, or their JSON when the caller already has it. */
export function encodeResponse(
  review: Pick<AdmissionReviewIn, 'apiVersion'>,
  uid: string,
  patch: readonly unknown[] | string,
  warnings: readonly string[],
): AdmissionReviewOut {
  const response: AdmissionResponse = { uid, allowed: true };
  const json = typeof patch === 'string' ? patch : patch.length > 0 ? JSON.stringify(patch) : '';
  if (json !== '') {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(json).toString('base64');
  }
  if (warnings.length > 0) response.warnings = [...warnings];
  return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response };
}

/**
 * The bytes of JSON.stringify(out). The base64 patch is most of an answer and
 * needs no escaping, so it is copied in as is instead of being scanned again.
 */
export function reviewBody(out: AdmissionReviewOut): Buffer {
  const r = out.response;
  if (r.patch === undefined) return Buffer.from(JSON.stringify(out));
  const head = `{"apiVersion":${JSON.stringify(out.apiVersion)},"kind":"AdmissionReview","response":{"uid":${JSON.stringify(r.uid)},"allowed":true,"patchType":"JSONPatch","patch":"`;
  const tail = r.warnings ? `","warnings":${JSON.stringify(r.warnings)}}}` : '"}}';
  const headBytes = Buffer.byteLength(head);
  const body = Buffer.allocUnsafe(headBytes + r.patch.length + Buffer.byteLength(tail));
  body.write(head, 0, 'utf8');
  body.write(r.patch, headBytes, 'latin1');
  body.write(tail, headBytes + r.patch.length, 'utf8');
  return body;
}
