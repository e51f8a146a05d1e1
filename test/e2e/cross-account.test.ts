// Cross-account roles by chained AssumeRole (issue 13), proved with the real
// AWS SDK. The built CLI mutates a pod (through `replay`, and through `serve`
// over TLS); the pod is admitted as kube-apiserver would; the token volume is
// laid out as the kubelet would lay it out (the token at its path, the config
// file holding the annotation's text the downwardAPI source names); then the
// SDK's default chain runs in a child process whose env is exactly the
// container's, against a fake STS on loopback that checks both hops: the
// token for role A, then AssumeRole for role B signed with A's session.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
import { admit } from '../helpers/apiserver.js';
import { startFakeSts, type FakeSts, type IssuedCredentials } from '../helpers/fake-sts.js';
import { loopbackCertificate, startServer, type RunningServer } from './server.js';
import { podReview, replay, run, tempDir } from './support.js';

type Obj = Record<string, any>;

const ROLE_A = 'arn:aws:iam::111122223333:role/reporter';
const ROLE_B = 'arn:aws:iam::444455556666:role/billing-reader';
const EXTERNAL_ID = 'finance-reporter-7f3a';
const SESSION = 'finance-reporter';
const PREFIX = 'eks.amazonaws.com';
/** What the uploader image ships in ~/.aws/config: its own profile, which the webhook must not displace. */
const OWN_KEYS = { accessKeyId: 'AKIAUPLOADERIMAGE001', secretAccessKey: 'uploader/own/secret/000000000000000000000' };

const SDK = import.meta.resolve('@aws-sdk/credential-providers');
// The child runs in a scratch directory (a Windows pod's paths are file names there), so the SDK is imported by URL.
const CHILD = `
import { fromNodeProviderChain } from ${JSON.stringify(SDK)};
try {
  const c = await fromNodeProviderChain()();
  process.stdout.write(JSON.stringify({
    accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken ?? null,
    expiration: c.expiration ? c.expiration.toISOString() : null,
  }));
} catch (err) {
  process.stderr.write(String(err && err.name) + ': ' + String(err && err.message));
  process.exit(1);
}`;

async function serviceAccounts(dir: string): Promise<string> {
  const file = join(dir, 'service-accounts.yaml');
  await writeFile(file, JSON.stringify({
    apiVersion: 'v1', kind: 'List', items: [{
      apiVersion: 'v1', kind: 'ServiceAccount',
      metadata: {
        name: 'reporter', namespace: 'finance', annotations: {
          [`${PREFIX}/role-arn`]: ROLE_A,
          [`${PREFIX}/target-role-arn`]: ROLE_B,
          [`${PREFIX}/target-role-external-id`]: EXTERNAL_ID,
          [`${PREFIX}/role-session-name`]: SESSION,
        },
      },
    }],
  }));
  return file;
}

function reporterPod(windows: boolean): Obj {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { generateName: 'reporter-', namespace: 'finance' },
    spec: {
      serviceAccountName: 'reporter',
      ...(windows ? { nodeSelector: { 'kubernetes.io/os': 'windows' } } : {}),
      containers: [
        { name: 'app', image: 'reporter:2', env: [{ name: 'LOG_LEVEL', value: 'info' }] },
        { name: 'uploader', image: 'uploader:1', env: [{ name: 'AWS_PROFILE', value: 'uploads' }] },
      ],
    },
  };
}

type FrontDoor = 'replay' | 'serve';

/** Answers reviews through one front door; `serve` is started once and reused, as kube-apiserver reuses it. */
function frontDoor(t: Test, dir: string, via: FrontDoor, flags: readonly string[]): (review: unknown) => Promise<Obj> {
  let server: RunningServer | undefined;
  return async (review) => {
    if (via === 'replay') {
      const { responses } = await replay(dir, flags, review);
      if (responses.length !== 1) throw new Error(`expected one response, got ${responses.length}`);
      return responses[0];
    }
    if (!server) {
      server = await startServer(await loopbackCertificate(dir), flags);
      const started = server;
      t.teardown(() => started.stop());
    }
    const res = await server.post(JSON.stringify(review));
    if (res.status !== 200) throw new Error(`serve answered ${res.status}: ${res.body}`);
    return JSON.parse(res.body);
  };
}

function envOf(container: Obj): Record<string, string> {
  return Object.fromEntries((container.env ?? []).filter((e: Obj) => typeof e.value === 'string').map((e: Obj) => [e.name, e.value]));
}

/** A path inside the container as a file the child can open: itself on Linux; on Windows a name in the child's directory. */
function local(cwd: string, path: string, windows: boolean): string {
  return windows ? join(cwd, `C:${path.replace(/\//g, '\\')}`) : path;
}

/**
 * What the kubelet writes for the container's mount of the token volume: each
 * projected source's file under the mount path, the downwardAPI one holding the
 * annotation its fieldRef names.
 */
async function kubeletLayout(pod: Obj, container: Obj, cwd: string, windows: boolean, token: string): Promise<void> {
  const mount = (container.volumeMounts as Obj[]).find((m) => m.name === 'aws-iam-token');
  if (!mount) throw new Error('the token volume is not mounted');
  const volume = (pod.spec.volumes as Obj[]).find((v) => v.name === 'aws-iam-token');
  if (!volume) throw new Error('no token volume');
  for (const source of volume.projected.sources as Obj[]) {
    const files: Array<[string, string]> = [];
    if (source.serviceAccountToken) files.push([source.serviceAccountToken.path, token]);
    for (const item of source.downwardAPI?.items ?? []) {
      const key = /^metadata\.annotations\['(.+)'\]$/.exec(item.fieldRef.fieldPath)?.[1];
      if (!key) throw new Error(`unexpected fieldPath ${item.fieldRef.fieldPath}`);
      files.push([item.path, pod.metadata.annotations[key]]);
    }
    for (const [path, text] of files) {
      const file = local(cwd, `${mount.mountPath.replace(/\/+$/, '')}/${path}`, windows);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
    }
  }
}

/** The real SDK default chain with exactly the container's env, plus what a process needs and the fake endpoint. */
async function sdkCredentials(cwd: string, home: string, env: Record<string, string>, sts: FakeSts): Promise<Obj> {
  const r = await run(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd,
    timeoutMs: 30000,
    env: {
      ...env,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'no-such-credentials'),
      // Should the chain be wrong it must fail here, not reach EC2 instance metadata.
      AWS_EC2_METADATA_DISABLED: 'true',
      // Both hops' STS client honours it (AssumeRoleWithWebIdentity and AssumeRole alike).
      AWS_ENDPOINT_URL_STS: sts.url,
    },
  });
  if (r.code !== 0) throw new Error(`SDK child failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

interface Case {
  readonly name: string;
  readonly flags: readonly string[];
  readonly windows: boolean;
  /** The region the second hop must be signed for; undefined: not checked. */
  readonly region?: string;
  readonly extraEnv: Record<string, string>;
}

const CASES: readonly Case[] = [
  { name: 'chained roles', flags: [], windows: false, extraEnv: {} },
  { name: 'chained roles with --aws-default-region and --sts-regional-endpoint', flags: ['--aws-default-region', 'eu-west-1', '--sts-regional-endpoint'],
    windows: false, region: 'eu-west-1', extraEnv: { AWS_DEFAULT_REGION: 'eu-west-1', AWS_REGION: 'eu-west-1', AWS_STS_REGIONAL_ENDPOINTS: 'regional' } },
  { name: 'chained roles on a Windows pod', flags: [], windows: true, extraEnv: {} },
];

for (const c of CASES) {
  for (const via of ['replay', 'serve'] as const) {
    t.test(`${c.name} (via ${via})`, async (t) => {
      const dir = await tempDir(t, 'piw-xacct-');
      const cwd = join(dir, 'cwd');
      const home = join(dir, 'home');
      await mkdir(join(home, '.aws'), { recursive: true });
      await mkdir(cwd, { recursive: true });
      await writeFile(join(home, '.aws', 'config'), `[profile uploads]\naws_access_key_id = ${OWN_KEYS.accessKeyId}\naws_secret_access_key = ${OWN_KEYS.secretAccessKey}\n`);
      const token = `eyJhbGciOiJSUzI1NiJ9.xacct-${via}-${c.windows ? 'win' : 'linux'}.signature`;

      const sts = await startFakeSts({
        verifyToken: ({ roleArn, token: got }) => (roleArn === ROLE_A && got === token
          ? { ok: true, subject: 'system:serviceaccount:finance:reporter' }
          : { ok: false, message: `role ${roleArn} does not trust this token` }),
        // Account B's trust policy: account A's role as Principal.AWS, sts:AssumeRole, sts:ExternalId.
        trust: ({ caller, roleArn, externalId }) => (caller.roleArn === ROLE_A && roleArn === ROLE_B && externalId === EXTERNAL_ID
          ? { ok: true }
          : { ok: false, message: `trusts ${ROLE_A} with ExternalId ${EXTERNAL_ID} only` }),
        ...(c.region ? { region: c.region } : {}),
      });
      t.teardown(() => sts.close());

      const mountPath = c.windows ? '/var/run/secrets/eks.amazonaws.com/serviceaccount' : join(dir, 'irsa');
      const flags = ['--service-accounts', await serviceAccounts(dir), ...(c.windows ? [] : ['--token-mount-path', mountPath]), ...c.flags];
      const answer = frontDoor(t, dir, via, flags);
      const review = podReview(`uid-xacct-${via}`, 'finance', reporterPod(c.windows));
      const response = await answer(review);
      const { pod, warnings } = admit(review, response);

      // What the pod ends up with.
      const configFile = c.windows ? 'C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\aws-config' : `${mountPath}/aws-config`;
      const tokenFile = c.windows ? 'C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token' : `${mountPath}/token`;
      const [app, uploader] = pod.spec.containers as Obj[];
      t.same(envOf(app ?? {}), { LOG_LEVEL: 'info', ...c.extraEnv, AWS_CONFIG_FILE: configFile, AWS_PROFILE: 'irsa-target' },
        'the app container gets the config file and the target profile, and no first-hop variables');
      t.same(envOf(uploader ?? {}), { AWS_PROFILE: 'uploads', ...c.extraEnv }, 'the uploader keeps its own AWS_PROFILE');
      t.match(warnings, [/container "uploader" already sets AWS_PROFILE/], 'and the response says so');
      const text: string = pod.metadata.annotations[`${PREFIX}/aws-config`];
      t.match(text, `web_identity_token_file = ${tokenFile}\n`, 'the config names the token in the pod\'s own path form');
      t.match(text, `[profile irsa-target]\nrole_arn = ${ROLE_B}\nsource_profile = irsa-source\nexternal_id = ${EXTERNAL_ID}\nrole_session_name = ${SESSION}\n`);

      // The app container: both hops, and role B's credentials.
      await kubeletLayout(pod, app ?? {}, cwd, c.windows, token);
      const creds = await sdkCredentials(cwd, home, envOf(app ?? {}), sts);
      t.same(sts.calls.map((x) => `${x.action} ${x.status}`), ['AssumeRoleWithWebIdentity 200', 'AssumeRole 200'], 'two STS calls, both answered');
      const [first, second] = sts.calls;
      t.same({ role: first?.params.RoleArn, token: first?.params.WebIdentityToken, session: first?.params.RoleSessionName },
        { role: ROLE_A, token, session: SESSION }, 'hop 1: the token traded for role A');
      const hopA = first?.issued as IssuedCredentials;
      t.same({ role: second?.params.RoleArn, externalId: second?.params.ExternalId, session: second?.params.RoleSessionName },
        { role: ROLE_B, externalId: EXTERNAL_ID, session: SESSION }, 'hop 2: AssumeRole into role B with the ExternalId and the session name');
      t.equal(second?.signature?.valid, true, `hop 2 is SigV4-signed, checked with role A's issued secret${second?.signature?.problem ? `: ${second.signature.problem}` : ''}`);
      t.equal(second?.signature?.accessKeyId, hopA.accessKeyId, 'with role A\'s access key');
      if (c.region) t.equal(second?.signature?.region, c.region, 'for the injected region');
      const hopB = second?.issued as IssuedCredentials;
      t.same(creds, {
        accessKeyId: hopB.accessKeyId, secretAccessKey: hopB.secretAccessKey, sessionToken: hopB.sessionToken,
        expiration: new Date(hopB.expiration).toISOString(),
      }, 'the SDK returned role B\'s credentials');

      // The uploader: its own profile, and STS is not asked anything more.
      const own = await sdkCredentials(cwd, home, envOf(uploader ?? {}), sts);
      t.same({ accessKeyId: own.accessKeyId, secretAccessKey: own.secretAccessKey }, OWN_KEYS, 'the uploader\'s SDK uses its own profile');
      t.equal(sts.calls.length, 2, 'and calls no STS');

      // Reinvocation (reinvocationPolicy: IfNeeded): the mutated pod through the same door adds nothing.
      const rereview = podReview(`uid-xacct-${via}-again`, 'finance', pod);
      const again = await answer(rereview);
      t.equal(again.response.patch, undefined, 'a second pass adds nothing, the annotation included');
      t.same(admit(rereview, again).pod, pod);
    });
  }
}
