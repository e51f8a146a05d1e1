// Combines the three stores behind the one IdentitySource interface.

import type { ConfigMapCache } from './config-map.js';
import type { PodIdentitySet } from './pod-identity-file.js';
import type { ServiceAccountCache } from './service-account-cache.js';
import type { IdentityLookup, IdentitySource, ServiceAccountRecord } from './types.js';

export interface StoresSourceOptions {
  readonly serviceAccounts: ServiceAccountCache;
  /** Present only with --watch-config-map. */
  readonly configMap?: ConfigMapCache;
  readonly podIdentity: PodIdentitySet;
  readonly synced?: () => boolean;
  /**
   * Called on a cache miss (the Kubernetes source waits for the watch and GETs
   * the ServiceAccount, up to the grace period). Static sources leave it out.
   */
  readonly onMiss?: (namespace: string, name: string) => Promise<ServiceAccountRecord | undefined>;
}

export function storesSource(opts: StoresSourceOptions): IdentitySource {
  const build = (namespace: string, name: string, sa: ServiceAccountRecord | undefined): IdentityLookup => {
    const cm = opts.configMap?.get(namespace, name);
    return {
      podIdentity: opts.podIdentity.has(namespace, name),
      ...(sa ? { serviceAccount: sa } : {}),
      ...(cm ? { configMap: cm } : {}),
    };
  };
  return {
    lookup(namespace, name) {
      const sa = opts.serviceAccounts.get(namespace, name);
      if (sa || !opts.onMiss) return build(namespace, name, sa);
      return opts.onMiss(namespace, name).then((found) => build(namespace, name, found));
    },
    synced: opts.synced ?? (() => true),
    snapshot: () => ({
      serviceAccounts: opts.serviceAccounts.snapshot(),
      ...(opts.configMap ? { configMap: opts.configMap.snapshot() } : {}),
      podIdentity: opts.podIdentity.snapshot(),
    }),
  };
}
