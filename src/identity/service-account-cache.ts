// ServiceAccounts by "namespace/name", trimmed to the annotations under the prefix.

import { isObject } from '../util/json.js';
import { DEFAULT_NAMESPACE } from '../engine/config.js';
import type { ServiceAccountRecord } from '../engine/identity.js';

// Most ServiceAccounts carry nothing under the prefix; one shared empty object
// instead of 80k separate ones is ~4 MB at 100k ServiceAccounts.
const NO_ANNOTATIONS: Readonly<Record<string, string>> = Object.freeze({});

/** `defaultNamespace`: for a ServiceAccount without one (files; mutate -n). */
export function trimServiceAccount(obj: unknown, prefix: string, defaultNamespace = DEFAULT_NAMESPACE): ServiceAccountRecord | undefined {
  if (!isObject(obj) || !isObject(obj.metadata)) return undefined;
  const m = obj.metadata;
  if (typeof m.name !== 'string' || m.name === '') return undefined;
  const namespace = typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : defaultNamespace;
  let annotations: Record<string, string> | undefined;
  if (isObject(m.annotations)) {
    const p = `${prefix}/`;
    for (const k in m.annotations) {
      const v = m.annotations[k];
      if (k.startsWith(p) && typeof v === 'string') (annotations ??= {})[k] = v;
    }
  }
  return typeof m.resourceVersion === 'string'
    ? { namespace, name: m.name, resourceVersion: m.resourceVersion, annotations: annotations ?? NO_ANNOTATIONS }
    : { namespace, name: m.name, annotations: annotations ?? NO_ANNOTATIONS };
}

export class ServiceAccountCache {
  // Nested by namespace rather than keyed by "namespace/name": no key string per
  // ServiceAccount (~7 MB at 100k, measured with bench:scale).
  private readonly byNamespace = new Map<string, Map<string, ServiceAccountRecord>>();
  private count = 0;

  get(namespace: string, name: string): ServiceAccountRecord | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  set(record: ServiceAccountRecord): void {
    let names = this.byNamespace.get(record.namespace);
    if (!names) this.byNamespace.set(record.namespace, (names = new Map()));
    if (!names.has(record.name)) this.count++;
    names.set(record.name, record);
  }

  delete(namespace: string, name: string): boolean {
    const names = this.byNamespace.get(namespace);
    if (!names?.delete(name)) return false;
    this.count--;
    if (names.size === 0) this.byNamespace.delete(namespace);
    return true;
  }

  *values(): IterableIterator<ServiceAccountRecord> {
    for (const names of this.byNamespace.values()) yield* names.values();
  }

  get size(): number {
    return this.count;
  }

  /** Only ServiceAccounts that carry an annotation under the prefix: that is what an operator debugs. */
  snapshot(): Record<string, Readonly<Record<string, string>>> {
    const out: Record<string, Readonly<Record<string, string>>> = {};
    for (const v of this.values()) if (Object.keys(v.annotations).length > 0) out[`${v.namespace}/${v.name}`] = v.annotations;
    return out;
  }
}
