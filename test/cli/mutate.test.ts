// `mutate` as users run it: manifests in, mutated manifests (or --explain) out.

import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseAllDocuments, parseDocument, stringify } from 'yaml';
import { WEBHOOK_OBJECT_SELECTOR } from '../../src/manifests/object-selector.js';
import { render } from '../helpers/kustomize.js';
import { podProblems } from '../helpers/apiserver.js';
import { ROOT as ROOT_DIR, looksLikeStackTrace, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'piw-mutate-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const SA = 'examples/service-accounts.yaml';
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const docs = (text: string) => parseAllDocuments(text).map((d: any) => d.toJS());
const envOf = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));

const template = (sa: string, indent = 4) => `
    metadata:
      labels: {app: x}
    spec:
      serviceAccountName: ${sa}
      containers:
        - name: app
          image: app:1`.replace(/\n {4}/g, `\n${' '.repeat(indent)}`);

const manifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: x}}
  template:${template('s3-reader')}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:${template('s3-reader', 8)}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: apps}
spec:
  serviceAccountName: agent
  containers: [{name: agent, image: agent:1}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: other}
spec:
  selector: {matchLabels: {app: x}}
  template:${template('s3-reader')}
`;

t.test('every pod template is mutated as the webhook would; other kinds pass through', async (tt) => {
  const f = write('all.yaml', manifests);
  const r = await runCli(['mutate', '--service-accounts', SA, '--container-credentials-config', 'examples/pod-identity.json', '-f', f]);
  tt.equal(r.code, 0, r.stderr);
  const [deploy, cron, svc, podDoc, sts] = docs(r.stdout);
  const dc = deploy.spec.template.spec.containers[0];
  tt.equal(envOf(dc).AWS_ROLE_ARN, 'arn:aws:iam::111122223333:role/s3-reader');
  tt.equal(envOf(dc).AWS_STS_REGIONAL_ENDPOINTS, 'regional');
  tt.same(podProblems(deploy.spec.template), []);
  tt.equal(envOf(cron.spec.jobTemplate.spec.template.spec.containers[0]).AWS_ROLE_ARN, 'arn:aws:iam::111122223333:role/s3-reader', 'CronJob default namespace');
  tt.same(svc, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
  tt.equal(podDoc.metadata.labels['eks.amazonaws.com/pod-identity'], 'enabled');
  tt.ok(envOf(podDoc.spec.containers[0]).AWS_CONTAINER_CREDENTIALS_FULL_URI);
  tt.equal(sts.spec.template.spec.containers[0].env, undefined, 'no ServiceAccount other/s3-reader: untouched');
});

t.test('mutating the output again changes nothing', async (tt) => {
  const f = write('once.yaml', manifests);
  const once = await runCli(['mutate', '--service-accounts', SA, '--container-credentials-config', 'examples/pod-identity.json', '-f', f]);
  const g = write('twice.yaml', once.stdout);
  const twice = await runCli(['mutate', '--service-accounts', SA, '--container-credentials-config', 'examples/pod-identity.json', '-f', g]);
  tt.same(docs(twice.stdout), docs(once.stdout));
});

t.test('--explain says what went where and why not', async (tt) => {
  const f = write('explain.yaml', manifests.replace('- name: app\n          image: app:1', '- name: app\n          image: app:1\n          env: [{name: AWS_ROLE_ARN, value: mine}, {name: AWS_REGION, value: x}, {name: AWS_STS_REGIONAL_ENDPOINTS, value: regional}]'));
  const r = await runCli(['mutate', '--explain', '--service-accounts', SA, '-f', f]);
  tt.equal(r.code, 0, r.stderr);
  tt.match(r.stdout, /Deployment default\/web \(ServiceAccount default\/s3-reader, .*\):\n  IRSA role arn:aws:iam::111122223333:role\/s3-reader from the ServiceAccount annotations; token audience sts.amazonaws.com, expires in 3600s/);
  // Exactly what is there and what is not, and why the rest was not added.
  tt.match(r.stdout, /container app: unchanged: already had AWS_STS_REGIONAL_ENDPOINTS, AWS_REGION, AWS_ROLE_ARN\n    not added: AWS_WEB_IDENTITY_TOKEN_FILE, volumeMount: the container already sets its identity, region and STS variables, and such a container is left alone \(as upstream does\)\n/);
  tt.match(r.stdout, /CronJob default\/nightly .*\n.*\n.*\n  container app: added AWS_STS_REGIONAL_ENDPOINTS, AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, volumeMount/);
  tt.match(r.stdout, /Pod apps\/agent .*\n  nothing injected: ServiceAccount apps\/agent has no eks.amazonaws.com\/role-arn annotation/);
  tt.match(r.stdout, /StatefulSet other\/db .*\n  nothing injected: ServiceAccount other\/s3-reader not found/);
  tt.notMatch(r.stdout, /kind: Service/);
});

t.test('skip-containers and warnings go to stderr like kubectl', async (tt) => {
  const f = write('skip.yaml', `apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {eks.amazonaws.com/skip-containers: "side,ghost"}}
spec:
  serviceAccountName: s3-reader
  containers: [{name: app, image: a}, {name: side, image: b}]
`);
  const r = await runCli(['mutate', '--explain', '--service-accounts', SA, '-f', f]);
  tt.match(r.stdout, /container side: skipped \(listed in skip-containers\)/);
  tt.match(r.stdout, /warning: pod-identity-webhook: skip-containers names "ghost"/);
  tt.match(r.stderr, /^Warning: Pod default\/p: pod-identity-webhook: skip-containers names "ghost"/);
});

t.test('stdin and a v1 List', async (tt) => {
  const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: 's3-reader', containers: [{ name: 'c' }] } }] });
  const r = await runCli(['mutate', '--service-accounts', SA, '-f', '-'], { stdin: list });
  tt.equal(r.code, 0, r.stderr);
  const [out] = docs(r.stdout);
  tt.equal(out.items[0].spec.volumes[0].name, 'aws-iam-token');
});

t.test('bad inputs print nothing to stdout and name the problem', async (tt) => {
  const good = write('good.yaml', manifests);
  const cases: Array<[string[], RegExp]> = [
    [['-f', good, '-f', join(dir, 'nope.yaml')], /nope\.yaml: cannot read: no such file/],
    [['-f', good, '-f', write('bad.yaml', 'kind: Pod\nspec: [\n')], /bad\.yaml: not valid JSON or YAML/],
    [['-f', write('nocontainers.yaml', 'kind: Pod\nmetadata: {name: x}\nspec: {}\n')], /nocontainers\.yaml: Pod x: not a readable pod template: spec.containers is missing/],
    [['-f', write('multi.yaml', 'kind: Service\n---\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: "x"}}}\n')], /multi\.yaml \(document 2\): Deployment d: not a readable pod template: spec.containers is not an array/],
    [[], /mutate needs -f FILE/],
  ];
  for (const [argv, re] of cases) {
    const r = await runCli(['mutate', '--service-accounts', SA, ...argv]);
    tt.equal(r.code, 1, argv.join(' '));
    tt.equal(r.stdout, '', 'nothing half-written');
    tt.match(r.stderr, re);
    tt.notOk(looksLikeStackTrace(r.stderr));
  }
});

// --- identities from the input itself -------------------------------------------

const SA_DOC = (name: string, ns?: string, extra = '') => `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
${ns ? `  namespace: ${ns}\n` : ''}  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/${name}${extra}
`;
const DEPLOY_DOC = (name: string, sa: string, ns?: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${ns ? `  namespace: ${ns}\n` : ''}spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      serviceAccountName: ${sa}
      containers: [{name: app, image: app:1}]
`;

t.test('ServiceAccounts in the -f input are identities, wherever they are in the stream', async (tt) => {
  // The ServiceAccount comes after the Deployment that uses it, as kustomize sorts them at times.
  const stream = [DEPLOY_DOC('web', 'web-sa', 'shop'), SA_DOC('web-sa', 'shop'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n'].join('---\n');
  const r = await runCli(['mutate', '-f', '-'], { stdin: stream });
  tt.equal(r.code, 0, r.stderr);
  tt.equal(r.stderr, '', 'no note: the input has its ServiceAccount');
  const [deploy, sa, ns] = docs(r.stdout);
  tt.equal(envOf(deploy.spec.template.spec.containers[0]).AWS_ROLE_ARN, 'arn:aws:iam::111122223333:role/web-sa');
  tt.same(podProblems(deploy.spec.template), []);
  tt.equal(sa.kind, 'ServiceAccount', 'the ServiceAccount itself is printed unchanged');
  tt.equal(ns.kind, 'Namespace');
});

t.test('a v1 List of ServiceAccounts in the input counts, and the input ConfigMap with --watch-config-map', async (tt) => {
  const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'listed', namespace: 'default', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/listed' } } }] });
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pod-identity-webhook, namespace: eks}\ndata:\n  config: \'{"default/cm-sa": {"RoleARN": "arn:aws:iam::111122223333:role/from-cm"}}\'\n';
  const f = write('list-sa.json', list);
  const g = write('cm-and-apps.yaml', [cm, DEPLOY_DOC('a', 'listed'), DEPLOY_DOC('b', 'cm-sa')].join('---\n'));
  const r = await runCli(['mutate', '--watch-config-map', '-f', g, '-f', f]);
  tt.equal(r.code, 0, r.stderr);
  const [, a, b] = docs(r.stdout);
  tt.equal(envOf(a.spec.template.spec.containers[0]).AWS_ROLE_ARN, 'arn:aws:iam::111122223333:role/listed', 'from a later file');
  tt.equal(envOf(b.spec.template.spec.containers[0]).AWS_ROLE_ARN, 'arn:aws:iam::111122223333:role/from-cm');
  const bad = write('bad-sa.yaml', 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {namespace: x}\n');
  const refused = await runCli(['mutate', '-f', bad]);
  tt.equal(refused.code, 1);
  tt.equal(refused.stdout, '');
  tt.equal(refused.stderr, `pod-identity-webhook mutate: ${bad} (document 1): a ServiceAccount without metadata.name\n`);
});

t.test('kubectl kustomize deploy/examples | mutate -f -: the app is injected, not-injected is not', async (tt) => {
  const stream = render(join(ROOT_DIR, 'deploy/examples')).map((o) => stringify(o)).join('---\n');
  const r = await runCli(['mutate', '-f', '-'], { stdin: stream });
  tt.equal(r.code, 0, r.stderr);
  const out = docs(r.stdout);
  const app = out.find((o: any) => o.kind === 'Deployment');
  const skipped = out.find((o: any) => o.kind === 'Pod' && o.metadata.name === 'not-injected');
  tt.equal(envOf(app.spec.template.spec.containers[0]).AWS_ROLE_ARN, 'arn:aws:iam::111122223333:role/s3-reader');
  tt.same(skipped, render(join(ROOT_DIR, 'deploy/examples')).find((o) => o.metadata.name === 'not-injected'), 'the labelled pod comes out exactly as it went in');

  const explained = await runCli(['mutate', '--explain', '-f', 'deploy/examples/app.yaml']);
  tt.equal(explained.code, 0, explained.stderr);
  tt.match(explained.stdout, /Pod irsa-example\/not-injected \(ServiceAccount irsa-example\/s3-reader, deploy\/examples\/app.yaml \(document 4\)\):\n  nothing injected: the webhook configuration's objectSelector excludes these pods \(it is labelled eks.amazonaws.com\/skip-pod-identity-webhook=true\), so the API server never sends them to the webhook\n/);
  tt.match(explained.stdout, /Deployment irsa-example\/s3-reader .*\n  IRSA role arn:aws:iam::111122223333:role\/s3-reader/);
});

t.test("the objectSelector is the deployed one, and excludes the webhook's own pods", async (tt) => {
  const config = parseDocument(readFileSync(join(ROOT_DIR, 'deploy/base/mutating-webhook-configuration.yaml'), 'utf8')).toJS();
  tt.same(config.webhooks[0].objectSelector, WEBHOOK_OBJECT_SELECTOR, 'mutate mirrors deploy/base exactly');
  const r = await runCli(['mutate', '--explain', '--service-accounts', SA, '-f', 'deploy/base/deployment.yaml']);
  tt.equal(r.code, 0, r.stderr);
  tt.match(r.stdout, /Deployment pod-identity-webhook\/pod-identity-webhook .*\n  nothing injected: the webhook configuration's objectSelector excludes these pods \(it is labelled app.kubernetes.io\/name=pod-identity-webhook\)/);
  const other = write('other-name.yaml', DEPLOY_DOC('x', 's3-reader').replace('labels: {app: x}', 'labels: {app.kubernetes.io/name: not-the-webhook, eks.amazonaws.com/skip-pod-identity-webhook-not: "1"}'));
  const injected = await runCli(['mutate', '--service-accounts', SA, '-f', other]);
  tt.equal(envOf(docs(injected.stdout)[0].spec.template.spec.containers[0]).AWS_ROLE_ARN, 'arn:aws:iam::111122223333:role/s3-reader', 'other labels do not exclude');
});

t.test('other kinds in a --service-accounts file are skipped with one note', async (tt) => {
  const mixed = write('mixed.yaml', ['apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n', DEPLOY_DOC('d1', 'x'), DEPLOY_DOC('d2', 'x'), SA_DOC('web-sa', 'default'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n'].join('---\n'));
  const app = write('app.yaml', DEPLOY_DOC('web', 'web-sa'));
  const r = await runCli(['mutate', '--service-accounts', mixed, '-f', app]);
  tt.equal(r.code, 0, r.stderr);
  tt.equal(r.stderr, `pod-identity-webhook mutate: note: ${mixed}: skipped 4 objects that are neither a ServiceAccount nor the pod-identity-webhook ConfigMap (Namespace, 2 Deployment, ConfigMap)\n`);
  tt.equal(envOf(docs(r.stdout)[0].spec.template.spec.containers[0]).AWS_ROLE_ARN, 'arn:aws:iam::111122223333:role/web-sa');
});

t.test('-n/--pod-namespace: where objects without a namespace land; --namespace keeps its meaning', async (tt) => {
  const stream = [SA_DOC('web-sa'), DEPLOY_DOC('web', 'web-sa'), DEPLOY_DOC('pinned', 'web-sa', 'elsewhere')].join('---\n');
  const f = write('no-ns.yaml', stream);
  for (const flag of [['-n', 'shop'], ['--pod-namespace', 'shop'], ['--pod-namespace=shop'], ['-nshop']]) {
    const r = await runCli(['mutate', '--explain', ...flag, '--namespace', 'kube-system', '-f', f]);
    tt.equal(r.code, 0, r.stderr);
    tt.match(r.stdout, /^Deployment shop\/web \(ServiceAccount shop\/web-sa, .*\):\n  IRSA role arn:aws:iam::111122223333:role\/web-sa/m, flag.join(' '));
    tt.match(r.stdout, /Deployment elsewhere\/pinned .*\n  nothing injected: ServiceAccount elsewhere\/web-sa not found/, 'an object with a namespace keeps it');
  }
  const none = await runCli(['mutate', '--explain', '-f', f]);
  tt.match(none.stdout, /^Deployment default\/web \(ServiceAccount default\/web-sa/m, 'without -n: default');
});

t.test('--explain tells the truth about annotations and lifetimes', async (tt) => {
  const sas = write('truth-sa.yaml', [
    SA_DOC('bad-sts', 'default', '\n    eks.amazonaws.com/sts-regional-endpoints: "yes"'),
    'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: empty-role\n  annotations: {eks.amazonaws.com/role-arn: ""}\n',
    'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: no-role}\n',
  ].join('---\n'));
  const apps = write('truth-apps.yaml', [DEPLOY_DOC('a', 'bad-sts'), DEPLOY_DOC('b', 'empty-role'), DEPLOY_DOC('c', 'no-role')].join('---\n'));
  const r = await runCli(['mutate', '--explain', '--sts-regional-endpoint=true', '--service-accounts', sas, '-f', apps]);
  tt.equal(r.code, 0, r.stderr);
  tt.match(r.stdout, /Deployment default\/a [^\n]*\n(  .*\n)*  warning: pod-identity-webhook: ServiceAccount annotation sts-regional-endpoints "yes" is not true or false; using --sts-regional-endpoint \(true\)\n/);
  tt.match(r.stderr, /^Warning: Deployment default\/a: pod-identity-webhook: ServiceAccount annotation sts-regional-endpoints "yes" is not true or false/m);
  tt.match(r.stdout, /Deployment default\/b .*\n  nothing injected: ServiceAccount default\/empty-role has an empty eks.amazonaws.com\/role-arn annotation\n/);
  tt.match(r.stdout, /Deployment default\/c .*\n  nothing injected: ServiceAccount default\/no-role has no eks.amazonaws.com\/role-arn annotation\n/);
});

t.test('a randomised Pod Identity lifetime is said to be random; a template notes its one baked value', async (tt) => {
  const app = write('agent.yaml', [DEPLOY_DOC('agent', 'agent', 'apps'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: solo, namespace: apps}\nspec:\n  serviceAccountName: agent\n  containers: [{name: c, image: x}]\n'].join('---\n'));
  const pi = ['--container-credentials-config', 'examples/pod-identity.json'];
  const e = await runCli(['mutate', '--explain', '--service-accounts', SA, ...pi, '-f', app]);
  tt.equal(e.code, 0, e.stderr);
  tt.match(e.stdout, /EKS Pod Identity from the EKS Pod Identity file; token audience pods.eks.amazonaws.com, expires in (\d+)s, .*\n  token lifetime randomised: the webhook draws one per pod between 79200s and 86400s; \1s is this run's draw\n/);
  const m = await runCli(['mutate', '--service-accounts', SA, ...pi, '-f', app]);
  tt.equal(m.code, 0, m.stderr);
  const baked = docs(m.stdout)[0].spec.template.spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds;
  tt.equal(m.stderr, `pod-identity-webhook mutate: note: Deployment apps/agent: the webhook gives each pod its own EKS Pod Identity token lifetime between 79200s and 86400s, so a fleet does not refresh at once; this template carries one, ${baked}s, which every replica gets\n`, 'one note, for the template only (a Pod is one pod)');
});

t.test('silent no-ops get one note: no ServiceAccounts at all; an AdmissionReview', async (tt) => {
  const app = write('lonely.yaml', DEPLOY_DOC('web', 'web-sa'));
  const r = await runCli(['mutate', '-f', app]);
  tt.equal(r.code, 0);
  tt.equal(r.stderr, 'pod-identity-webhook mutate: note: no ServiceAccount is known (no --service-accounts FILE, and none in the input), so no pod gets IRSA; pass --service-accounts FILE (kubectl get serviceaccounts -A -o yaml > sa.yaml)\n');
  tt.same(docs(r.stdout), docs(readFileSync(app, 'utf8')), 'output unchanged');
  const quiet = await runCli(['mutate', '--service-accounts', SA, '-f', app]);
  tt.equal(quiet.stderr, '', 'with --service-accounts: no note');

  const review = await runCli(['mutate', '--service-accounts', SA, '-f', 'examples/admission-review.json']);
  tt.equal(review.code, 0);
  tt.equal(review.stderr, 'pod-identity-webhook mutate: note: examples/admission-review.json is an AdmissionReview, which mutate passes through unchanged; to answer it as the webhook would, run pod-identity-webhook replay examples/admission-review.json\n');
});
