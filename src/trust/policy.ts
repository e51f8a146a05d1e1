// Trust policies that let exactly one ServiceAccount (or a wildcard family of
// them) assume a role: IRSA through the cluster's IAM OIDC provider, or EKS Pod
// Identity through the EKS service principal.

import type { JsonObject } from '../util/json.js';
import type { OidcProvider } from './provider.js';
import { POD_IDENTITY_ACTIONS, POD_IDENTITY_SERVICE, WEB_IDENTITY_ACTION, serviceAccountSubject } from './request.js';

export const POLICY_VERSION = '2012-10-17';
export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';
/** Sids are alphanumeric in IAM. */
export const WEB_IDENTITY_SID = 'AllowServiceAccountWebIdentity';
export const POD_IDENTITY_SID = 'AllowEksPodIdentity';

export interface ServiceAccountRef {
  /** * and ? allowed: the key then switches to StringLike. */
  readonly namespace: string;
  readonly serviceAccount: string;
}

export const hasWildcard = (s: string): boolean => /[*?]/.test(s);

/** The one statement of the IRSA trust policy; `sid` is kept when a user's statement is corrected. */
export function webIdentityStatement(provider: OidcProvider, sa: ServiceAccountRef, audience = DEFAULT_AUDIENCE, sid = WEB_IDENTITY_SID): JsonObject {
  const sub = serviceAccountSubject(sa.namespace, sa.serviceAccount);
  const subKey = `${provider.issuerHostPath}:sub`;
  const audKey = `${provider.issuerHostPath}:aud`;
  // A * in StringEquals is a literal star, so a wildcard needs StringLike; the
  // audience is one concrete value and stays StringEquals.
  const condition: JsonObject = hasWildcard(sub)
    ? { StringLike: { [subKey]: sub }, StringEquals: { [audKey]: audience } }
    : { StringEquals: { [subKey]: sub, [audKey]: audience } };
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { Federated: provider.arn },
    Action: WEB_IDENTITY_ACTION,
    Condition: condition,
  };
}

/**
 * EKS Pod Identity: EKS assumes the role and tags the session with the pod's
 * namespace and ServiceAccount, which the conditions pin (session tags are on
 * unless the association disables them).
 */
export function podIdentityStatement(sa: ServiceAccountRef, sid = POD_IDENTITY_SID): JsonObject {
  const nsKey = 'aws:RequestTag/kubernetes-namespace';
  const saKey = 'aws:RequestTag/kubernetes-service-account';
  const equals: JsonObject = {};
  const like: JsonObject = {};
  (hasWildcard(sa.namespace) ? like : equals)[nsKey] = sa.namespace;
  (hasWildcard(sa.serviceAccount) ? like : equals)[saKey] = sa.serviceAccount;
  const condition: JsonObject = {};
  if (Object.keys(equals).length > 0) condition.StringEquals = equals;
  if (Object.keys(like).length > 0) condition.StringLike = like;
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: POD_IDENTITY_SERVICE },
    Action: [...POD_IDENTITY_ACTIONS],
    Condition: condition,
  };
}

export function trustPolicy(statement: JsonObject): JsonObject {
  return { Version: POLICY_VERSION, Statement: [statement] };
}
