// Where the pods are in a manifest: a Pod itself, or the pod template of a
// workload. Paths are to the object the engine sees as a pod ({metadata, spec}).

import { podCoordinates } from '../engine/pod.js';
import { isObject, type JsonObject } from '../util/json.js';

export interface PodSite {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** The pod or template object inside the document (mutated in place by `mutate`). */
  readonly target: JsonObject;
}

const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController']);

/** `defaultNamespace`: where objects without a namespace land (mutate -n). */
export function findPodSites(doc: unknown, defaultNamespace?: string): PodSite[] {
  if (!isObject(doc)) return [];
  if (typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items)) {
    return doc.items.flatMap((item) => findPodSites(item, defaultNamespace));
  }
  const site = (target: unknown): PodSite[] => isObject(target) ? [{ kind: String(doc.kind), ...podCoordinates(doc, defaultNamespace ? { defaultNamespace } : {}), target }] : [];
  const spec = isObject(doc.spec) ? doc.spec : undefined;
  if (doc.kind === 'Pod') return site(doc);
  if (typeof doc.kind === 'string' && TEMPLATE_KINDS.has(doc.kind)) return site(spec?.template);
  if (doc.kind === 'CronJob') {
    const jobTemplate = isObject(spec?.jobTemplate) ? spec.jobTemplate : undefined;
    const jobSpec = isObject(jobTemplate?.spec) ? jobTemplate.spec : undefined;
    return site(jobSpec?.template);
  }
  return [];
}
