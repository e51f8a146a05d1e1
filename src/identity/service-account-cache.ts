// ServiceAccounts by "namespace/name", trimmed to the annotations under the prefix.

import { isObject } from '../util/json.js';
import { LazyJsonObject } from '../util/json-stream.js';
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

/** A direct GET of one ServiceAccount in flight; see ServiceAccountCache.beginRead(). */
export interface PendingRead {
  readonly key: string;
  /** The list/watch wrote or deleted this ServiceAccount after the GET was sent. */
  stale: boolean;
}

export class ServiceAccountCache {
  // Nested by namespace rather than keyed by "namespace/name": no key string per
  // ServiceAccount (~7 MB at 100k, measured with bench:scale).
  private readonly byNamespace = new Map<string, Map<string, ServiceAccountRecord>>();
  private count = 0;
  private readonly reads = new Map<string, Set<PendingRead>>();

  get(namespace: string, name: string): ServiceAccountRecord | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  /** What the list/watch saw: always wins over a direct GET still in flight. */
  set(record: ServiceAccountRecord): void {
    this.touched(record.namespace, record.name);
    this.store(record);
  }

  /**
   * A direct GET (the grace-period lookup) is about to be sent. Its answer may
   * arrive after a watch event for the same ServiceAccount (issue 14): the
   * GET read an older state, and writing it would undo a role added meanwhile
   * or bring back a deleted ServiceAccount until the next resync.
   *
   * Why not compare resourceVersions: Kubernetes defines them as opaque (only
   * equality means anything; API conventions forbid ordering them), and
   * client-go never writes a GET into an informer's store. So the watch stream
   * stays the only ordering authority: any list/watch write or delete of this
   * key after beginRead() makes the answer stale, and finishRead() drops it.
   * The "tombstone" for a DELETED is this flag, and it lives exactly as long as
   * the GET it guards (at most the GET timeout), so nothing grows with churn.
   * A fresh answer is cached, so a burst of pods for a new ServiceAccount costs
   * one GET; if the watch is behind and later delivers an older event, that
   * replaces it until the watch catches up, as in any informer.
   */
  beginRead(namespace: string, name: string): PendingRead {
    const read: PendingRead = { key: `${namespace}/${name}`, stale: false };
    let set = this.reads.get(read.key);
    if (!set) this.reads.set(read.key, (set = new Set()));
    set.add(read);
    return read;
  }

  /** Ends the read; caches `record` unless the list/watch touched it meanwhile. True when cached. */
  finishRead(read: PendingRead, record?: ServiceAccountRecord): boolean {
    const set = this.reads.get(read.key);
    if (!set?.delete(read)) return false;
    if (set.size === 0) this.reads.delete(read.key);
    if (!record || read.stale) return false;
    this.store(record);
    return true;
  }

  delete(namespace: string, name: string): boolean {
    this.touched(namespace, name);
    const names = this.byNamespace.get(namespace);
    if (!names?.delete(name)) return false;
    this.count--;
    if (names.size === 0) this.byNamespace.delete(namespace);
    return true;
  }

  private store(record: ServiceAccountRecord): void {
    let names = this.byNamespace.get(record.namespace);
    if (!names) this.byNamespace.set(record.namespace, (names = new Map()));
    if (!names.has(record.name)) this.count++;
    names.set(record.name, record);
  }

  private touched(namespace: string, name: string): void {
    // No GET in flight (nearly always): no key string, so a 100k re-list allocates none.
    if (this.reads.size === 0) return;
    const set = this.reads.get(`${namespace}/${name}`);
    if (set) for (const read of set) read.stale = true;
  }

  *values(): IterableIterator<ServiceAccountRecord> {
    for (const names of this.byNamespace.values()) yield* names.values();
  }

  get size(): number {
    return this.count;
  }

  /**
   * Only ServiceAccounts that carry an annotation under the prefix: that is
   * what an operator debugs. The records are taken now (references only, 8
   * bytes each: records are replaced, never changed, so this is a point in
   * time); their JSON is written later, a piece at a time (/debug/alpha/cache).
   */
  snapshot(): LazyJsonObject {
    const annotated: ServiceAccountRecord[] = [];
    // Plain loops, not values(): at 100k a generator per record doubles the copy's time.
    for (const names of this.byNamespace.values()) for (const v of names.values()) if (hasAny(v.annotations)) annotated.push(v);
    return new LazyJsonObject(function* () {
      for (const v of annotated) yield [`${v.namespace}/${v.name}`, v.annotations] as const;
    });
  }
}

function hasAny(annotations: Readonly<Record<string, string>>): boolean {
  for (const _ in annotations) return true;
  return false;
}
