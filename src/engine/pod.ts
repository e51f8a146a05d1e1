// A read-only view of the parts of a Pod the engine reads. The pod itself stays
// untyped JSON: the engine never re-encodes it, so fields it does not know survive.

import { fail, ok, type Result } from '../errors.js';
import { isObject } from '../util/json.js';

export interface ContainerView {
  readonly list: 'initContainers' | 'containers';
  readonly index: number;
  readonly name: string;
  readonly envNames: ReadonlySet<string>;
  readonly hasEnvArray: boolean;
  readonly mountNames: ReadonlySet<string>;
  readonly mountPaths: ReadonlySet<string>;
  readonly hasMountArray: boolean;
}

export interface PodView {
  readonly annotations: Readonly<Record<string, unknown>>;
  readonly hasMetadata: boolean;
  readonly labels: Readonly<Record<string, unknown>> | undefined;
  readonly serviceAccountName: string;
  readonly volumeNames: ReadonlySet<string>;
  readonly hasVolumeArray: boolean;
  readonly windows: boolean;
  readonly containers: readonly ContainerView[];
}

/** Reads a pod (or a pod template: {metadata, spec}); fails with a reason a user can act on. */
export function readPod(pod: unknown): Result<PodView> {
  if (!isObject(pod)) return fail({ code: 'E_POD', message: 'not a JSON object' });
  const metadata = pod.metadata;
  if (metadata !== undefined && metadata !== null && !isObject(metadata)) {
    return fail({ code: 'E_POD', message: 'metadata is not an object' });
  }
  const spec = pod.spec;
  if (!isObject(spec)) return fail({ code: 'E_POD', message: 'spec is missing or not an object' });
  const containers: ContainerView[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    const arr = spec[list];
    if (arr === undefined || arr === null) {
      if (list === 'containers') return fail({ code: 'E_POD', message: 'spec.containers is missing' });
      continue;
    }
    if (!Array.isArray(arr)) return fail({ code: 'E_POD', message: `spec.${list} is not an array` });
    for (let index = 0; index < arr.length; index++) {
      const c = arr[index];
      if (!isObject(c)) return fail({ code: 'E_POD', message: `spec.${list}[${index}] is not an object` });
      if (typeof c.name !== 'string') return fail({ code: 'E_POD', message: `spec.${list}[${index}].name is not a string` });
      containers.push({
        list, index, name: c.name,
        envNames: namesOf(c.env),
        hasEnvArray: Array.isArray(c.env),
        mountNames: namesOf(c.volumeMounts),
        mountPaths: fieldValues(c.volumeMounts, 'mountPath'),
        hasMountArray: Array.isArray(c.volumeMounts),
      });
    }
  }
  const meta = isObject(metadata) ? metadata : undefined;
  const nodeSelector = isObject(spec.nodeSelector) ? spec.nodeSelector : {};
  return ok({
    annotations: isObject(meta?.annotations) ? meta.annotations : {},
    hasMetadata: meta !== undefined,
    labels: isObject(meta?.labels) ? meta.labels : undefined,
    serviceAccountName: typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== ''
      ? spec.serviceAccountName
      // serviceAccount is the deprecated alias the API server still honours.
      : typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '' ? spec.serviceAccount : 'default',
    volumeNames: namesOf(spec.volumes),
    hasVolumeArray: Array.isArray(spec.volumes),
    windows: nodeSelector['kubernetes.io/os'] === 'windows' || nodeSelector['beta.kubernetes.io/os'] === 'windows',
    containers,
  });
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
