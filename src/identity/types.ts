// What the sources of identity settings know about one (namespace, serviceAccount).
// Sources are dumb stores; the precedence between them is an engine rule
// (src/engine/resolve.ts), so every front door and source behaves the same.

/** A ServiceAccount trimmed to what the engine reads (upstream PR #301 did the same to cut memory). */
export interface ServiceAccountRecord {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion?: string;
  /** Only annotations under the annotation prefix. */
  readonly annotations: Readonly<Record<string, string>>;
}

/** One value of the pod-identity-webhook ConfigMap's data.config map (upstream's field names). */
export interface ConfigMapEntry {
  readonly RoleARN: string;
  readonly Audience?: string;
  readonly UseRegionalSTS?: boolean;
  readonly TokenExpiration?: number;
}

export interface IdentityLookup {
  /** The ServiceAccount when a source knows it (with or without a role-arn). */
  readonly serviceAccount?: ServiceAccountRecord;
  /** The ConfigMap entry for "ns/sa", else "*\/sa" (only with --watch-config-map). */
  readonly configMap?: ConfigMapEntry;
  /** (namespace, serviceAccount) is listed in the EKS Pod Identity file. */
  readonly podIdentity: boolean;
}

export interface ServiceAccountStore {
  get(namespace: string, name: string): ServiceAccountRecord | undefined;
}

export interface ConfigMapStore {
  /** Exact "ns/sa" first, then "*\/sa". */
  get(namespace: string, name: string): ConfigMapEntry | undefined;
}

export interface PodIdentityStore {
  has(namespace: string, name: string): boolean;
}

/**
 * The interface front doors use. `lookup` may wait (the Kubernetes source waits up
 * to --service-account-lookup-grace-period for a ServiceAccount it has not seen yet).
 */
export interface IdentitySource {
  lookup(namespace: string, serviceAccount: string): Promise<IdentityLookup> | IdentityLookup;
  /** True once the source has a complete view (static files: immediately). */
  synced(): boolean;
  /** JSON-able view of the cache for /debug/alpha/cache. */
  snapshot(): unknown;
}
