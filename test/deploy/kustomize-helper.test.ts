// The rendering the deploy tests trust must behave like kustomize for the
// features deploy/ uses, and refuse the ones it does not implement.

import t from 'tap';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlDocuments, render, strategicMerge, type Obj } from '../helpers/kustomize.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'piw-kustomize-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: app
          args: [--a, --b]
          volumeMounts: [{name: tmp, mountPath: /tmp}]
        - name: sidecar
      volumes: [{name: tmp, emptyDir: {}}]
`;

t.test('strategic merge: containers and volumes by name, mounts by mountPath, args replaced, null deletes', async (t) => {
  const base = parseYamlDocuments(deployment, 'base')[0] as Obj;
  const merged = strategicMerge(base, {
    spec: { template: { spec: {
      containers: [{ name: 'app', args: ['--c'], volumeMounts: [{ name: 'certs', mountPath: '/certs' }] }, { name: 'sidecar', $patch: 'delete' }],
      volumes: [{ name: 'certs', secret: { secretName: 's' } }],
    } } },
  }, []) as Obj;
  const spec = merged.spec.template.spec;
  t.same(spec.containers.map((c: Obj) => c.name), ['app'], 'sidecar deleted, app kept');
  t.same(spec.containers[0].args, ['--c'], 'args have no merge key: replaced');
  t.same(spec.containers[0].volumeMounts.map((m: Obj) => m.mountPath), ['/tmp', '/certs']);
  t.same(spec.volumes.map((v: Obj) => v.name), ['tmp', 'certs']);
  t.same(strategicMerge({ a: 1, b: 2 }, { a: null }, []), { b: 2 });
  t.same(base.spec.template.spec.containers.length, 2, 'the input is not modified');
});

t.test('render: resources, JSON 6902 and strategic patches, namespace, labels', async (t) => {
  const dir = tree({
    'base/kustomization.yaml': 'resources: [deployment.yaml, binding.yaml, webhook.yaml]\nnamespace: prod\n',
    'base/deployment.yaml': deployment,
    'base/binding.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}\nsubjects:\n  - {kind: ServiceAccount, name: default, namespace: x}\n  - {kind: ServiceAccount, name: web, namespace: x}\n',
    'base/webhook.yaml': 'apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: {name: w}\nwebhooks:\n  - name: a.b.c\n    clientConfig: {service: {name: s, namespace: x}}\n',
    'overlay/kustomization.yaml': [
      'resources: [../base]',
      'labels: [{pairs: {team: t}, includeTemplates: true}]',
      'patches:',
      '  - target: {kind: Deployment, name: web}',
      '    patch: |-',
      '      - {op: add, path: /spec/template/spec/containers/0/args/-, value: --z}',
      '  - path: replicas.yaml',
    ].join('\n'),
    'overlay/replicas.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3}\n',
  });
  const objects = render(join(dir, 'overlay'));
  const d = objects.find((o) => o.kind === 'Deployment') as Obj;
  t.same(d.spec.template.spec.containers[0].args, ['--a', '--b', '--z']);
  t.equal(d.spec.replicas, 3);
  t.equal(d.metadata.namespace, 'prod');
  t.equal(d.metadata.labels.team, 't');
  t.equal(d.spec.template.metadata, undefined, 'no template metadata to label (kustomize would create it; deploy/ does not rely on that)');
  const b = objects.find((o) => o.kind === 'ClusterRoleBinding') as Obj;
  t.equal(b.metadata.namespace, undefined, 'cluster-scoped: no namespace');
  t.same(b.subjects.map((s: Obj) => s.namespace), ['prod', 'x'], 'only the subject named default is moved (defaultOnly)');
  const w = objects.find((o) => o.kind === 'MutatingWebhookConfiguration') as Obj;
  t.equal(w.webhooks[0].clientConfig.service.namespace, 'prod', 'the webhook service reference follows the namespace');
});

t.test('render refuses what it does not implement or what kustomize rejects', async (t) => {
  t.throws(() => render(tree({ 'kustomization.yaml': 'resources: []\nimages: [{name: x, newTag: y}]\n' })), /"images" is not implemented/);
  t.throws(() => render(tree({ 'kustomization.yaml': 'resources: [a.yaml, a.yaml]\n', 'a.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n' })), /duplicate resource/);
  t.throws(() => render(tree({ 'kustomization.yaml': 'resources: [a.yaml]\npatches: [{patch: "[]"}]\n', 'a.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n' })), /needs a target/);
  t.throws(() => render(tree({
    'kustomization.yaml': 'resources: [a.yaml]\npatches:\n  - target: {kind: ServiceAccount}\n    patch: "[{op: remove, path: /metadata/labels}]"\n',
    'a.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n',
  })), 'removing a missing path fails, as in kustomize');
  t.throws(() => render(tree({ 'kustomization.yaml': 'resources: [a.yaml]\nnamespace: n\n', 'a.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: a}\n' })), /scope of kind Widget unknown/);
});

t.test('YAML: a leading-zero number, octal to kustomize, is refused; 1.1 booleans stay strings', async (t) => {
  t.throws(() => parseYamlDocuments('mode: 0440\n', 'x'), /octal/);
  t.same(parseYamlDocuments('mode: 288\nns: n\nquoted: "0440"\n', 'x'), [{ mode: 288, ns: 'n', quoted: '0440' }]);
});
