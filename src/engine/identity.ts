// What the engine needs to know about one (namespace, serviceAccount): plain
// data that the identity sources fill in. The sources are dumb stores; the
// precedence between them is an engine rule (resolve.ts), so every front door
// and every source behaves the same.

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
  /** The role chained into after RoleARN (as the target-role-arn annotation). */
  readonly TargetRoleARN?: string;
  readonly TargetRoleExternalID?: string;
  readonly RoleSessionName?: string;
}

export interface IdentityLookup {
  /** The ServiceAccount when a source knows it (with or without a role-arn). */
  readonly serviceAccount?: ServiceAccountRecord;
  /** The ConfigMap entry for "ns/sa", else "*\/sa" (only with --watch-config-map). */
  readonly configMap?: ConfigMapEntry;
  /** (namespace, serviceAccount) is listed in the EKS Pod Identity file. */
  readonly podIdentity: boolean;
}

/**
 * How the engine's callers ask for the identity of a pod's ServiceAccount. It
 * may wait (the Kubernetes source waits up to --service-account-lookup-grace-period
 * for a ServiceAccount it has not seen yet), so it answers a value or a promise.
 */
export interface IdentityLookupSource {
  lookup(namespace: string, serviceAccount: string): IdentityLookup | Promise<IdentityLookup>;
}
