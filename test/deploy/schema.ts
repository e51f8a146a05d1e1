// Validation of rendered objects against the Kubernetes OpenAPI schema as
// compiled by kubernetes-models (4.x: 5.x needs Node 22) and its cert-manager
// companion, so no cluster or network is needed.

import * as km from 'kubernetes-models';
import * as cm from '@kubernetes-models/cert-manager';
import type { K8sObject } from '../helpers/kustomize.js';

type ModelClass = new (data: unknown) => { validate(): void };

// "rbac.authorization.k8s.io" → "rbacAuthorizationK8sIo", as the packages name their exports.
function exportName(group: string): string {
  const parts = group.split(/[.-]/);
  return parts.map((p, i) => (i === 0 ? p : p.charAt(0).toUpperCase() + p.slice(1))).join('');
}

export function modelFor(apiVersion: string, kind: string): ModelClass {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const root: Record<string, any> = group.endsWith('cert-manager.io') ? cm : km;
  const byVersion = group === '' ? root.v1 : root[exportName(group)]?.[version];
  const model = (group === '' && version !== 'v1') ? undefined : byVersion?.[kind];
  if (typeof model !== 'function') throw new Error(`no schema for ${apiVersion} ${kind}`);
  return model as ModelClass;
}

/** Throws with the schema's complaint when the object is not valid. */
export function validateObject(obj: K8sObject): void {
  const Model = modelFor(obj.apiVersion, obj.kind);
  new Model(obj).validate();
}
