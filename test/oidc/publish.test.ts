// `oidc publish` through the built CLI: the file layout under --out, the
// contents (the same as `oidc discovery` and `oidc jwks`), the next steps
// with the user's values, all-or-nothing writes, and --from-cluster against a
// real loopback HTTPS API server that answers the two discovery paths as
// kube-apiserver does.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { looksLikeStackTrace, runCli } from '../helpers/cli.js';
import { FakeKubeApiServer } from '../helpers/fake-kube-apiserver.js';
import { ecPair, expectedJwk, rsaPair, tempDir } from './support.js';

const dir = tempDir(t);
const rsa = rsaPair(2048);
const ec = ecPair('P-256');
const rsaFile = join(dir, 'sa.pub');
const ecFile = join(dir, 'ec.key');
writeFileSync(rsaFile, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
writeFileSync(ecFile, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }));

/** Every file under a directory, relative, sorted (hidden temporaries included). */
function tree(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.push(`${relative(root, p)}/`);
        walk(p);
      } else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

let n = 0;
const freshOut = () => join(dir, `out-${++n}`);
const ISSUER = 'https://oidc.example.com/cluster-1';

t.test('writes the two documents laid out as under the issuer, the paths on stdout, the next steps on stderr', async (tt) => {
  const out = freshOut();
  const r = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--public-key', rsaFile, '--public-key', ecFile, '--out', out]);
  tt.equal(r.code, 0, r.stderr);
  tt.equal(r.stdout, `${join(out, '.well-known/openid-configuration')}\n${join(out, 'openid/v1/jwks')}\n`);
  tt.same(tree(out), ['.well-known/', '.well-known/openid-configuration', 'openid/', 'openid/v1/', 'openid/v1/jwks']);
  const discovery = await runCli(['oidc', 'discovery', '--issuer', ISSUER, '--public-key', rsaFile, '--public-key', ecFile]);
  const jwks = await runCli(['oidc', 'jwks', '--public-key', rsaFile, '--public-key', ecFile]);
  tt.equal(readFileSync(join(out, '.well-known/openid-configuration'), 'utf8'), discovery.stdout, 'the discovery document');
  tt.equal(readFileSync(join(out, 'openid/v1/jwks'), 'utf8'), jwks.stdout, 'the JWKS');
  tt.same(JSON.parse(jwks.stdout).keys, [expectedJwk(rsa), expectedJwk(ec)]);
  tt.equal(statSync(join(out, 'openid/v1/jwks')).mode & 0o777, 0o644, 'readable by the uploader');

  const steps = r.stderr;
  tt.match(steps, `Wrote the OIDC issuer documents for ${ISSUER} (keys ${expectedJwk(rsa).kid}, ${expectedJwk(ec).kid})`);
  tt.match(steps, new RegExp(`${join(out, 'openid/v1/jwks')} +->  ${ISSUER}/openid/v1/jwks\n`));
  tt.match(steps, 'serve each file at its URL above with Content-Type: application/json');
  tt.match(steps, 'aws s3 cp FILE s3://BUCKET/KEY --content-type application/json');
  tt.match(steps, `curl -fsS ${ISSUER}/.well-known/openid-configuration`);
  tt.match(steps, `aws iam create-open-id-connect-provider --url ${ISSUER} --client-id-list sts.amazonaws.com`);
  tt.match(steps, `- --service-account-issuer=${ISSUER}\n`);
  tt.match(steps, '- --service-account-issuer=https://kubernetes.default.svc.cluster.local   # the previous issuer');
  tt.match(steps, `- --service-account-jwks-uri=${ISSUER}/openid/v1/jwks\n`);
  tt.match(steps, '- --service-account-key-file=/etc/kubernetes/pki/sa.pub');
  tt.match(steps, '- --service-account-signing-key-file=/etc/kubernetes/pki/sa.key');
  tt.match(steps, '- --api-audiences=https://kubernetes.default.svc.cluster.local');
  tt.match(steps, `trust-policy --account ACCOUNT_ID --issuer ${ISSUER} --namespace NAMESPACE --service-account NAME`);
  tt.match(steps, `oidc verify-token token --issuer ${ISSUER}`);
  tt.notOk(looksLikeStackTrace(steps));
});

t.test('an S3 issuer gets the aws s3 cp commands with its bucket and keys', async (tt) => {
  const out = freshOut();
  const issuer = 'https://my-oidc-bucket.s3.eu-west-1.amazonaws.com/clusters/prod';
  const r = await runCli(['oidc', 'publish', '--issuer', issuer, '--public-key', rsaFile, '--out', out]);
  tt.equal(r.code, 0, r.stderr);
  tt.match(r.stderr, `aws s3 cp ${join(out, '.well-known/openid-configuration')} s3://my-oidc-bucket/clusters/prod/.well-known/openid-configuration --content-type application/json`);
  tt.match(r.stderr, `aws s3 cp ${join(out, 'openid/v1/jwks')} s3://my-oidc-bucket/clusters/prod/openid/v1/jwks --content-type application/json`);
  tt.match(r.stderr, 'The bucket must let anyone s3:GetObject these keys');
  tt.match(r.stderr, `(key ${expectedJwk(rsa).kid})`);
});

t.test('a jwks_uri on another host is written at its URL path, and the next steps say so', async (tt) => {
  const out = freshOut();
  const jwksUri = 'https://keys.example.net/prod/keys.json';
  const r = await runCli(['oidc', 'publish', '--issuer', 'https://oidc.example.com', '--jwks-uri', jwksUri, '--public-key', rsaFile, '--out', out]);
  tt.equal(r.code, 0, r.stderr);
  tt.same(tree(out), ['.well-known/', '.well-known/openid-configuration', 'prod/', 'prod/keys.json']);
  tt.equal(JSON.parse(readFileSync(join(out, '.well-known/openid-configuration'), 'utf8')).jwks_uri, jwksUri);
  tt.match(r.stderr, `The JWKS is not under the issuer: ${join(out, 'prod/keys.json')} goes to ${jwksUri}, on that host.`);
  tt.match(r.stderr, `- --service-account-jwks-uri=${jwksUri}`);
});

t.test('publishing again replaces the files (a rotation adds a key) and leaves nothing else', async (tt) => {
  const out = freshOut();
  const first = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--public-key', rsaFile, '--out', out]);
  tt.equal(first.code, 0, first.stderr);
  writeFileSync(join(out, 'README.txt'), 'kept');
  const second = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--public-key', rsaFile, '--public-key', ecFile, '--out', out]);
  tt.equal(second.code, 0, second.stderr);
  tt.same(JSON.parse(readFileSync(join(out, 'openid/v1/jwks'), 'utf8')).keys.map((k: any) => k.kid), [expectedJwk(rsa).kid, expectedJwk(ec).kid]);
  tt.same(tree(out), ['.well-known/', '.well-known/openid-configuration', 'README.txt', 'openid/', 'openid/v1/', 'openid/v1/jwks']);
});

t.test('nothing is half-written', async (tt) => {
  tt.test('--out is a file', async (ct) => {
    const out = join(dir, 'a-file');
    writeFileSync(out, 'x');
    const r = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--public-key', rsaFile, '--out', out]);
    ct.equal(r.code, 1);
    ct.equal(r.stdout, '');
    ct.match(r.stderr, `${out}: cannot write: exists and is not a directory; nothing was changed in ${out}`);
    ct.equal(r.stderr.trim().split('\n').length, 1);
    ct.equal(readFileSync(out, 'utf8'), 'x');
  });
  tt.test('the JWKS directory cannot be made after the discovery directory was: both undone', async (ct) => {
    const out = freshOut();
    mkdirSync(out);
    writeFileSync(join(out, 'openid'), 'in the way');
    const r = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--public-key', rsaFile, '--out', out]);
    ct.equal(r.code, 1);
    ct.equal(r.stdout, '');
    ct.match(r.stderr, `${join(out, 'openid')}: cannot write: exists and is not a directory; nothing was changed in ${out}`);
    ct.same(tree(out), ['openid'], 'no .well-known, no temporary file');
  });
  tt.test('the JWKS target is a directory: the discovery document already there stays as it was', async (ct) => {
    const out = freshOut();
    mkdirSync(join(out, '.well-known'), { recursive: true });
    mkdirSync(join(out, 'openid/v1/jwks'), { recursive: true });
    writeFileSync(join(out, '.well-known/openid-configuration'), 'old');
    const r = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--public-key', rsaFile, '--out', out]);
    ct.equal(r.code, 1);
    ct.match(r.stderr, `${join(out, 'openid/v1/jwks')}: cannot write: is a directory`);
    ct.equal(readFileSync(join(out, '.well-known/openid-configuration'), 'utf8'), 'old');
    ct.same(tree(out), ['.well-known/', '.well-known/openid-configuration', 'openid/', 'openid/v1/', 'openid/v1/jwks/']);
  });
  tt.test('--out missing with a parent that cannot hold it', async (ct) => {
    const out = join(dir, 'a-file', 'sub', 'dir');
    const r = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--public-key', rsaFile, '--out', out]);
    ct.equal(r.code, 1);
    ct.match(r.stderr, `${join(dir, 'a-file')}: cannot write: exists and is not a directory`);
  });
});

t.test('usage errors exit 2 and write nothing', async (tt) => {
  const out = freshOut();
  for (const [args, want] of [
    [['--issuer', ISSUER, '--out', out], /oidc publish needs the keys: --public-key FILE .* or --from-cluster/],
    [['--issuer', ISSUER, '--out', out, '--public-key', rsaFile, '--from-cluster'], /takes --public-key FILE\.\.\. or --from-cluster, not both/],
    [['--issuer', ISSUER, '--public-key', rsaFile], /oidc publish needs --out DIR/],
    [['--out', out, '--public-key', rsaFile], /oidc publish needs --issuer URL/],
    [['--issuer', `${ISSUER}/`, '--out', out, '--public-key', rsaFile], /invalid --issuer .*must not end with "\/"/],
    [['--issuer', ISSUER, '--jwks-uri', `${ISSUER}/.well-known/openid-configuration`, '--out', out, '--public-key', rsaFile], /invalid --jwks-uri .*would be written where the discovery document goes/],
    [['--issuer', ISSUER, '--out', out, '--public-key', rsaFile, 'extra'], /takes no positional argument "extra"/],
  ] as const) {
    const r = await runCli(['oidc', 'publish', ...args]);
    tt.equal(r.code, 2, args.join(' '));
    tt.equal(r.stdout, '');
    tt.match(r.stderr, want);
    tt.equal(r.stderr.trim().split('\n').length, 1);
  }
  tt.notOk(existsSync(out), 'no --out directory made');
});

t.test('--from-cluster', async (tt) => {
  const fake = await new FakeKubeApiServer().start();
  tt.teardown(() => fake.stop());
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, fake.kubeconfigYaml());
  // What kube-apiserver serves: its jwks_uri is its own (internal) address unless --service-account-jwks-uri is set.
  const clusterJwks = { keys: [expectedJwk(rsa), expectedJwk(ec)] };
  fake.oidc = {
    discovery: {
      issuer: ISSUER, jwks_uri: 'https://10.0.0.1:6443/openid/v1/jwks',
      response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256', 'RS256'],
    },
    jwks: clusterJwks,
  };

  tt.test('reads both documents, rewrites jwks_uri to the public location', async (ct) => {
    const out = freshOut();
    fake.requests.length = 0;
    const r = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--from-cluster', '--kubeconfig', kubeconfig, '--out', out]);
    ct.equal(r.code, 0, r.stderr);
    ct.same(fake.requests.map((q) => `${q.verb} ${q.path}`), ['get /.well-known/openid-configuration', 'get /openid/v1/jwks']);
    const discovery = JSON.parse(readFileSync(join(out, '.well-known/openid-configuration'), 'utf8'));
    ct.equal(discovery.jwks_uri, `${ISSUER}/openid/v1/jwks`);
    ct.equal(discovery.issuer, ISSUER);
    ct.same(JSON.parse(readFileSync(join(out, 'openid/v1/jwks'), 'utf8')), clusterJwks);
    ct.match(r.stderr, `This cluster already signs its tokens for ${ISSUER}`);
    ct.match(r.stderr, `- --service-account-jwks-uri=${ISSUER}/openid/v1/jwks`);
    ct.notMatch(r.stderr, '--service-account-signing-key-file', 'the signing flags are left as they are');
  });

  tt.test('never publishes a private member the API server (or a proxy) let through', async (ct) => {
    const out = freshOut();
    const leaky = { ...expectedJwk(rsa), ...(rsa.privateKey.export({ format: 'jwk' }) as object) };
    fake.oidc = { ...fake.oidc, jwks: { keys: [leaky] } };
    const r = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--from-cluster', '--kubeconfig', kubeconfig, '--out', out]);
    fake.oidc = { ...fake.oidc, jwks: clusterJwks };
    ct.equal(r.code, 0, r.stderr);
    ct.same(JSON.parse(readFileSync(join(out, 'openid/v1/jwks'), 'utf8')), { keys: [expectedJwk(rsa)] });
  });

  tt.test('refuses another issuer than --issuer, and says which flag to change', async (ct) => {
    const out = freshOut();
    const r = await runCli(['oidc', 'publish', '--issuer', 'https://oidc.example.com/other', '--from-cluster', '--kubeconfig', kubeconfig, '--out', out]);
    ct.equal(r.code, 1);
    ct.equal(r.stdout, '');
    ct.equal(r.stderr.trim().split('\n').length, 1);
    ct.match(r.stderr, `the cluster's issuer is "${ISSUER}", not --issuer "https://oidc.example.com/other": its tokens carry iss "${ISSUER}"`);
    ct.match(r.stderr, `pass --issuer ${ISSUER}, or make https://oidc.example.com/other kube-apiserver's first --service-account-issuer`);
    ct.notOk(existsSync(out), 'nothing written');
  });

  tt.test('a failing API server leaves nothing', async (ct) => {
    const cases: Array<{ name: string; setup: () => string[]; want: RegExp }> = [
      { name: 'discovery off (404)', setup: () => { fake.oidc = {}; return ['--kubeconfig', kubeconfig]; },
        want: /answered GET \/\.well-known\/openid-configuration with HTTP 404 .*--service-account-issuer is set/ },
      { name: 'wrong credentials (401)', setup: () => {
        const bad = join(dir, 'kubeconfig-bad');
        writeFileSync(bad, fake.kubeconfigYaml().replace(`token: ${fake.token}`, 'token: wrong'));
        return ['--kubeconfig', bad];
      }, want: /HTTP 401 Unauthorized \(the credentials need the system:service-account-issuer-discovery ClusterRole/ },
      { name: 'a JWKS that is not one', setup: () => { fake.oidc = { discovery: { issuer: ISSUER, jwks_uri: 'x' }, jwks: { keys: 'none' } }; return ['--kubeconfig', kubeconfig]; },
        want: /GET \/openid\/v1\/jwks from https:\/\/127\.0\.0\.1:\d+ did not return what kube-apiserver serves: no "keys" array/ },
      { name: 'no API server there', setup: () => ['--kube-api', 'https://127.0.0.1:1'],
        want: /cannot GET \/\.well-known\/openid-configuration from the API server at https:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/ },
      { name: 'no way to reach a cluster', setup: () => [],
        want: /--from-cluster outside a pod needs --kubeconfig FILE .* or --kube-api URL; KUBERNETES_SERVICE_HOST is not set/ },
      { name: 'a kubeconfig that is not one', setup: () => ['--kubeconfig', rsaFile], want: /--kubeconfig \S+sa\.pub: not a usable kubeconfig/ },
    ];
    for (const c of cases) {
      const out = freshOut();
      const flags = c.setup();
      const r = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--from-cluster', ...flags, '--out', out]);
      ct.equal(r.code, 1, c.name);
      ct.equal(r.stdout, '', c.name);
      ct.equal(r.stderr.trim().split('\n').length, 1, `${c.name}: one line`);
      ct.match(r.stderr, c.want, c.name);
      ct.notOk(looksLikeStackTrace(r.stderr), c.name);
      ct.notOk(existsSync(out), `${c.name}: nothing written`);
    }
    fake.oidc = { discovery: { issuer: ISSUER, jwks_uri: 'https://10.0.0.1:6443/openid/v1/jwks' }, jwks: clusterJwks };
  });

  tt.test('--kube-api without credentials, as through kubectl proxy', async (ct) => {
    const proxy = await new FakeKubeApiServer({ plainHttp: true, tls: fake.tls }).start();
    ct.teardown(() => proxy.stop());
    proxy.oidc = fake.oidc;
    const out = freshOut();
    const r = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--from-cluster', '--kube-api', proxy.url, '--out', out]);
    ct.equal(r.code, 0, r.stderr);
    ct.same(JSON.parse(readFileSync(join(out, 'openid/v1/jwks'), 'utf8')), clusterJwks);
  });
});
