// The webhook's ServiceAccount may do exactly what the code does: the
// permissions granted in each rendered installation equal the rows of
// API_CALLS that its Deployment's flags switch on. A missing grant breaks the
// webhook at run time; an extra one is access nobody reviewed.

import t from 'tap';
import { API_CALLS, type ApiCall } from '../../src/kubernetes/api-calls.js';
import type { K8sObject, Obj } from '../helpers/kustomize.js';
import { only, serveArgs, variants } from './variants.js';

/** One permission: "scope|apiGroup|resource|verb|resourceName" ('' = every name). */
type Grant = string;

function grant(scope: 'cluster' | 'namespace', apiGroup: string, resource: string, verb: string, resourceName: string): Grant {
  return [scope, apiGroup, resource, verb, resourceName].join('|');
}

function expected(calls: readonly ApiCall[]): Set<Grant> {
  const out = new Set<Grant>();
  for (const c of calls) for (const verb of c.verbs) out.add(grant(c.scope, c.apiGroup, c.resource, verb, c.resourceName ?? ''));
  return out;
}

/** Every permission the bindings give this ServiceAccount, with the namespace each applies in. */
function granted(objects: readonly K8sObject[], sa: { name: string; namespace: string }): { grants: Set<Grant>; namespaces: Set<string>; rules: Obj[] } {
  const grants = new Set<Grant>();
  const namespaces = new Set<string>();
  const rules: Obj[] = [];
  for (const b of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    const bound = (b.subjects as Obj[]).some((s) => s.kind === 'ServiceAccount' && s.name === sa.name && s.namespace === sa.namespace);
    if (!bound) continue;
    const ref = b.roleRef as Obj;
    const role = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name
      && (ref.kind === 'ClusterRole' || o.metadata.namespace === b.metadata.namespace));
    if (!role) throw new Error(`${b.kind} ${b.metadata.name} refers to a missing ${ref.kind} ${ref.name}`);
    // A RoleBinding limits even a ClusterRole to its own namespace.
    const scope = b.kind === 'ClusterRoleBinding' ? 'cluster' : 'namespace';
    if (scope === 'namespace') namespaces.add(b.metadata.namespace as string);
    for (const r of (role.rules ?? []) as Obj[]) {
      rules.push(r);
      for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) for (const verb of r.verbs ?? []) {
        const names = (r.resourceNames ?? []) as string[];
        for (const n of names.length > 0 ? names : ['']) grants.add(grant(scope, g, res, verb, n));
      }
    }
  }
  return { grants, namespaces, rules };
}

for (const { name, objects } of variants()) {
  t.test(name, async (t) => {
    const deployment = only(objects, 'Deployment');
    const { parsed } = serveArgs(deployment);
    const v = parsed.values;
    const sa = { name: deployment.spec.template.spec.serviceAccountName as string, namespace: deployment.metadata.namespace as string };
    const on = (when: ApiCall['when']) => when === 'always'
      || (when === 'watch-config-map' && v['watch-config-map'] === true)
      || (when === 'self-signed' && v['self-signed'] === true);
    const calls = API_CALLS.filter((c) => on(c.when));
    const { grants, namespaces, rules } = granted(objects, sa);

    t.same([...grants].sort(), [...expected(calls)].sort(), 'grants == API_CALLS for the flags this Deployment gives');
    t.ok([...namespaces].every((ns) => ns === v.namespace), 'namespaced grants only in --namespace, where the ConfigMap is read');
    for (const r of rules) {
      for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames']) {
        t.notOk(((r[field] ?? []) as string[]).includes('*'), `no wildcard in ${field}`);
      }
      t.notOk(((r.resources ?? []) as string[]).some((res) => res.startsWith('secrets')), 'no access to Secrets');
      t.equal(r.nonResourceURLs, undefined, 'no non-resource URLs');
    }
    const selfSigned = API_CALLS.find((c) => c.when === 'self-signed');
    if (v['self-signed'] === true) {
      t.equal(v['webhook-config-name'], selfSigned?.resourceName, '--webhook-config-name is the one object RBAC lets it patch');
      t.equal(only(objects, 'MutatingWebhookConfiguration').metadata.name, selfSigned?.resourceName, 'and that is the configuration deployed');
    }

    // Nothing granted to anyone else, and no role left unbound.
    for (const o of objects) {
      if (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') {
        t.same((o.subjects as Obj[]).map((s) => `${s.kind}/${s.namespace}/${s.name}`), [`ServiceAccount/${sa.namespace}/${sa.name}`],
          `${o.kind} ${o.metadata.name} binds only the webhook's ServiceAccount`);
      }
      if (o.kind === 'Role' || o.kind === 'ClusterRole') {
        t.ok(objects.some((b) => (b.kind === 'RoleBinding' || b.kind === 'ClusterRoleBinding') && b.roleRef.kind === o.kind && b.roleRef.name === o.metadata.name),
          `${o.kind} ${o.metadata.name} is bound`);
      }
    }
  });
}

t.test('the comparison notices an extra or a missing permission', async (t) => {
  const { objects } = variants()[0]!;
  const deployment = only(objects, 'Deployment');
  const sa = { name: deployment.spec.template.spec.serviceAccountName as string, namespace: deployment.metadata.namespace as string };
  const always = expected(API_CALLS.filter((c) => c.when === 'always'));
  const widened = structuredClone(objects);
  only(widened, 'ClusterRole').rules[0].verbs.push('update');
  t.not([...granted(widened, sa).grants].sort().join(), [...always].sort().join(), 'an extra verb shows');
  const narrowed = structuredClone(objects);
  only(narrowed, 'ClusterRole').rules[0].verbs = ['get', 'list'];
  t.not([...granted(narrowed, sa).grants].sort().join(), [...always].sort().join(), 'a missing verb shows');
  t.same([...granted(objects, sa).grants].sort(), [...always].sort(), 'and the real one matches');
});
