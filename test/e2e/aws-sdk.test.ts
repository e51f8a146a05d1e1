// What we inject must be what the real AWS SDK needs. The built CLI mutates a
// pod; the mutated container's env is then handed, and nothing else, to a
// child process that runs the real @aws-sdk/credential-providers default
// chain against fake STS / EKS Pod Identity Agent endpoints on loopback.
// Each case runs through both front doors: `replay` and `serve` over TLS.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
import { admit } from '../helpers/apiserver.js';
import { loopbackCertificate, startServer } from './server.js';
import { fakeServer, podReview, replay, run, tempDir, type FakeServer, type Recorded } from './support.js';

const ROLE = 'arn:aws:iam::111122223333:role/s3-reader';
const ACCOUNT = '111122223333';
// Second precision, as STS sends it; an hour ahead so the SDK never considers it stale.
const EXPIRATION = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000).toISOString().replace('.000Z', 'Z');
const CREDS = {
  AccessKeyId: 'ASIAE2EFAKEKEY000001',
  SecretAccessKey: 'e2e/fake/secret/0000000000000000000000000',
  SessionToken: 'FwoGZXIvYXdzE2e2eFakeSessionToken==',
};

// The child imports the SDK by its package name; -e resolves it from cwd (the repo).
const CHILD = `
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
try {
  const c = await fromNodeProviderChain()();
  process.stdout.write(JSON.stringify({
    accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken,
    expiration: c.expiration ? c.expiration.toISOString() : null, accountId: c.accountId ?? null,
  }));
} catch (err) {
  process.stderr.write(String(err && err.name) + ': ' + String(err && err.message));
  process.exit(1);
}`;

function stsXml(): string {
  return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:default:s3-reader</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::${ACCOUNT}:assumed-role/s3-reader/e2e</Arn>
      <AssumedRoleId>AROAE2EFAKEROLEID0001:e2e</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>${CREDS.SessionToken}</SessionToken>
      <SecretAccessKey>${CREDS.SecretAccessKey}</SecretAccessKey>
      <Expiration>${EXPIRATION}</Expiration>
      <AccessKeyId>${CREDS.AccessKeyId}</AccessKeyId>
    </Credentials>
    <Provider>arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/E2E</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>6f1f2f3f-0000-4000-8000-00000000e2e0</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
`;
}

async function fakeSts(): Promise<FakeServer> {
  return fakeServer((req, res) => {
    const form = new URLSearchParams(req.body);
    if (req.method !== 'POST' || form.get('Action') !== 'AssumeRoleWithWebIdentity') {
      res.writeHead(400, { 'content-type': 'text/xml' }).end('<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/xml' }).end(stsXml());
  });
}

async function fakePodIdentityAgent(): Promise<FakeServer> {
  return fakeServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/v1/credentials') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      AccessKeyId: CREDS.AccessKeyId, SecretAccessKey: CREDS.SecretAccessKey, Token: CREDS.SessionToken,
      Expiration: EXPIRATION, AccountId: ACCOUNT,
    }));
  });
}

function appPod(serviceAccountName: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'app-', namespace: 'default' },
    spec: {
      serviceAccountName,
      containers: [{ name: 'app', image: 'app:1', env: [{ name: 'LOG_LEVEL', value: 'info' }] }],
    },
  };
}

type FrontDoor = 'replay' | 'serve';
const FRONT_DOORS: readonly FrontDoor[] = ['replay', 'serve'];

/** The webhook's answer to one review, from `replay` or from `serve` over TLS. */
async function webhookAnswer(t: Test, dir: string, via: FrontDoor, flags: readonly string[], review: unknown): Promise<any> {
  if (via === 'replay') {
    const { responses } = await replay(dir, flags, review);
    if (responses.length !== 1) throw new Error(`expected one response, got ${responses.length}`);
    return responses[0];
  }
  const server = await startServer(await loopbackCertificate(dir), flags);
  t.teardown(() => server.stop());
  const res = await server.post(JSON.stringify(review));
  if (res.status !== 200) throw new Error(`serve answered ${res.status}: ${res.body}`);
  t.match(res.headers['content-type'], /^application\/json/, 'served as JSON');
  return JSON.parse(res.body);
}

/** Mutates the pod with the built CLI, admits it like kube-apiserver, returns the app container. */
async function mutatedContainer(t: Test, dir: string, via: FrontDoor, flags: readonly string[], serviceAccountName: string): Promise<{ env: Record<string, string>; pod: any; container: any }> {
  const review = podReview(`uid-${serviceAccountName}`, 'default', appPod(serviceAccountName));
  const { pod } = admit(review, await webhookAnswer(t, dir, via, flags, review));
  const container = pod.spec.containers[0];
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (typeof e.value === 'string') env[e.name] = e.value;
  }
  return { env, pod, container };
}

/** Runs the real SDK default chain with exactly the injected env plus the minimum a process needs. */
async function sdkCredentials(dir: string, injected: Record<string, string>, extra: Record<string, string>): Promise<any> {
  const home = join(dir, 'home');
  await mkdir(home, { recursive: true });
  const env: Record<string, string> = {
    ...injected,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    // No real profile may be read: both files point at paths that do not exist.
    AWS_CONFIG_FILE: join(dir, 'no-such-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-such-credentials'),
    // Safety net only: should injection be wrong, the chain would end at EC2 IMDS (169.254.169.254), which is not loopback.
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
  const r = await run(process.execPath, ['--input-type=module', '-e', CHILD], { env, timeoutMs: 30000 });
  if (r.code !== 0) throw new Error(`SDK child failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function writeToken(path: string, token: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, token);
}

async function serviceAccounts(dir: string): Promise<string> {
  const file = join(dir, 'service-accounts.yaml');
  await writeFile(file, [
    'apiVersion: v1', 'kind: ServiceAccount',
    'metadata: {name: s3-reader, namespace: default, annotations: {eks.amazonaws.com/role-arn: "' + ROLE + '"}}',
    '---',
    'apiVersion: v1', 'kind: ServiceAccount', 'metadata: {name: agent, namespace: default}',
    '',
  ].join('\n'));
  return file;
}

function irsaCase(name: string, extraFlags: readonly string[], expectedEnv: Record<string, string>): void {
  for (const via of FRONT_DOORS) irsaCaseVia(name, via, extraFlags, expectedEnv);
}

function irsaCaseVia(name: string, via: FrontDoor, extraFlags: readonly string[], expectedEnv: Record<string, string>): void {
  t.test(`${name} (via ${via})`, async (t) => {
    const dir = await tempDir(t);
    const mount = join(dir, 'irsa');
    const sts = await fakeSts();
    t.teardown(() => sts.close());
    const flags = ['--service-accounts', await serviceAccounts(dir), '--token-mount-path', mount, ...extraFlags];
    const { env, pod, container } = await mutatedContainer(t, dir, via, flags, 's3-reader');

    const tokenFile = join(mount, 'token');
    t.same(env, { LOG_LEVEL: 'info', AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, ...expectedEnv },
      'exactly the IRSA env was injected next to the user\'s own');
    t.match(container.volumeMounts, [{ name: 'aws-iam-token', mountPath: mount, readOnly: true }], 'token volume mounted at --token-mount-path');
    t.match(pod.spec.volumes, [{ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', path: 'token' } }] } }]);

    // What the kubelet would write: the projected token at the mount path.
    const token = `eyJhbGciOiJSUzI1NiJ9.e2e-${via}-${name.replace(/\W+/g, '-')}.signature`;
    await writeToken(tokenFile, token);
    const creds = await sdkCredentials(dir, env, { AWS_ENDPOINT_URL_STS: sts.url });

    t.equal(sts.requests.length, 1, 'the SDK called the fake STS exactly once');
    const form = new URLSearchParams(sts.requests[0]?.body ?? '');
    t.equal(form.get('Action'), 'AssumeRoleWithWebIdentity');
    t.equal(form.get('RoleArn'), ROLE, 'STS got the injected role ARN');
    t.equal(form.get('WebIdentityToken'), token, 'STS got the content of the injected token file');
    t.ok((form.get('RoleSessionName') ?? '') !== '', 'a session name was sent');
    t.same(creds, {
      accessKeyId: CREDS.AccessKeyId, secretAccessKey: CREDS.SecretAccessKey, sessionToken: CREDS.SessionToken,
      expiration: new Date(EXPIRATION).toISOString(), accountId: creds.accountId,
    }, 'the SDK returned the credentials STS answered with');
  });
}

irsaCase('IRSA: role-arn ServiceAccount', [], {});
irsaCase('IRSA with --aws-default-region', ['--aws-default-region', 'eu-west-3'], { AWS_DEFAULT_REGION: 'eu-west-3', AWS_REGION: 'eu-west-3' });
irsaCase('IRSA with --sts-regional-endpoint', ['--sts-regional-endpoint'], { AWS_STS_REGIONAL_ENDPOINTS: 'regional' });
irsaCase('IRSA with region and regional STS', ['--aws-default-region', 'us-west-2', '--sts-regional-endpoint'],
  { AWS_DEFAULT_REGION: 'us-west-2', AWS_REGION: 'us-west-2', AWS_STS_REGIONAL_ENDPOINTS: 'regional' });

for (const via of FRONT_DOORS) t.test(`EKS Pod Identity: container credentials endpoint (via ${via})`, async (t) => {
  const dir = await tempDir(t);
  const mount = join(dir, 'pod-identity');
  const agent = await fakePodIdentityAgent();
  t.teardown(() => agent.close());
  const identities = join(dir, 'pod-identity.json');
  await writeFile(identities, JSON.stringify({ identities: [{ namespace: 'default', serviceAccount: 'agent' }] }));
  const fullUri = `${agent.url}/v1/credentials`;
  const flags = [
    '--service-accounts', await serviceAccounts(dir), '--container-credentials-config', identities,
    '--container-credentials-full-uri', fullUri, '--container-credentials-token-mount-path', mount,
  ];
  const { env, pod, container } = await mutatedContainer(t, dir, via, flags, 'agent');

  const tokenFile = join(mount, 'eks-pod-identity-token');
  t.same(env, { LOG_LEVEL: 'info', AWS_CONTAINER_CREDENTIALS_FULL_URI: fullUri, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile },
    'exactly the container-credentials env was injected');
  t.equal(pod.metadata.labels?.['eks.amazonaws.com/pod-identity'], 'enabled', 'pod labelled for EKS Pod Identity');
  t.match(container.volumeMounts, [{ name: 'eks-pod-identity-token', mountPath: mount, readOnly: true }]);
  t.match(pod.spec.volumes, [{ name: 'eks-pod-identity-token', projected: { sources: [{ serviceAccountToken: { audience: 'pods.eks.amazonaws.com', path: 'eks-pod-identity-token' } }] } }]);

  const token = `eyJhbGciOiJSUzI1NiJ9.e2e-pod-identity-${via}.signature`;
  await writeToken(tokenFile, token);
  const creds = await sdkCredentials(dir, env, {});

  t.equal(agent.requests.length, 1, 'the SDK called the fake Pod Identity Agent exactly once');
  const req = agent.requests[0] as Recorded;
  t.equal(req.method, 'GET');
  t.equal(req.url, '/v1/credentials');
  t.equal(req.headers.authorization, token, 'Authorization carried the token file\'s content');
  t.same(creds, {
    accessKeyId: CREDS.AccessKeyId, secretAccessKey: CREDS.SecretAccessKey, sessionToken: CREDS.SessionToken,
    // credential-provider-http does not surface AccountId (yet), so it is not compared.
    expiration: new Date(EXPIRATION).toISOString(), accountId: creds.accountId,
  }, 'the SDK returned the agent\'s credentials');
});
