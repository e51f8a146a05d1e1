// --service-account-lookup-grace-period: a pod created right after its
// ServiceAccount (upstream issue #174) can reach the webhook before the watch
// delivers the ServiceAccount. Wait up to the grace period for the watch, and
// meanwhile GET it directly (rate-limited). A 404 from that GET is a consistent
// read, so the wait ends there instead of running out the clock, and so does a
// DELETED from the watch. A GET answer that lands after the watch changed the
// ServiceAccount is dropped (see ServiceAccountCache.beginRead for why).

import type { Logger } from 'pino';
import { trimServiceAccount, type ServiceAccountCache } from './service-account-cache.js';
import type { ServiceAccountRecord } from '../engine/identity.js';
import type { KubeConnection } from '../kubernetes/client.js';
import type { TokenBucket } from '../kubernetes/rate-limit.js';

export interface GraceLookupOptions {
  readonly graceMs: number;
  readonly getTimeoutMs: number;
  readonly cache: ServiceAccountCache;
  readonly conn: KubeConnection;
  readonly limiter: TokenBucket;
  readonly prefix: string;
  readonly logger: Logger;
}

export interface GraceLookup {
  miss(namespace: string, name: string): Promise<ServiceAccountRecord | undefined>;
  /** The watch or list delivered a ServiceAccount: wake whoever waits for it. */
  arrived(record: ServiceAccountRecord): void;
  /** The watch deleted a ServiceAccount: whoever waits for it gets "not found" now. */
  gone(namespace: string, name: string): void;
  stop(): void;
}

export function graceLookup(o: GraceLookupOptions): GraceLookup {
  const waiters = new Map<string, Set<(r: ServiceAccountRecord | undefined) => void>>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };
  const cancel = (t: NodeJS.Timeout | undefined) => {
    if (t) {
      clearTimeout(t);
      timers.delete(t);
    }
  };

  const get = async (namespace: string, name: string, deadline: number, finish: (r: ServiceAccountRecord | undefined) => void) => {
    const timeoutMs = Math.min(o.getTimeoutMs, deadline - Date.now());
    if (stopped || timeoutMs <= 0) return;
    const read = o.cache.beginRead(namespace, name);
    try {
      const res = await o.conn.json({ path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}`, timeoutMs });
      if (res.status === 200) {
        const sa = trimServiceAccount(res.body, o.prefix);
        if (sa && o.cache.finishRead(read, sa)) {
          finish(sa);
        } else if (sa) {
          o.logger.debug({ namespace, name }, "ServiceAccount GET answered after the watch changed it; keeping the watch's state");
          // Whatever the watch left (nothing after a DELETED) is the answer.
          finish(undefined);
        }
      } else if (res.status === 404) {
        finish(undefined);
      } else {
        o.logger.debug({ namespace, name, status: res.status, reason: res.message }, 'ServiceAccount GET failed; waiting for the watch');
      }
    } catch (err) {
      o.logger.debug({ namespace, name, reason: (err as Error).message }, 'ServiceAccount GET failed; waiting for the watch');
    } finally {
      o.cache.finishRead(read);
    }
  };

  return {
    miss(namespace, name) {
      if (o.graceMs <= 0 || stopped) return Promise.resolve(undefined);
      const key = `${namespace}/${name}`;
      const deadline = Date.now() + o.graceMs;
      return new Promise((resolve) => {
        let done = false;
        let graceTimer: NodeJS.Timeout | undefined;
        let retryTimer: NodeJS.Timeout | undefined;
        const finish = (r: ServiceAccountRecord | undefined) => {
          if (done) return;
          done = true;
          cancel(graceTimer);
          cancel(retryTimer);
          const set = waiters.get(key);
          set?.delete(finish);
          if (set?.size === 0) waiters.delete(key);
          resolve(r ?? o.cache.get(namespace, name));
        };
        let set = waiters.get(key);
        if (!set) waiters.set(key, (set = new Set()));
        set.add(finish);
        graceTimer = later(o.graceMs, () => finish(undefined));
        const wait = o.limiter.take();
        if (wait === 0) void get(namespace, name, deadline, finish);
        else if (wait < o.graceMs) retryTimer = later(wait, () => {
          if (!done && o.limiter.take() === 0) void get(namespace, name, deadline, finish);
        });
      });
    },
    arrived(record) {
      const set = waiters.get(`${record.namespace}/${record.name}`);
      if (set) for (const finish of [...set]) finish(record);
    },
    gone(namespace, name) {
      const set = waiters.get(`${namespace}/${name}`);
      if (set) for (const finish of [...set]) finish(undefined);
    },
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const set of [...waiters.values()]) for (const finish of [...set]) finish(undefined);
    },
  };
}
