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
const write = (name: string, text: string | Buffer) => {
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
  tt.match(errs[0], /^pod-identity-webhook replay: .*broken\.json: not valid JSON or YAML/);
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
  const cases: Array<[string | Buffer, RegExp]> = [
    ['- just\n- a list\n', /not a ServiceAccount list: item 1: not an object/],
    ['kind: ServiceAccount\nmetadata: {}\n', /sa\.yaml: item 1: a ServiceAccount without metadata.name$/m],
    ['"x"\n', /sa\.yaml: not a ServiceAccount list: item 1: not an object/],
    [Buffer.from([0xc3, 0x28, 0x00]), /sa\.yaml: not UTF-8 or UTF-16 text/],
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

t.test('other kinds in a --service-accounts file are skipped with one note', async (tt) => {
  const f = write('kustomized.yaml', 'kind: Deployment\nmetadata: {name: x}\n---\nkind: Namespace\nmetadata: {name: y}\n---\n' + readFileSync(SA, 'utf8'));
  const r = await runCli(['replay', '--service-accounts', f, 'examples/admission-review.json']);
  tt.equal(r.code, 0, r.stderr);
  tt.equal(r.stderr, `pod-identity-webhook replay: note: ${f}: skipped 2 objects that are neither a ServiceAccount nor the pod-identity-webhook ConfigMap (Deployment, Namespace)\n`);
  tt.ok(JSON.parse(r.stdout).response.patch, 'the ServiceAccounts in it are used');
});

t.test('a review that is not a pod CREATE is answered, with a note saying what it was', async (tt) => {
  const update = structuredClone(example);
  update.request.operation = 'UPDATE';
  const deployment = structuredClone(example);
  deployment.request.kind = { group: 'apps', version: 'v1', kind: 'Deployment' };
  deployment.request.resource = { group: 'apps', version: 'v1', resource: 'deployments' };
  const binding = structuredClone(example);
  binding.request.subResource = 'binding';
  const f = write('not-create.yaml', [update, deployment, binding].map((r) => stringify(r)).join('---\n'));
  const r = await runCli(['replay', '--service-accounts', SA, f]);
  tt.equal(r.code, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  tt.same(out.map((o) => o.response), [0, 1, 2].map(() => ({ uid: example.request.uid, allowed: true })), 'allowed, no patch');
  tt.same(r.stderr.trim().split('\n'), [
    `pod-identity-webhook replay: note: ${f} (document 1): the review is an UPDATE of v1 Pod, not a CREATE of a core/v1 Pod; the webhook mutates only pod CREATEs, so the answer allows it with no patch`,
    `pod-identity-webhook replay: note: ${f} (document 2): the review is a CREATE of apps/v1 Deployment, not a CREATE of a core/v1 Pod; the webhook mutates only pod CREATEs, so the answer allows it with no patch`,
    `pod-identity-webhook replay: note: ${f} (document 3): the review is a CREATE of v1 Pod (subresource binding), not a CREATE of a core/v1 Pod; the webhook mutates only pod CREATEs, so the answer allows it with no patch`,
  ]);
});

t.test('without any identity file, one note says nothing can be injected', async (tt) => {
  const r = await runCli(['replay', 'examples/admission-review.json']);
  tt.equal(r.code, 0);
  tt.equal(r.stderr, 'pod-identity-webhook replay: note: no ServiceAccount is known (no --service-accounts FILE, and none in the input), so no pod gets IRSA; pass --service-accounts FILE (kubectl get serviceaccounts -A -o yaml > sa.yaml)\n');
  tt.same(JSON.parse(r.stdout).response, { uid: example.request.uid, allowed: true });
});

t.test('--max-request-bytes: a larger file is refused as serve refuses the body; the others are answered', async (tt) => {
  const compact = JSON.stringify(example);
  const big = structuredClone(example);
  big.request.object.metadata.annotations = { filler: 'x'.repeat(3 * 1024 * 1024) };
  const bigFile = write('big.json', JSON.stringify(big));
  const r = await runCli(['replay', '--service-accounts', SA, bigFile, 'examples/admission-review.json']);
  tt.equal(r.code, 1);
  tt.equal(r.stderr, `pod-identity-webhook replay: ${bigFile}: request body is larger than --max-request-bytes (3145728 bytes)\n`, 'the default is serve\'s 3 MiB');
  tt.equal(r.stdout.trim().split('\n').length, 1, 'the other file is answered');
  const exact = write('exact.json', compact);
  const atLimit = await runCli(['replay', '--service-accounts', SA, `--max-request-bytes=${compact.length}`, exact]);
  tt.equal(atLimit.code, 0, 'exactly the limit is accepted, as by serve');
  const over = await runCli(['replay', '--service-accounts', SA, `--max-request-bytes=${compact.length - 1}`, '-'], { stdin: compact });
  tt.equal(over.code, 1);
  tt.equal(over.stdout, '');
  tt.equal(over.stderr, `pod-identity-webhook replay: <stdin>: request body is larger than --max-request-bytes (${compact.length - 1} bytes)\n`);
  const bad = await runCli(['replay', '--max-request-bytes=0', exact]);
  tt.equal(bad.code, 2);
  tt.equal(bad.stderr, 'pod-identity-webhook replay: invalid --max-request-bytes 0: expected a positive number of bytes\n');
});

t.test('hostile reviews are input errors naming the file, never an internal error', async (tt) => {
  const deep = write('deep.json', `{"request": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
  const r = await runCli(['replay', '--service-accounts', SA, deep, write('junk.json', Buffer.from([0xff, 0x00, 0xc3, 0x28]))]);
  tt.equal(r.code, 1);
  tt.equal(r.stdout, '');
  tt.match(r.stderr, /^pod-identity-webhook replay: .*deep\.json \(document 1\): nested more than 256 levels deep/m);
  tt.match(r.stderr, /^pod-identity-webhook replay: .*junk\.json: not UTF-8 or UTF-16 text/m);
  tt.notMatch(r.stderr, /internal error/);
  tt.notOk(looksLikeStackTrace(r.stderr));
});
