// The calls a pod's SDK makes (IRSA) or EKS makes for it (Pod Identity), as IAM
// sees them: principal, action and the condition keys in the request context.
// A key is present (with its values), absent (the call never carries it: a
// condition on it fails unless IfExists), or unknown (it depends on something
// check-trust is not told, so it refuses to guess).

import type { ContextValue, TrustRequest } from './evaluate.js';
import type { OidcProvider } from './provider.js';

export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity';
export const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';
export const POD_IDENTITY_ACTIONS = ['sts:AssumeRole', 'sts:TagSession'] as const;

/** Tags EKS Pod Identity puts on the session (the EKS User Guide's list). */
export const POD_IDENTITY_TAGS = [
  'eks-cluster-arn', 'eks-cluster-name', 'kubernetes-namespace', 'kubernetes-service-account', 'kubernetes-pod-name', 'kubernetes-pod-uid',
] as const;

export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

export interface WebIdentityCall {
  readonly provider: OidcProvider;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly audience: string;
}

const present = (...values: string[]): ContextValue => ({ kind: 'present', values });
const absent = (why: string): ContextValue => ({ kind: 'absent', why });
const unknown = (why: string): ContextValue => ({ kind: 'unknown', why });

/** Keys named after an issuer ("oidc.example.com/id/X:sub"): a host before the claim. */
function issuerKey(key: string): { issuer: string; claim: string } | undefined {
  const colon = key.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const issuer = key.slice(0, colon);
  return issuer.includes('.') ? { issuer, claim: key.slice(colon + 1) } : undefined;
}

/** Global keys whose value depends on where and when the call is made. */
function globalKey(key: string): ContextValue {
  if (key.startsWith('aws:') || key.startsWith('sts:')) return unknown('its value depends on the call itself (address, time, session name, ...)');
  return absent('no STS call carries that key');
}

/** AssumeRoleWithWebIdentity with a projected ServiceAccount token, as the SDKs call it. */
export function webIdentityRequest(call: WebIdentityCall): TrustRequest {
  const own = call.provider.issuerHostPath.toLowerCase();
  const sub = serviceAccountSubject(call.namespace, call.serviceAccount);
  return {
    principal: { type: 'Federated', id: call.provider.arn },
    action: WEB_IDENTITY_ACTION,
    context(key) {
      const k = issuerKey(key);
      if (k && k.issuer === own) {
        if (k.claim === 'sub') return present(sub);
        if (k.claim === 'aud') return present(call.audience);
        return absent(`the request will carry no "${k.claim}" key (from a Kubernetes ServiceAccount token IAM gets only sub and aud)`);
      }
      if (k) return absent(`the request carries only the keys of its own provider (${call.provider.issuerHostPath}:sub and :aud)`);
      // The token carries no https://aws.amazon.com/tags claim and the call passes no tags.
      if (key.startsWith('aws:requesttag/') || key === 'aws:tagkeys' || key.startsWith('aws:principaltag/')) {
        return absent('a Kubernetes ServiceAccount token carries no session tags');
      }
      if (key === 'sts:externalid') return absent('AssumeRoleWithWebIdentity has no external ID');
      return globalKey(key);
    },
  };
}

export interface PodIdentityCall {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** AssumeRole and TagSession by the EKS Auth service for a Pod Identity association (session tags on). */
export function podIdentityRequests(call: PodIdentityCall): TrustRequest[] {
  const tags: Record<string, string> = { 'kubernetes-namespace': call.namespace, 'kubernetes-service-account': call.serviceAccount };
  const context = (key: string): ContextValue => {
    if (key.startsWith('aws:requesttag/')) {
      const tag = key.slice('aws:requesttag/'.length);
      const value = tags[tag];
      if (value !== undefined) return present(value);
      if ((POD_IDENTITY_TAGS as readonly string[]).includes(tag)) return unknown('EKS sets that session tag from the cluster and the pod');
      return absent(`EKS Pod Identity sets no session tag "${tag}"`);
    }
    if (key === 'aws:tagkeys') return present(...POD_IDENTITY_TAGS);
    if (issuerKey(key)) return absent('EKS Pod Identity does not pass a web identity token to STS');
    if (key === 'aws:sourceaccount' || key === 'aws:sourcearn') return unknown(`EKS sets it to the cluster's ${key === 'aws:sourcearn' ? 'ARN' : 'account'}`);
    return globalKey(key);
  };
  return POD_IDENTITY_ACTIONS.map((action) => ({ principal: { type: 'Service', id: POD_IDENTITY_SERVICE }, action, context }));
}
