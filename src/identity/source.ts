// "A source" of identity settings, in one place: the lookup interface the front
// doors use, the settings a source is started with (the CLI builds them from
// flags, nothing below the CLI reads a flag), the running source `serve` holds,
// and the one combinator that puts the stores behind the interface. Static
// files (file-source.ts) and the Kubernetes API (kubernetes-source.ts) both
// produce a RunningSource; the engine and the server never know which answered.

import type { Logger } from 'pino';
import type { IdentityLookup, IdentityLookupSource, ServiceAccountRecord } from '../engine/identity.js';
import type { ConfigMapCache } from './config-map.js';
import type { PodIdentitySet } from './pod-identity-file.js';
import type { ServiceAccountCache } from './service-account-cache.js';

export interface IdentitySource extends IdentityLookupSource {
  /** True once the source has a complete view (static files: immediately). */
  synced(): boolean;
  /** JSON-able view of the cache for /debug/alpha/cache. */
  snapshot(): unknown;
}

export interface SourceSettings {
  readonly annotationPrefix: string;
  /** The webhook's own namespace: where its ConfigMap lives. */
  readonly namespace: string;
  readonly watchConfigMap: boolean;
  /** Static mode when non-empty: ServiceAccounts (and the ConfigMap) from these files. */
  readonly serviceAccountFiles: readonly string[];
  /** The EKS Pod Identity file, and whether `serve` reloads it when it changes. */
  readonly podIdentityFile?: { readonly path: string; readonly watch: boolean };
  /** Kubernetes mode: re-list this often (0: never). */
  readonly resyncMs: number;
  /** Kubernetes mode: how long a lookup may wait for an unknown ServiceAccount. */
  readonly lookupGraceMs: number;
}

export type SourceEvent =
  | { type: 'synced'; serviceAccounts: number; ms: number }
  | { type: 'watch-restart'; resource: string; reason: string }
  | { type: 'reloaded'; what: string }
  | { type: 'reload-failed'; what: string; reason: string };

export interface SourceDeps {
  readonly logger: Logger;
  readonly onEvent?: (event: SourceEvent) => void;
}

export interface RunningSource {
  readonly source: IdentitySource;
  /** 'static' or 'kubernetes', for logs. */
  readonly kind: 'static' | 'kubernetes';
  /** Stop watches and timers; resolves when nothing is left running. */
  stop(): Promise<void>;
}

export function isStaticMode(settings: SourceSettings): boolean {
  return settings.serviceAccountFiles.length > 0;
}

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

/** The stores behind the one IdentitySource interface. */
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
