// Feeds the ServiceAccount list/watch into the shared cache, trimmed on arrival.

import type { ServiceAccountRecord } from '../engine/identity.js';
import { trimServiceAccount, type ServiceAccountCache } from './service-account-cache.js';
import type { WatchEventType, WatchTarget } from '../kubernetes/list-watch.js';

export function serviceAccountTarget(
  cache: ServiceAccountCache,
  prefix: string,
  onArrived: (record: ServiceAccountRecord) => void,
  onGone: (namespace: string, name: string) => void = () => undefined,
): WatchTarget {
  // Records (not key strings) seen during a list: a re-list of 100k allocates no keys.
  let seen = new Set<ServiceAccountRecord>();
  return {
    beginList() {
      seen = new Set();
    },
    listItems(items) {
      for (const item of items) {
        const sa = trimServiceAccount(item, prefix);
        if (!sa) continue;
        const old = cache.get(sa.namespace, sa.name);
        // Unchanged on a re-list: keep the old record, so a resync does not churn the old generation.
        if (old && old.resourceVersion !== undefined && old.resourceVersion === sa.resourceVersion) {
          seen.add(old);
          continue;
        }
        seen.add(sa);
        cache.set(sa);
        onArrived(sa);
      }
    },
    endList() {
      const gone = [...cache.values()].filter((r) => !seen.has(r));
      for (const r of gone) cache.delete(r.namespace, r.name);
      seen = new Set();
    },
    event(type: WatchEventType, object: unknown) {
      const sa = trimServiceAccount(object, prefix);
      if (!sa) return;
      if (type === 'DELETED') {
        cache.delete(sa.namespace, sa.name);
        onGone(sa.namespace, sa.name);
        return;
      }
      cache.set(sa);
      onArrived(sa);
    },
  };
}
