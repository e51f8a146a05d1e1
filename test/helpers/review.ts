// A pod CREATE AdmissionReview shaped like the ones kube-apiserver sends, for tests.

/** A minimal pod CREATE review, shaped like the ones kube-apiserver sends. */
export function podReview(uid: string, namespace: string, pod: Record<string, unknown>, apiVersion = 'admission.k8s.io/v1'): Record<string, any> {
  return {
    apiVersion,
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace,
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object: pod,
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    },
  };
}
