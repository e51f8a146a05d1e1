// Feeds the ServiceAccount list/watch into the shared cache, trimmed on arrival.

import type { ServiceAccountRecord } from '../types.js';
import { trimServiceAccount, type ServiceAccountCache } from '../service-account-cache.js';
import type { WatchEventType, WatchTarget } from './list-watch.js';

export function serviceAccountTarget(
  cache: ServiceAccountCache,
  prefix: string,
  onArrived: (record: ServiceAccountRecord) => void,
): WatchTarget {
  let seen = new Set<string>();
  return {
    beginList() {
      seen = new Set();
    },
    listItems(items) {
      for (const item of items) {
        const sa = trimServiceAccount(item, prefix);
        if (!sa) continue;
        seen.add(`${sa.namespace}/${sa.name}`);
        cache.set(sa);
        onArrived(sa);
      }
    },
    endList() {
      for (const key of [...cache.keys()]) {
        if (!seen.has(key)) {
          const slash = key.indexOf('/');
          cache.delete(key.slice(0, slash), key.slice(slash + 1));
        }
      }
      seen = new Set();
    },
    event(type: WatchEventType, object: unknown) {
      const sa = trimServiceAccount(object, prefix);
      if (!sa) return;
      if (type === 'DELETED') {
        cache.delete(sa.namespace, sa.name);
        return;
      }
      cache.set(sa);
      onArrived(sa);
    },
  };
}
