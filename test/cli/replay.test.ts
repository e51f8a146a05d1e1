// `replay` as users run it: the built CLI, real files and stdin.

import { mkdtempSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { admit } from '../helpers/apiserver.js';
import { looksLikeStackTrace, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'piw-replay-'));
t.teardown(() => import('node:fs').then((fs) => fs.rmSync(dir, { recursive: true, force: true })));
const SA = 'examples/service-accounts.yaml';
const example = JSON.parse(readFileSync('examples/admission-review.json', 'utf8'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

t.test('a review file is answered with a patch the API server accepts', async (tt) => {
  const r = await runCli(['replay', '--service-accounts', SA, '--aws-default-region=us-west-2', 'examples/admission-review.json']);
  tt.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  tt.equal(lines.length, 1);
  const out = admit(example, JSON.parse(lines[0] as string));
  const app = out.pod.spec.containers[0];
  tt.ok(app.env.some((e: any) => e.name === 'AWS_ROLE_ARN' && e.value === 'arn:aws:iam::111122223333:role/s3-reader'));
  tt.equal(out.pod.spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds, 3600);
  // log-shipper sets AWS_REGION itself, so the region pair is not added there.
  tt.notOk(out.pod.spec.containers[1].env.some((e: any) => e.name === 'AWS_DEFAULT_REGION'));
});

t.test('stdin, YAML reviews and several files answer in input order', async (tt) => {
  const second = structuredClone(example);
  second.request.uid = 'second';
  second.apiVersion = 'admission.k8s.io/v1beta1';
  const yamlFile = write('second.yaml', stringify(second));
  const r = await runCli(['replay', '--service-accounts', SA, '-', yamlFile], { stdin: JSON.stringify(example) });
  tt.equal(r.code, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  tt.same(out.map((o) => o.response.uid), [example.request.uid, 'second']);
  tt.equal(out[1].apiVersion, 'admission.k8s.io/v1beta1');
  admit(second, out[1]);
});

t.test('no file means stdin', async (tt) => {
  const r = await runCli(['replay', '--service-accounts', SA], { stdin: JSON.stringify(example) });
  tt.equal(r.code, 0);
  tt.equal(JSON.parse(r.stdout).response.uid, example.request.uid);
});

t.test('Pod Identity file and upstream klog flags', async (tt) => {
  const review = structuredClone(example);
  review.request.namespace = 'apps';
  review.request.object.spec.serviceAccountName = 'agent';
  const f = write('agent.json', JSON.stringify(review));
  const r = await runCli(['replay', '--service-accounts', SA, '--container-credentials-config', 'examples/pod-identity.json', '--logtostderr', '-v=2', '--alsologtostderr=true', f]);
  tt.equal(r.code, 0, r.stderr);
  const out = admit(review, JSON.parse(r.stdout));
  tt.equal(out.pod.metadata.labels['eks.amazonaws.com/pod-identity'], 'enabled');
  const token = out.pod.spec.volumes[0].projected.sources[0].serviceAccountToken;
  tt.ok(token.expirationSeconds >= 79200 && token.expirationSeconds <= 86400, 'jittered default lifetime');
});

t.test('bad inputs: one line each naming the file, others still answered, exit 1', async (tt) => {
  const notJson = write('broken.json', '{"apiVersion": ');
  const notReview = write('pod.json', JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }));
  const noRequest = write('norequest.json', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }));
  const badPod = write('badpod.json', JSON.stringify({ ...example, request: { ...example.request, object: { spec: 'nope' } } }));
  const empty = write('empty.yaml', '# nothing\n');
  const unreadable = write('secret.json', '{}');
  chmodSync(unreadable, 0o000);
  const files = [notJson, 'examples/admission-review.json', notReview, join(dir, 'missing.json'), noRequest, badPod, empty, dir];
  const r = await runCli(['replay', '--service-accounts', SA, ...files]);
  tt.equal(r.code, 1);
  tt.equal(r.stdout.trim().split('\n').length, 1, 'the good review is still answered');
  tt.equal(JSON.parse(r.stdout).response.uid, example.request.uid);
  const errs = r.stderr.trim().split('\n');
  tt.equal(errs.length, 7, r.stderr);
  tt.match(errs[0], /^replay: .*broken\.json: not valid JSON or YAML/);
  tt.match(errs[1], /pod\.json: not an AdmissionReview: apiVersion "v1", kind "Pod"/);
  tt.match(errs[2], /missing\.json: cannot read: no such file$/);
  tt.match(errs[3], /norequest\.json: AdmissionReview has no request$/);
  tt.match(errs[4], /badpod\.json: request\.object is not a readable Pod: spec is missing or not an object$/);
  tt.match(errs[5], /empty\.yaml: no AdmissionReview found$/);
  tt.match(errs[6], /: cannot read: is a directory$/);
  tt.notOk(looksLikeStackTrace(r.stderr));
  chmodSync(unreadable, 0o600);
});

t.test('a bad --service-accounts file stops before answering anything', async (tt) => {
  const cases: Array<[string, RegExp]> = [
    ['kind: Deployment\nmetadata: {name: x}\n', /not a ServiceAccount list: item 1: kind "Deployment" is neither ServiceAccount nor ConfigMap/],
    ['- just\n- a list\n', /not a ServiceAccount list: item 1: not an object/],
    ['kind: ServiceAccount\nmetadata: {}\n', /ServiceAccount without metadata.name/],
    ['a: [\n', /not valid JSON or YAML/],
  ];
  for (const [text, re] of cases) {
    const f = write('sa.yaml', text);
    const r = await runCli(['replay', '--service-accounts', f, 'examples/admission-review.json']);
    tt.equal(r.code, 1);
    tt.equal(r.stdout, '', 'nothing half-written');
    tt.match(r.stderr, re);
    tt.notOk(looksLikeStackTrace(r.stderr));
  }
  const cm = write('cm.yaml', 'kind: ConfigMap\nmetadata: {name: pod-identity-webhook}\ndata: {config: "{oops"}\n');
  const r = await runCli(['replay', '--service-accounts', cm, '--watch-config-map', 'examples/admission-review.json']);
  tt.equal(r.code, 1);
  tt.match(r.stderr, /ConfigMap pod-identity-webhook: data.config is not a JSON map/);
});

t.test('a bad Pod Identity file is named', async (tt) => {
  const f = write('pi.json', '{"identities": [{"namespace": "a"}]}');
  const r = await runCli(['replay', '--container-credentials-config', f, 'examples/admission-review.json']);
  tt.equal(r.code, 1);
  tt.match(r.stderr, /pi\.json: not an EKS Pod Identity file .*identities\[0\] needs "namespace" and "serviceAccount"/);
});

t.test('bad flags exit 2 with one line', async (tt) => {
  const cases: Array<[string[], RegExp]> = [
    [['replay', '--bogus'], /unknown flag --bogus for "replay"/],
    [['replay', '--token-expiration=1d'], /invalid value "1d" for --token-expiration: expected an integer/],
    [['replay', '--annotation-prefix'], /flag --annotation-prefix needs a value/],
    [['replay', '--port=443'], /unknown flag --port for "replay"/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];
  for (const [argv, re] of cases) {
    const r = await runCli(argv);
    tt.equal(r.code, 2, argv.join(' '));
    tt.match(r.stderr, re);
    tt.equal(r.stderr.trim().split('\n').length, 1);
  }
  const invalid: Array<[string, RegExp]> = [
    ['--token-mount-path=relative/dir', /--token-mount-path: expected an absolute path/],
    ['--container-credentials-token-mount-path=x', /--container-credentials-token-mount-path: expected an absolute path/],
    ['--container-credentials-token-volume-name=Bad_Name', /--container-credentials-token-volume-name: expected a volume name/],
    ['--container-credentials-token-path=../x', /--container-credentials-token-path: expected a relative file name without \.\./],
    ['--container-credentials-full-uri=not a url', /--container-credentials-full-uri: expected an absolute URL/],
    ['--annotation-prefix=', /--annotation-prefix: expected a non-empty annotation prefix/],
    // The engine writes <prefix>/aws-config on chained pods, so the prefix must be a valid annotation key prefix.
    ['--annotation-prefix=eks_amazonaws.com', /invalid value "eks_amazonaws.com" for --annotation-prefix: expected a DNS subdomain/],
  ];
  for (const [flag, re] of invalid) {
    const r = await runCli(['replay', flag, 'examples/admission-review.json']);
    tt.equal(r.code, 1, flag);
    tt.equal(r.stdout, '');
    tt.match(r.stderr, re);
  }
  const c = await runCli(['replay', '--compose-role-arn', 'examples/admission-review.json']);
  tt.equal(c.code, 1);
  tt.match(c.stderr, /--compose-role-arn needs --aws-account-id/);
});
