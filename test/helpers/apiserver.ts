// Does with a webhook response what kube-apiserver does: check the envelope
// (strictly for admission.k8s.io/v1, leniently for v1beta1), apply the JSON
// patch with RFC 6902 semantics, then validate the pod with the rules a
// mutation can break. Tests call `admit` on every response they get.

import jsonpatch from 'fast-json-patch';

type Obj = Record<string, any>;

export interface AdmitResult {
  /** The pod after the patch (a deep copy; the input is untouched). */
  readonly pod: Obj;
  /** Decoded operations ([] when no patch). */
  readonly operations: Obj[];
  readonly warnings: string[];
}

export class AdmissionRejected extends Error {}

/** Envelope checks kube-apiserver makes before using a webhook response. */
export function checkEnvelope(request: Obj, review: Obj): Obj[] {
  const strict = request.apiVersion === 'admission.k8s.io/v1';
  const fail = (why: string): never => {
    throw new AdmissionRejected(`apiserver would reject the response: ${why}`);
  };
  if (strict) {
    if (review.apiVersion !== 'admission.k8s.io/v1') fail(`apiVersion ${review.apiVersion}`);
    if (review.kind !== 'AdmissionReview') fail(`kind ${review.kind}`);
  }
  const response = review.response;
  if (!response || typeof response !== 'object') fail('no response');
  if (strict && response.uid !== request.request.uid) fail(`uid ${response.uid} != ${request.request.uid}`);
  if (typeof response.allowed !== 'boolean') fail('allowed is not a boolean');
  // Go decodes "patchType": "" as a set-but-empty pointer, which v1 refuses outright.
  if (strict && response.patchType === '') fail('patchType is set but empty');
  const hasPatch = response.patch !== undefined && response.patch !== null && response.patch !== '';
  const hasType = response.patchType !== undefined && response.patchType !== null && response.patchType !== '';
  if (strict && hasPatch !== hasType) fail('patch and patchType must be set together');
  if (hasType && response.patchType !== 'JSONPatch') fail(`patchType ${response.patchType}`);
  // v1beta1 skips the pairing check, but the dispatcher still only knows JSONPatch: a patch
  // without patchType ends as "unsupported patch type \"\"".
  if (hasPatch && !hasType) fail('patch without patchType (unsupported patch type "")');
  if (response.warnings !== undefined) {
    if (!Array.isArray(response.warnings)) fail('warnings is not an array');
    for (const w of response.warnings) {
      if (typeof w !== 'string' || w.length === 0 || w.length >= 256) fail(`bad warning ${JSON.stringify(w)}`);
    }
  }
  if (!hasPatch) return [];
  // Go's []byte JSON decoding is strict StdEncoding; Node's decoder would silently skip bad characters.
  if (typeof response.patch !== 'string' || response.patch.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(response.patch)) {
    fail('patch is not standard padded base64');
  }
  let ops: unknown;
  try {
    ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
  } catch {
    return fail('patch is not base64 JSON');
  }
  if (!Array.isArray(ops)) fail('patch is not a JSON array');
  return ops as Obj[];
}

/** Applies RFC 6902 operations to a copy of the pod; throws when an operation does not apply. */
export function applyOperations(pod: Obj, operations: Obj[]): Obj {
  const copy = structuredClone(pod);
  const errors = jsonpatch.validate(operations as any, copy);
  if (errors) throw new AdmissionRejected(`patch does not apply: ${errors.message}`);
  return jsonpatch.applyPatch(copy, operations as any, true, true).newDocument;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
// Volume names are DNS-1123 labels.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Label values: empty, or up to 63 alphanumerics with -_. inside.
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// Annotation keys: [prefix/]name, prefix a DNS-1123 subdomain (≤ 253), name ≤ 63; checked lowercased.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** kube-apiserver's TotalAnnotationSizeLimitB: keys plus values, in bytes. */
const MAX_ANNOTATIONS_BYTES = 256 * 1024;
// What a downwardAPI volume file may project (validVolumeDownwardAPIFieldPathExpressions).
const DOWNWARD_FIELDS = new Set(['metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.labels', 'metadata.annotations']);

function qualifiedNameOk(key: string): boolean {
  const parts = key.toLowerCase().split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1] as string;
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    if (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) return false;
  }
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}

/** validateLocalNonReservedPath: relative, no '..' element, not starting with '..'. */
function localPathOk(path: unknown): boolean {
  return typeof path === 'string' && path !== '' && !path.startsWith('/') && !path.startsWith('..') && !path.split('/').includes('..');
}

function downwardItemProblems(where: string, item: Obj): string[] {
  const problems: string[] = [];
  if (!localPathOk(item?.path)) problems.push(`${where}: path ${JSON.stringify(item?.path)} must be relative without ..`);
  const hasField = item?.fieldRef !== undefined && item?.fieldRef !== null;
  const hasResource = item?.resourceFieldRef !== undefined && item?.resourceFieldRef !== null;
  if (hasField === hasResource) problems.push(`${where}: exactly one of fieldRef and resourceFieldRef is required`);
  if (hasField) {
    const fieldPath = item.fieldRef?.fieldPath;
    const m = typeof fieldPath === 'string' ? /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fieldPath) : null;
    if (m) {
      if (!qualifiedNameOk(m[2] as string)) problems.push(`${where}: ${fieldPath} does not name a valid key`);
    } else if (typeof fieldPath !== 'string' || !DOWNWARD_FIELDS.has(fieldPath)) {
      problems.push(`${where}: fieldPath ${JSON.stringify(fieldPath)} is not supported in a volume`);
    }
  }
  return problems;
}

function annotationProblems(annotations: unknown): string[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isObj(annotations)) return ['metadata.annotations is not an object'];
  const problems: string[] = [];
  let bytes = 0;
  for (const [k, v] of Object.entries(annotations)) {
    if (!qualifiedNameOk(k)) problems.push(`annotation key ${JSON.stringify(k)} is not a valid qualified name`);
    if (typeof v !== 'string') problems.push(`annotation ${k}: value is not a string`);
    bytes += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (bytes > MAX_ANNOTATIONS_BYTES) problems.push(`annotations are ${bytes} bytes, above ${MAX_ANNOTATIONS_BYTES}`);
  return problems;
}

/** The pod validation rules a mutation can break; returns the problems found. */
export function podProblems(pod: Obj): string[] {
  const problems: string[] = [];
  // The apiserver decodes the patched JSON into a typed Pod first: a wrong type there fails the request.
  const labels = pod.metadata?.labels;
  if (labels !== undefined && labels !== null) {
    if (!isObj(labels)) problems.push('metadata.labels is not an object');
    else {
      for (const [k, v] of Object.entries(labels)) {
        if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) problems.push(`label ${k}: invalid value ${JSON.stringify(v)}`);
      }
    }
  }
  problems.push(...annotationProblems(pod.metadata?.annotations));
  const spec = pod.spec ?? {};
  if (spec.volumes !== undefined && spec.volumes !== null && !Array.isArray(spec.volumes)) problems.push('spec.volumes is not an array');
  const volumes: Obj[] = Array.isArray(spec.volumes) ? spec.volumes : [];
  const names = new Set<string>();
  for (const v of volumes) {
    if (typeof v?.name !== 'string' || v.name === '') problems.push('volume without a name');
    else if (names.has(v.name)) problems.push(`duplicate volume name ${v.name}`);
    else names.add(v.name);
    if (typeof v?.name === 'string' && v.name !== '' && (v.name.length > 63 || !DNS_LABEL.test(v.name))) {
      problems.push(`volume name ${JSON.stringify(v.name)} is not a DNS-1123 label`);
    }
    for (const [i, item] of (Array.isArray(v?.downwardAPI?.items) ? v.downwardAPI.items : [] as Obj[]).entries()) {
      problems.push(...downwardItemProblems(`volume ${v.name} downwardAPI item ${i}`, item));
    }
    // Projected sources share one directory: two of them writing one path is refused.
    const projectedPaths = new Set<string>();
    const projects = (path: unknown): void => {
      if (typeof path !== 'string') return;
      if (projectedPaths.has(path)) problems.push(`volume ${v.name}: projected path ${path} written twice`);
      projectedPaths.add(path);
    };
    for (const src of (Array.isArray(v?.projected?.sources) ? v.projected.sources : []) as Obj[]) {
      for (const kind of ['downwardAPI', 'configMap', 'secret']) {
        for (const [i, item] of (Array.isArray(src?.[kind]?.items) ? src[kind].items : [] as Obj[]).entries()) {
          if (kind === 'downwardAPI') problems.push(...downwardItemProblems(`volume ${v.name} projected downwardAPI item ${i}`, item));
          projects(item?.path);
        }
      }
      if (src?.clusterTrustBundle) projects(src.clusterTrustBundle.path);
      const tok = src?.serviceAccountToken;
      if (!tok) continue;
      projects(tok.path);
      if (typeof tok.expirationSeconds === 'number' && tok.expirationSeconds < 600) {
        problems.push(`volume ${v.name}: expirationSeconds ${tok.expirationSeconds} < 600`);
      }
      if (typeof tok.expirationSeconds === 'number' && tok.expirationSeconds > 2 ** 32) {
        problems.push(`volume ${v.name}: expirationSeconds ${tok.expirationSeconds} > 2^32`);
      }
      if (typeof tok.path !== 'string' || tok.path === '' || tok.path.startsWith('/') || tok.path.split('/').includes('..')) {
        problems.push(`volume ${v.name}: token path ${JSON.stringify(tok.path)} must be relative without ..`);
      }
    }
  }
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of (Array.isArray(spec[list]) ? spec[list] : []) as Obj[]) {
      for (const field of ['env', 'volumeMounts']) {
        if (c?.[field] !== undefined && c?.[field] !== null && !Array.isArray(c[field])) problems.push(`${list} ${c?.name}: ${field} is not an array`);
      }
      const paths = new Set<string>();
      for (const m of (Array.isArray(c?.volumeMounts) ? c.volumeMounts : []) as Obj[]) {
        if (typeof m?.mountPath !== 'string' || m.mountPath === '') problems.push(`${list} ${c?.name}: mount ${m?.name} has no mountPath`);
        if (m?.readOnly !== undefined && typeof m.readOnly !== 'boolean') problems.push(`${list} ${c?.name}: mount ${m?.name} readOnly is not a boolean`);
        if (!names.has(m?.name)) problems.push(`${list} ${c?.name}: mount ${m?.name} has no volume`);
        if (paths.has(m?.mountPath)) problems.push(`${list} ${c?.name}: mountPath ${m?.mountPath} used twice`);
        paths.add(m?.mountPath);
      }
      for (const e of (Array.isArray(c?.env) ? c.env : []) as Obj[]) {
        if (typeof e?.name !== 'string' || !ENV_NAME.test(e.name)) problems.push(`${list} ${c?.name}: invalid env name ${JSON.stringify(e?.name)}`);
        if (e?.value !== undefined && typeof e.value !== 'string') problems.push(`${list} ${c?.name}: env ${e?.name} value is not a string`);
      }
    }
  }
  return problems;
}

/**
 * The whole apiserver round: envelope, patch, validation. `request` is the
 * AdmissionReview sent; `review` the webhook's answer.
 */
export function admit(request: Obj, review: Obj): AdmitResult {
  const operations = checkEnvelope(request, review);
  // A well-formed denial still fails the user's pod creation, and this webhook never means to deny.
  if (review.response.allowed !== true) throw new AdmissionRejected('apiserver would refuse the pod: the webhook denied it');
  const pod = applyOperations(request.request.object, operations);
  const problems = podProblems(pod);
  if (problems.length > 0) throw new AdmissionRejected(`apiserver would reject the pod: ${problems.join('; ')}`);
  return { pod, operations, warnings: review.response.warnings ?? [] };
}
