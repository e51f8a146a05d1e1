// A read-only view of the parts of a Pod the engine reads. The pod itself stays
// untyped JSON: the engine never re-encodes it, so fields it does not know survive.

import { errors as E, fail, ok, type Result } from '../errors.js';
import { isObject } from '../util/json.js';
import { DEFAULT_NAMESPACE, DEFAULT_SERVICE_ACCOUNT } from './config.js';

export interface ContainerView {
  readonly list: 'initContainers' | 'containers';
  readonly index: number;
  readonly name: string;
  readonly envNames: ReadonlySet<string>;
  readonly hasEnvArray: boolean;
  readonly mountNames: ReadonlySet<string>;
  readonly mountPaths: ReadonlySet<string>;
  readonly hasMountArray: boolean;
  /** The container's env and volumeMounts as written ([] when none): read only for chained roles. */
  readonly env: readonly unknown[];
  readonly volumeMounts: readonly unknown[];
}

export interface PodView {
  readonly annotations: Readonly<Record<string, unknown>>;
  readonly hasMetadata: boolean;
  /** metadata.annotations is an object (an annotation can be added into it). */
  readonly hasAnnotations: boolean;
  readonly labels: Readonly<Record<string, unknown>> | undefined;
  readonly serviceAccountName: string;
  readonly volumeNames: ReadonlySet<string>;
  readonly hasVolumeArray: boolean;
  /** spec.volumes as written ([] when none): read only for chained roles. */
  readonly volumes: readonly unknown[];
  readonly windows: boolean;
  readonly containers: readonly ContainerView[];
}

/**
 * Namespace and name of a pod as the API server will store it. On CREATE the
 * pod often has no namespace of its own (the request carries it) and only a
 * generateName; a manifest's objects may have no namespace at all.
 */
export function podCoordinates(
  object: unknown,
  from: { readonly namespace?: unknown; readonly name?: unknown; readonly defaultNamespace?: string } = {},
): { namespace: string; name: string } {
  const meta = isObject(object) && isObject(object.metadata) ? object.metadata : {};
  return {
    namespace: str(from.namespace) || str(meta.namespace) || from.defaultNamespace || DEFAULT_NAMESPACE,
    name: str(meta.name) || str(meta.generateName) || str(from.name),
  };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Containers and init containers, counted without reading them (the engine's work bound). */
export function containerCount(pod: unknown): number {
  const spec = isObject(pod) && isObject(pod.spec) ? pod.spec : undefined;
  const length = (v: unknown) => (Array.isArray(v) ? v.length : 0);
  return spec ? length(spec.containers) + length(spec.initContainers) : 0;
}

/** Reads a pod (or a pod template: {metadata, spec}); fails with a reason a user can act on. */
export function readPod(pod: unknown): Result<PodView> {
  if (!isObject(pod)) return fail(E.podNotObject());
  const metadata = pod.metadata;
  if (metadata !== undefined && metadata !== null && !isObject(metadata)) {
    return fail(E.podMetadataNotObject());
  }
  const spec = pod.spec;
  if (!isObject(spec)) return fail(E.podSpecMissing());
  const containers: ContainerView[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    const arr = spec[list];
    if (arr === undefined || arr === null) {
      if (list === 'containers') return fail(E.podContainersMissing());
      continue;
    }
    if (!Array.isArray(arr)) return fail(E.podListNotArray(list));
    for (let index = 0; index < arr.length; index++) {
      const c = arr[index];
      if (!isObject(c)) return fail(E.podContainerNotObject(list, index));
      if (typeof c.name !== 'string') return fail(E.podContainerNameNotString(list, index));
      containers.push({
        list, index, name: c.name,
        envNames: namesOf(c.env),
        hasEnvArray: Array.isArray(c.env),
        mountNames: namesOf(c.volumeMounts),
        mountPaths: fieldValues(c.volumeMounts, 'mountPath'),
        hasMountArray: Array.isArray(c.volumeMounts),
        env: Array.isArray(c.env) ? c.env : [],
        volumeMounts: Array.isArray(c.volumeMounts) ? c.volumeMounts : [],
      });
    }
  }
  const meta = isObject(metadata) ? metadata : undefined;
  const nodeSelector = isObject(spec.nodeSelector) ? spec.nodeSelector : {};
  return ok({
    annotations: isObject(meta?.annotations) ? meta.annotations : {},
    hasMetadata: meta !== undefined,
    hasAnnotations: isObject(meta?.annotations),
    labels: isObject(meta?.labels) ? meta.labels : undefined,
    serviceAccountName: serviceAccountOf(spec),
    volumeNames: namesOf(spec.volumes),
    hasVolumeArray: Array.isArray(spec.volumes),
    volumes: Array.isArray(spec.volumes) ? spec.volumes : [],
    windows: nodeSelector['kubernetes.io/os'] === 'windows' || nodeSelector['beta.kubernetes.io/os'] === 'windows',
    containers,
  });
}

/** The ServiceAccount a pod spec runs as, as the API server reads it. */
export function serviceAccountOf(spec: Record<string, unknown>): string {
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') return spec.serviceAccountName;
  // serviceAccount is the deprecated alias the API server still honours.
  if (typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '') return spec.serviceAccount;
  return DEFAULT_SERVICE_ACCOUNT;
}

function namesOf(list: unknown): Set<string> {
  return fieldValues(list, 'name');
}

function fieldValues(list: unknown, field: string): Set<string> {
  const out = new Set<string>();
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    if (isObject(item) && typeof item[field] === 'string') out.add(item[field] as string);
  }
  return out;
}
