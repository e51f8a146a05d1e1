// ServiceAccounts by "namespace/name", trimmed to the annotations under the prefix.

import { isObject } from '../engine/pod.js';
import type { ServiceAccountRecord, ServiceAccountStore } from './types.js';

export function trimServiceAccount(obj: unknown, prefix: string): ServiceAccountRecord | undefined {
  if (!isObject(obj) || !isObject(obj.metadata)) return undefined;
  const m = obj.metadata;
  if (typeof m.name !== 'string' || m.name === '') return undefined;
  const namespace = typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : 'default';
  const annotations: Record<string, string> = {};
  if (isObject(m.annotations)) {
    const p = `${prefix}/`;
    for (const [k, v] of Object.entries(m.annotations)) {
      if (k.startsWith(p) && typeof v === 'string') annotations[k] = v;
    }
  }
  return {
    namespace, name: m.name, annotations,
    ...(typeof m.resourceVersion === 'string' ? { resourceVersion: m.resourceVersion } : {}),
  };
}

export class ServiceAccountCache implements ServiceAccountStore {
  private readonly byKey = new Map<string, ServiceAccountRecord>();

  get(namespace: string, name: string): ServiceAccountRecord | undefined {
    return this.byKey.get(`${namespace}/${name}`);
  }

  set(record: ServiceAccountRecord): void {
    this.byKey.set(`${record.namespace}/${record.name}`, record);
  }

  delete(namespace: string, name: string): boolean {
    return this.byKey.delete(`${namespace}/${name}`);
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Only ServiceAccounts that carry an annotation under the prefix: that is what an operator debugs. */
  snapshot(): Record<string, Readonly<Record<string, string>>> {
    const out: Record<string, Readonly<Record<string, string>>> = {};
    for (const [k, v] of this.byKey) if (Object.keys(v.annotations).length > 0) out[k] = v.annotations;
    return out;
  }
}
