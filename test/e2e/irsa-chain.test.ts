// The whole IRSA chain of a self-managed cluster, every party on loopback with
// real protocols, none of them built from the project's own code except the
// commands under test:
//   - a signing key pair made here (the cluster's sa.key / sa.pub);
//   - `oidc publish` output served as static files over HTTPS with a test CA
//     (the public issuer, reached by a DNS stand-in: the issuer URL has no port);
//   - tokens signed here as kube-apiserver signs them, for the pod the webhook
//     mutated (audience and lifetime read from its projected volume);
//   - a fake STS that fetches discovery and JWKS from the issuer, verifies the
//     token with jose, and matches sub/aud against the role's trust policy with
//     its own small StringEquals matcher;
//   - the real AWS SDK in a child process with exactly the injected env.
// The right ServiceAccount gets credentials for its role. A wrong sub, a wrong
// aud and a key missing from the JWKS are refused by STS, and `check-trust`
// and `oidc verify-token` predict each refusal with the right reason.

import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import t, { type Test } from 'tap';
import { admit } from '../helpers/apiserver.js';
import { startFakeSts, type Verdict } from '../helpers/fake-sts.js';
import { makeCa, makeLeaf } from '../server/helpers.js';
import { CLI, podReview, replay, run, tempDir } from './support.js';

const ACCOUNT = '111122223333';
const ISSUER_HOST = 'oidc.irsa.test';
const ISSUER = `https://${ISSUER_HOST}/cluster-1`;
const HOST_PATH = ISSUER.slice('https://'.length);
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST_PATH}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/s3-reader`;
/** The IAM OIDC provider's client-id list. */
const CLIENT_IDS = ['sts.amazonaws.com'];

const CHILD = `
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
try {
  const c = await fromNodeProviderChain()();
  process.stdout.write(JSON.stringify({ accessKeyId: c.accessKeyId }));
} catch (err) {
  process.stderr.write(String(err && err.name) + ': ' + String(err && err.message));
  process.exit(1);
}`;

/** kube-apiserver's kid: unpadded base64url of SHA-256 over the public key's DER SPKI. */
const kidOf = (key: KeyObject) => createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64url');
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function signAsApiServer(privateKey: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const input = `${b64url({ alg: 'RS256', kid })}.${b64url(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

/** What kube-apiserver puts in a projected token for this pod. */
function podToken(pod: any, namespace: string, signer: { privateKey: KeyObject; kid: string }): string {
  const projected = pod.spec.volumes.find((v: any) => v.name === 'aws-iam-token').projected.sources[0].serviceAccountToken;
  const now = Math.floor(Date.now() / 1000);
  const sa = pod.spec.serviceAccountName;
  return signAsApiServer(signer.privateKey, signer.kid, {
    aud: [projected.audience], exp: now + projected.expirationSeconds, iat: now, nbf: now, iss: ISSUER,
    sub: `system:serviceaccount:${namespace}:${sa}`,
    'kubernetes.io': { namespace, pod: { name: 'app-x1', uid: 'pod-uid' }, serviceaccount: { name: sa, uid: 'sa-uid' } },
  });
}

/** A static HTTPS file server (an S3 bucket with public read, in effect). */
async function staticIssuer(t: Test, root: string, tls: { cert: string; key: string }): Promise<Server> {
  const server = createServer(tls, (req, res) => {
    const file = normalize(join(root, new URL(req.url ?? '/', 'https://x').pathname));
    if (!file.startsWith(root)) return void res.writeHead(400).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return server;
}

/** STS's fetch of a URL under the issuer: HTTPS, the issuer's name for TLS, loopback for DNS. */
function fetchJson(url: string, port: number, ca: string): Promise<any> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: u.pathname, servername: u.hostname, headers: { host: u.hostname }, ca }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`HTTP ${res.statusCode} for ${url}`))));
    }).on('error', reject).end();
  });
}

/** The trust check STS makes, written here: Federated principal, the action, StringEquals on sub and aud. */
function trusts(policy: any, sub: string, aud: string): boolean {
  return (policy.Statement as any[]).some((s) => s.Effect === 'Allow'
    && [s.Principal?.Federated].flat().includes(PROVIDER)
    && [s.Action].flat().includes('sts:AssumeRoleWithWebIdentity')
    && Object.entries(s.Condition?.StringEquals ?? {}).every(([key, want]) => {
      const have = key === `${HOST_PATH}:sub` ? sub : key === `${HOST_PATH}:aud` ? aud : undefined;
      return have !== undefined && [want].flat().includes(have);
    }));
}

t.test('a self-managed cluster, from its key pair to a pod calling AWS as its role', async (t) => {
  const dir = await tempDir(t, 'piw-chain-');
  const www = join(dir, 'www');
  const published = { privateKey: undefined as unknown as KeyObject, kid: '' };
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  Object.assign(published, { privateKey: pair.privateKey, kid: kidOf(pair.publicKey) });
  const rotatedPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rotated = { privateKey: rotatedPair.privateKey, kid: kidOf(rotatedPair.publicKey) };
  await writeFile(join(dir, 'sa.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }));

  // The operator publishes the issuer documents and uploads them.
  const out = await run(process.execPath, [CLI, 'oidc', 'publish', '--issuer', ISSUER, '--public-key', join(dir, 'sa.pub'), '--out', join(www, 'cluster-1')]);
  t.equal(out.code, 0, `oidc publish: ${out.stderr}`);
  const ca = await makeCa('issuer-ca');
  const issuer = await staticIssuer(t, www, await makeLeaf(ca, ISSUER_HOST, 'server'));
  const issuerPort = (issuer.address() as AddressInfo).port;

  // The role's trust policy, as `trust-policy` prints it for the ServiceAccount.
  const policyRun = await run(process.execPath, [CLI, 'trust-policy', '--account', ACCOUNT, '--issuer', ISSUER, '--namespace', 'default', '--service-account', 's3-reader']);
  t.equal(policyRun.code, 0, policyRun.stderr);
  const policyFile = join(dir, 'trust.json');
  await writeFile(policyFile, policyRun.stdout);
  const policy = JSON.parse(policyRun.stdout);

  // STS, as the real one decides.
  const sts = await startFakeSts({
    async verifyToken({ roleArn, token }): Promise<Verdict> {
      if (roleArn !== ROLE) return { ok: false, code: 'AccessDenied', message: `no such role ${roleArn}` };
      let claims;
      try {
        const discovery = await fetchJson(`${ISSUER}/.well-known/openid-configuration`, issuerPort, ca.cert);
        if (discovery.issuer !== ISSUER) return { ok: false, message: 'issuer mismatch in the discovery document' };
        const jwks = createLocalJWKSet(await fetchJson(discovery.jwks_uri, issuerPort, ca.cert));
        ({ payload: claims } = await jwtVerify(token, jwks, { issuer: ISSUER }));
      } catch (err) {
        return { ok: false, code: 'InvalidIdentityToken', message: `Couldn't retrieve verification key from your identity provider: ${(err as Error).message}` };
      }
      const aud = [claims.aud].flat().find((a) => typeof a === 'string' && CLIENT_IDS.includes(a));
      if (!aud) return { ok: false, code: 'InvalidIdentityToken', message: 'Incorrect token audience' };
      if (!trusts(policy, String(claims.sub), aud)) return { ok: false, code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' };
      return { ok: true, subject: String(claims.sub), audience: aud, provider: PROVIDER };
    },
  });
  t.teardown(() => sts.close());

  // The webhook, as the cluster runs it, with the ServiceAccounts it watches.
  const mount = join(dir, 'token-mount');
  const saFile = join(dir, 'service-accounts.yaml');
  await writeFile(saFile, ['s3-reader', 'other'].map((name) => [
    'apiVersion: v1', 'kind: ServiceAccount', `metadata: {name: ${name}, namespace: default, annotations: {eks.amazonaws.com/role-arn: "${ROLE}"}}`,
  ].join('\n')).join('\n---\n') + '\n---\n' + [
    'apiVersion: v1', 'kind: ServiceAccount', `metadata: {name: odd-audience, namespace: default, annotations: {eks.amazonaws.com/role-arn: "${ROLE}", eks.amazonaws.com/audience: "vault"}}`,
  ].join('\n') + '\n');

  async function podFor(serviceAccount: string) {
    const review = podReview(`uid-${serviceAccount}`, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'app-' },
      spec: { serviceAccountName: serviceAccount, containers: [{ name: 'app', image: 'app:1' }] },
    });
    const { responses } = await replay(dir, ['--service-accounts', saFile, '--token-mount-path', mount], review);
    const { pod } = admit(review, responses[0]);
    const env = Object.fromEntries(pod.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    return { pod, env };
  }

  /** The SDK in a child with exactly the injected env; resolves with its result or its error line. */
  async function sdk(env: Record<string, string>, token: string) {
    await mkdir(dirname(env.AWS_WEB_IDENTITY_TOKEN_FILE!), { recursive: true });
    await writeFile(env.AWS_WEB_IDENTITY_TOKEN_FILE!, token);
    const home = join(dir, 'home');
    await mkdir(home, { recursive: true });
    return run(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: {
        ...env, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, AWS_ENDPOINT_URL_STS: sts.url,
        AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
  }

  const checkTrust = (serviceAccount: string) => run(process.execPath, [CLI, 'check-trust', '--trust-policy', policyFile,
    '--account', ACCOUNT, '--issuer', ISSUER, '--namespace', 'default', '--service-account', serviceAccount, '--service-accounts', saFile]);
  const verifyToken = async (token: string, audience = 'sts.amazonaws.com') => {
    const file = join(dir, `token-${Math.random().toString(36).slice(2)}`);
    await writeFile(file, token);
    return run(process.execPath, [CLI, 'oidc', 'verify-token', file, '--issuer', ISSUER, '--audience', audience,
      '--jwks', join(www, 'cluster-1', 'openid', 'v1', 'jwks')]);
  };

  t.test('the right ServiceAccount: credentials for its role, and both checks agree', async (t) => {
    const { pod, env } = await podFor('s3-reader');
    const token = podToken(pod, 'default', published);
    const r = await sdk(env, token);
    t.equal(r.code, 0, `the SDK got credentials: ${r.stderr}`);
    const call = sts.calls.at(-1)!;
    t.equal(call.action, 'AssumeRoleWithWebIdentity');
    t.equal(call.params.RoleArn, ROLE, 'for the role of the ServiceAccount');
    t.equal(JSON.parse(r.stdout).accessKeyId, call.issued?.accessKeyId, 'the credentials STS issued');
    t.equal((await checkTrust('s3-reader')).code, 0, 'check-trust: allowed');
    const v = await verifyToken(token);
    t.equal(v.code, 0, `verify-token: ${v.stderr}`);
    t.match(v.stdout, 'system:serviceaccount:default:s3-reader');
  });

  t.test('a wrong sub: STS refuses, check-trust names the sub it expects', async (t) => {
    const { pod, env } = await podFor('other');
    const r = await sdk(env, podToken(pod, 'default', published));
    t.not(r.code, 0);
    t.match(r.stderr, /AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity/);
    const c = await checkTrust('other');
    t.equal(c.code, 1);
    t.match(c.stderr, /system:serviceaccount:default:s3-reader/, 'names the sub the policy expects');
    t.match(c.stderr, /system:serviceaccount:default:other/, 'beside the one the token carries');
  });

  t.test('a wrong aud: STS refuses, verify-token and check-trust both say audience', async (t) => {
    const { pod, env } = await podFor('odd-audience');
    const token = podToken(pod, 'default', published);
    const r = await sdk(env, token);
    t.not(r.code, 0);
    t.match(r.stderr, /InvalidIdentityToken(Exception)?: Incorrect token audience/);
    const v = await verifyToken(token);
    t.equal(v.code, 1);
    t.match(v.stderr, /aud/i);
    t.match(v.stderr, /vault/);
    const c = await checkTrust('odd-audience');
    t.equal(c.code, 1);
    t.match(c.stderr, /audience|aud/i);
  });

  t.test('a rotated key missing from the JWKS: STS refuses, verify-token names the kid', async (t) => {
    const { pod, env } = await podFor('s3-reader');
    const token = podToken(pod, 'default', rotated);
    const r = await sdk(env, token);
    t.not(r.code, 0);
    t.match(r.stderr, /InvalidIdentityToken/);
    const v = await verifyToken(token);
    t.equal(v.code, 1);
    t.match(v.stderr, rotated.kid, 'the kid the token carries');
    t.match(v.stderr, published.kid, 'and the kids the JWKS has');
  });
});
