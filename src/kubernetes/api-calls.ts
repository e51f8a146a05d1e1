// Every Kubernetes API call the webhook makes, as data. deploy/ RBAC is tested
// against this table, and the Kubernetes source tests check that the fake API
// server saw nothing outside it. Change both together.

export interface ApiCall {
  readonly apiGroup: string;
  readonly resource: string;
  readonly verbs: readonly string[];
  /** cluster: all namespaces / cluster-scoped (ClusterRole); namespace: the webhook's own (Role). */
  readonly scope: 'cluster' | 'namespace';
  /** Restricts the rule to one object (RBAC resourceNames). */
  readonly resourceName?: string;
  /** Which flag makes the webhook call it. */
  readonly when: 'always' | 'watch-config-map' | 'self-signed';
}

export const API_CALLS: readonly ApiCall[] = [
  { apiGroup: '', resource: 'serviceaccounts', verbs: ['get', 'list', 'watch'], scope: 'cluster', when: 'always' },
  // list/watch with fieldSelector metadata.name, which RBAC resourceNames can restrict to one object.
  { apiGroup: '', resource: 'configmaps', verbs: ['list', 'watch'], scope: 'namespace', resourceName: 'pod-identity-webhook', when: 'watch-config-map' },
  { apiGroup: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', verbs: ['get', 'patch'],
    scope: 'cluster', resourceName: 'pod-identity-webhook', when: 'self-signed' },
];
