// `mutate` as users run it: manifests in, mutated manifests (or --explain) out.

import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { podProblems } from '../helpers/apiserver.js';
import { looksLikeStackTrace, runCli } from '../helpers/cli.js';

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
  tt.match(r.stdout, /container app: unchanged \(its AWS variables and token mount are already present\)/);
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
