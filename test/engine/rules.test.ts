// One row per engine rule and edge (issue 2, rules 1-10). Each row runs the
// engine, applies its patch and validates the pod as the API server would.

import t, { type Test } from 'tap';
import type { EngineConfig } from '../../src/engine/config.js';
import type { IdentityLookup } from '../../src/engine/identity.js';
import { env, irsa, mounts, pod, ROLE, run, sa } from '../helpers/engine.js';

type Obj = Record<string, any>;

interface Row {
  name: string;
  pod?: Obj;
  lookup: IdentityLookup;
  config?: Partial<EngineConfig>;
  random?: () => number;
  check: (tt: Tap, out: ReturnType<typeof run>) => void;
}
type Tap = Test;

const P = 'eks.amazonaws.com';
const cc = (annotations: Record<string, string> = {}): IdentityLookup => ({ serviceAccount: sa(annotations), podIdentity: true });
const vol = (p: Obj, name = 'aws-iam-token') => (p.spec.volumes ?? []).find((v: Obj) => v.name === name);
const token = (p: Obj, name = 'aws-iam-token') => vol(p, name)?.projected.sources[0].serviceAccountToken;
const codes = (out: ReturnType<typeof run>) => out.result.warnings.map((w) => w.code);
const TARGET = 'arn:aws:iam::444455556666:role/b';
const chain = (annotations: Record<string, string> = {}): IdentityLookup => irsa({ [`${P}/role-arn`]: ROLE, [`${P}/target-role-arn`]: TARGET, ...annotations });
const awsConfig = (p: Obj, prefix = P): string => p.metadata?.annotations?.[`${prefix}/aws-config`] ?? '';
/** The key = value lines of the source and the target profile. */
const profiles = (p: Obj, prefix = P): string[][] => awsConfig(p, prefix).split(/^\[profile [^\]]+\]$/m).slice(1)
  .map((section) => section.split('\n').filter((l) => l !== ''));

const rows: Row[] = [
  // --- rule 1: where settings come from ---
  { name: '1a Pod Identity file wins over a role-arn annotation', lookup: cc({ [`${P}/role-arn`]: ROLE }),
    check: (tt, o) => {
      tt.equal(o.result.mode, 'pod-identity');
      tt.equal(env(o.pod).AWS_ROLE_ARN, undefined);
      tt.equal(env(o.pod).AWS_CONTAINER_CREDENTIALS_FULL_URI, 'http://169.254.170.23/v1/credentials');
    } },
  { name: '1b ServiceAccount role-arn gives IRSA', lookup: irsa(),
    check: (tt, o) => {
      tt.equal(o.result.mode, 'irsa');
      tt.equal(o.result.plan?.source, 'service-account');
      tt.equal(env(o.pod).AWS_ROLE_ARN, ROLE);
    } },
  { name: '1b an empty role-arn annotation is no role', lookup: irsa({ [`${P}/role-arn`]: '' }),
    check: (tt, o) => {
      tt.same(o.result.operations, []);
      tt.equal(o.result.reason, 'ServiceAccount default/app has an empty eks.amazonaws.com/role-arn annotation', 'empty, not missing');
    } },
  { name: '1b a ServiceAccount without role-arn is reported as missing', lookup: irsa({}),
    check: (tt, o) => tt.equal(o.result.reason, 'ServiceAccount default/app has no eks.amazonaws.com/role-arn annotation') },
  { name: '1c ConfigMap entry when the ServiceAccount has no role-arn',
    lookup: { serviceAccount: sa({}), configMap: { RoleARN: ROLE, Audience: 'aud-cm', TokenExpiration: 3600 }, podIdentity: false },
    check: (tt, o) => {
      tt.equal(o.result.plan?.source, 'config-map');
      tt.equal(env(o.pod).AWS_ROLE_ARN, ROLE);
      tt.equal(token(o.pod).audience, 'aud-cm');
      tt.equal(token(o.pod).expirationSeconds, 3600);
    } },
  { name: '1c ConfigMap TokenExpiration 0 means the flag default',
    lookup: { configMap: { RoleARN: ROLE, TokenExpiration: 0 }, podIdentity: false }, config: { tokenExpiration: 7200 },
    check: (tt, o) => tt.equal(token(o.pod).expirationSeconds, 7200) },
  { name: '1c ConfigMap UseRegionalSTS true injects the STS variable',
    lookup: { configMap: { RoleARN: ROLE, UseRegionalSTS: true }, podIdentity: false },
    check: (tt, o) => tt.equal(env(o.pod).AWS_STS_REGIONAL_ENDPOINTS, 'regional') },
  { name: '1b ServiceAccount role-arn wins over the ConfigMap',
    lookup: { serviceAccount: sa(), configMap: { RoleARN: 'arn:aws:iam::999999999999:role/other' }, podIdentity: false },
    check: (tt, o) => tt.equal(env(o.pod).AWS_ROLE_ARN, ROLE) },
  { name: '1d unknown ServiceAccount: no mutation, reason says not found', lookup: { podIdentity: false },
    check: (tt, o) => {
      tt.same(o.result.operations, []);
      tt.equal(o.result.reason, 'ServiceAccount default/app not found');
    } },

  // --- rule 2: IRSA values ---
  { name: '2 audience from the ServiceAccount annotation', lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/audience`]: 'my-aud' }),
    check: (tt, o) => tt.equal(token(o.pod).audience, 'my-aud') },
  { name: '2 audience defaults to --token-audience', lookup: irsa(), config: { tokenAudience: 'flag-aud' },
    check: (tt, o) => tt.equal(token(o.pod).audience, 'flag-aud') },
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((v): Row => ({
    name: `2 sts-regional-endpoints "${v}" is true`, lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/sts-regional-endpoints`]: v }),
    check: (tt, o) => tt.equal(env(o.pod).AWS_STS_REGIONAL_ENDPOINTS, 'regional') })),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((v): Row => ({
    name: `2 sts-regional-endpoints "${v}" is false even with the flag on`, config: { stsRegionalEndpoint: true },
    lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/sts-regional-endpoints`]: v }),
    check: (tt, o) => tt.equal(env(o.pod).AWS_STS_REGIONAL_ENDPOINTS, undefined) })),
  { name: '2 invalid sts-regional-endpoints falls back to the flag (on)', config: { stsRegionalEndpoint: true },
    lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/sts-regional-endpoints`]: 'yes' }),
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_STS_REGIONAL_ENDPOINTS, 'regional');
      tt.same(codes(o), ['W_STS_REGIONAL_ENDPOINTS_INVALID']);
      tt.match(o.result.warnings[0]?.message, /annotation sts-regional-endpoints "yes" is not true or false; using --sts-regional-endpoint \(true\)/);
    } },
  { name: '2 invalid sts-regional-endpoints falls back to the flag (off)',
    lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/sts-regional-endpoints`]: 'yes' }),
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_STS_REGIONAL_ENDPOINTS, undefined);
      tt.same(codes(o), ['W_STS_REGIONAL_ENDPOINTS_INVALID']);
    } },
  { name: '2 an invalid sts-regional-endpoints warns in Pod Identity mode too', lookup: cc({ [`${P}/sts-regional-endpoints`]: '' }),
    check: (tt, o) => tt.same(codes(o), ['W_STS_REGIONAL_ENDPOINTS_INVALID']) },
  { name: '2 a valid sts-regional-endpoints does not warn', lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/sts-regional-endpoints`]: 'True' }),
    check: (tt, o) => tt.same(codes(o), []) },
  { name: '2 expiration: flag default 86400', lookup: irsa(),
    check: (tt, o) => tt.equal(token(o.pod).expirationSeconds, 86400) },
  { name: '2 expiration: ServiceAccount annotation beats the flag', lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/token-expiration`]: '3600' }),
    check: (tt, o) => tt.equal(token(o.pod).expirationSeconds, 3600) },
  { name: '2 expiration: pod annotation beats the ServiceAccount',
    pod: pod({}, { annotations: { [`${P}/token-expiration`]: '1800' } }),
    lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/token-expiration`]: '3600' }),
    check: (tt, o) => tt.equal(token(o.pod).expirationSeconds, 1800) },
  { name: '2 expiration: a pod annotation that is not an integer is ignored (SA value used) with a warning',
    pod: pod({}, { annotations: { [`${P}/token-expiration`]: '1h' } }),
    lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/token-expiration`]: '3600' }),
    check: (tt, o) => {
      tt.equal(token(o.pod).expirationSeconds, 3600);
      tt.same(codes(o), ['W_TOKEN_EXPIRATION_NOT_INTEGER']);
    } },
  { name: '2 expiration: a ServiceAccount value that is not an integer falls back to the flag',
    lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/token-expiration`]: '36OO' }),
    check: (tt, o) => {
      tt.equal(token(o.pod).expirationSeconds, 86400);
      tt.same(codes(o), ['W_TOKEN_EXPIRATION_NOT_INTEGER']);
    } },
  { name: '2 expiration: below 600 becomes 600 with a warning',
    pod: pod({}, { annotations: { [`${P}/token-expiration`]: '60' } }), lookup: irsa(),
    check: (tt, o) => {
      tt.equal(token(o.pod).expirationSeconds, 600);
      tt.same(codes(o), ['W_TOKEN_EXPIRATION_RAISED']);
    } },
  { name: '2 expiration: negative becomes 600', pod: pod({}, { annotations: { [`${P}/token-expiration`]: '-5' } }), lookup: irsa(),
    check: (tt, o) => tt.equal(token(o.pod).expirationSeconds, 600) },
  { name: '2 expiration: above 2^32 becomes 2^32 with a warning (the API server refuses more)',
    pod: pod({}, { annotations: { [`${P}/token-expiration`]: '4294967297' } }), lookup: irsa(),
    check: (tt, o) => {
      tt.equal(token(o.pod).expirationSeconds, 4294967296);
      tt.same(codes(o), ['W_TOKEN_EXPIRATION_LOWERED']);
    } },
  { name: '2 expiration: a ConfigMap value above 2^32 is capped too',
    lookup: { configMap: { RoleARN: ROLE, TokenExpiration: 99999999999 }, podIdentity: false },
    check: (tt, o) => tt.equal(token(o.pod).expirationSeconds, 4294967296) },
  { name: '2 expiration: exactly 600 is kept without warning', pod: pod({}, { annotations: { [`${P}/token-expiration`]: '600' } }), lookup: irsa(),
    check: (tt, o) => {
      tt.equal(token(o.pod).expirationSeconds, 600);
      tt.same(codes(o), []);
    } },
  { name: '2 annotation prefix is configurable', config: { annotationPrefix: 'example.com' },
    lookup: { serviceAccount: sa({ 'example.com/role-arn': ROLE }), podIdentity: false },
    check: (tt, o) => tt.equal(env(o.pod).AWS_ROLE_ARN, ROLE) },

  // --- rule 3: container credentials ---
  { name: '3 container credentials: env, volume, mount and label', lookup: cc(),
    check: (tt, o) => {
      const e = env(o.pod);
      tt.equal(e.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token');
      tt.same(mounts(o.pod), [{ name: 'eks-pod-identity-token', readOnly: true, mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount' }]);
      const tok = token(o.pod, 'eks-pod-identity-token');
      tt.equal(tok.audience, 'pods.eks.amazonaws.com');
      tt.equal(tok.path, 'eks-pod-identity-token');
      tt.equal(o.pod.metadata.labels['eks.amazonaws.com/pod-identity'], 'enabled');
    } },
  { name: '3 container credentials: flags change URI, audience, paths and volume name', lookup: cc(),
    config: { containerCredentials: { audience: 'a', fullUri: 'http://127.0.0.1:1/c', volumeName: 'v', tokenPath: 'tp', mountPath: '/m' } },
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_CONTAINER_CREDENTIALS_FULL_URI, 'http://127.0.0.1:1/c');
      tt.equal(env(o.pod).AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, '/m/tp');
      tt.same(token(o.pod, 'v'), { audience: 'a', expirationSeconds: 82800, path: 'tp' });
    } },
  { name: '3 default expiration 86400 gets jitter: random 0 → 79200', lookup: cc(), random: () => 0,
    check: (tt, o) => {
      tt.equal(token(o.pod, 'eks-pod-identity-token').expirationSeconds, 79200);
      tt.same(o.result.plan?.expirationRange, [79200, 86400], 'the plan says the lifetime was drawn at random');
    } },
  { name: '3 default expiration 86400 gets jitter: random just below 1 → 86400', lookup: cc(), random: () => 0.9999999,
    check: (tt, o) => tt.equal(token(o.pod, 'eks-pod-identity-token').expirationSeconds, 86400) },
  { name: '3 a non-default expiration from the ServiceAccount has no jitter', lookup: cc({ [`${P}/token-expiration`]: '7200' }), random: () => 0,
    check: (tt, o) => {
      tt.equal(token(o.pod, 'eks-pod-identity-token').expirationSeconds, 7200);
      tt.equal(o.result.plan?.expirationRange, undefined);
    } },
  { name: '3 pod annotation overrides the expiration', lookup: cc(), random: () => 0,
    pod: pod({}, { annotations: { [`${P}/token-expiration`]: '4000' } }),
    check: (tt, o) => tt.equal(token(o.pod, 'eks-pod-identity-token').expirationSeconds, 4000) },
  { name: '3 regional STS from the ServiceAccount annotation', lookup: cc({ [`${P}/sts-regional-endpoints`]: 'true' }),
    check: (tt, o) => tt.equal(env(o.pod).AWS_STS_REGIONAL_ENDPOINTS, 'regional') },
  { name: '3 Pod Identity without a known ServiceAccount uses defaults', lookup: { podIdentity: true },
    check: (tt, o) => tt.ok(env(o.pod).AWS_CONTAINER_CREDENTIALS_FULL_URI) },
  { name: '3 label added beside existing labels', lookup: cc(), pod: pod({}, { labels: { app: 'x' } }),
    check: (tt, o) => tt.same(o.pod.metadata.labels, { app: 'x', 'eks.amazonaws.com/pod-identity': 'enabled' }) },
  { name: '3 label already enabled: no label operation', lookup: cc(), pod: pod({}, { labels: { 'eks.amazonaws.com/pod-identity': 'enabled' } }),
    check: (tt, o) => tt.notOk(o.result.operations.some((op) => op.path.startsWith('/metadata'))) },

  // --- rule 4: per container ---
  { name: '4 init containers (native sidecars) are injected and keep restartPolicy', lookup: irsa(),
    pod: pod({ initContainers: [{ name: 'sidecar', image: 's', restartPolicy: 'Always', futureField: { x: 1 } }] }),
    check: (tt, o) => {
      tt.equal(env(o.pod, 0, 'initContainers').AWS_ROLE_ARN, ROLE);
      tt.equal(o.pod.spec.initContainers[0].restartPolicy, 'Always');
      tt.same(o.pod.spec.initContainers[0].futureField, { x: 1 });
    } },
  { name: '4 skip-containers skips the named containers (spaces tolerated)', lookup: irsa(),
    pod: pod({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }, { annotations: { [`${P}/skip-containers`]: 'a, c' } }),
    check: (tt, o) => {
      tt.same(env(o.pod, 0), {});
      tt.equal(env(o.pod, 1).AWS_ROLE_ARN, ROLE);
      tt.same(env(o.pod, 2), {});
      tt.same(mounts(o.pod, 0), []);
      tt.ok(vol(o.pod), 'the volume is still added');
    } },
  { name: '4 STS variable not duplicated when present', lookup: irsa(), config: { stsRegionalEndpoint: true },
    pod: pod({ containers: [{ name: 'a', env: [{ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'legacy' }] }] }),
    check: (tt, o) => tt.equal(env(o.pod).AWS_STS_REGIONAL_ENDPOINTS, 'legacy') },
  { name: '4 region: both variables added when neither is present', lookup: irsa(), config: { awsDefaultRegion: 'eu-west-1' },
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_DEFAULT_REGION, 'eu-west-1');
      tt.equal(env(o.pod).AWS_REGION, 'eu-west-1');
    } },
  { name: '4 region: nothing added when AWS_REGION is present', lookup: irsa(), config: { awsDefaultRegion: 'eu-west-1' },
    pod: pod({ containers: [{ name: 'a', env: [{ name: 'AWS_REGION', value: 'us-east-2' }] }] }),
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_DEFAULT_REGION, undefined);
      tt.equal(env(o.pod).AWS_REGION, 'us-east-2');
    } },
  { name: '4 region: nothing added when AWS_DEFAULT_REGION is present', lookup: irsa(), config: { awsDefaultRegion: 'eu-west-1' },
    pod: pod({ containers: [{ name: 'a', env: [{ name: 'AWS_DEFAULT_REGION', value: 'us-east-2' }] }] }),
    check: (tt, o) => tt.equal(env(o.pod).AWS_REGION, undefined) },
  { name: '4 identity: neither added when AWS_ROLE_ARN is already set', lookup: irsa(),
    pod: pod({ containers: [{ name: 'a', env: [{ name: 'AWS_ROLE_ARN', value: 'mine' }] }] }),
    check: (tt, o) => {
      tt.same(env(o.pod), { AWS_ROLE_ARN: 'mine' });
      tt.equal(mounts(o.pod).length, 1, 'mount still added');
      const c = o.result.containers[0];
      tt.same(c?.present, ['AWS_ROLE_ARN']);
      tt.same(c?.notAdded.map((n) => n.what), ['AWS_WEB_IDENTITY_TOKEN_FILE']);
      tt.match(c?.notAdded[0]?.why, /sets AWS_ROLE_ARN, and the identity variables are added only to a container that sets none of them/);
    } },
  { name: '4 identity: neither added when AWS_WEB_IDENTITY_TOKEN_FILE is already set', lookup: irsa(),
    pod: pod({ containers: [{ name: 'a', env: [{ name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/t' }] }] }),
    check: (tt, o) => tt.same(env(o.pod), { AWS_WEB_IDENTITY_TOKEN_FILE: '/t' }) },
  { name: '4 mount not added when a mount of that volume exists', lookup: irsa(),
    pod: pod({ volumes: [{ name: 'aws-iam-token', emptyDir: {} }], containers: [{ name: 'a', volumeMounts: [{ name: 'aws-iam-token', mountPath: '/elsewhere' }] }] }),
    check: (tt, o) => tt.same(mounts(o.pod), [{ name: 'aws-iam-token', mountPath: '/elsewhere' }]) },
  { name: '4 upstream quirk: identity, region and STS all present → container untouched (no mount)', lookup: irsa(),
    pod: pod({ containers: [{ name: 'a', env: [{ name: 'AWS_ROLE_ARN', value: 'r' }, { name: 'AWS_REGION', value: 'x' }, { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' }] }] }),
    check: (tt, o) => {
      tt.same(mounts(o.pod), []);
      const c = o.result.containers[0];
      tt.equal(c?.outcome, 'already-configured');
      tt.same(c?.present, ['AWS_STS_REGIONAL_ENDPOINTS', 'AWS_REGION', 'AWS_ROLE_ARN'], 'exactly what is there');
      tt.same(c?.notAdded.map((n) => n.what), ['AWS_WEB_IDENTITY_TOKEN_FILE', 'volumeMount'], 'exactly what is not');
      tt.match(c?.notAdded[0]?.why, /left alone \(as upstream does\)/);
    } },
  { name: '4 a mountPath already used by another volume is left alone with a warning', lookup: irsa(),
    pod: pod({ volumes: [{ name: 'x', emptyDir: {} }], containers: [{ name: 'a', volumeMounts: [{ name: 'x', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' }] }] }),
    check: (tt, o) => {
      tt.equal(mounts(o.pod).length, 1);
      tt.same(codes(o), ['W_MOUNT_PATH_IN_USE']);
      tt.same(o.result.containers[0]?.notAdded, [{ what: 'volumeMount', why: 'something else is mounted at /var/run/secrets/eks.amazonaws.com/serviceaccount' }]);
    } },

  // --- rule 5: token file ---
  { name: '5 token file from a custom --token-mount-path', lookup: irsa(), config: { tokenMountPath: '/custom/dir/' },
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_WEB_IDENTITY_TOKEN_FILE, '/custom/dir/token');
      tt.equal(mounts(o.pod)[0]?.mountPath, '/custom/dir/');
    } },
  { name: '5 Windows (kubernetes.io/os) gets a C:\\ token path', lookup: irsa(),
    pod: pod({ nodeSelector: { 'kubernetes.io/os': 'windows' } }),
    check: (tt, o) => tt.equal(env(o.pod).AWS_WEB_IDENTITY_TOKEN_FILE, 'C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token') },
  { name: '5 Windows (beta.kubernetes.io/os) gets a C:\\ token path', lookup: cc(),
    pod: pod({ nodeSelector: { 'beta.kubernetes.io/os': 'windows' } }),
    check: (tt, o) => tt.equal(env(o.pod).AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, 'C:\\var\\run\\secrets\\pods.eks.amazonaws.com\\serviceaccount\\eks-pod-identity-token') },
  { name: '5 Linux nodeSelector keeps the POSIX path', lookup: irsa(), pod: pod({ nodeSelector: { 'kubernetes.io/os': 'linux' } }),
    check: (tt, o) => tt.equal(env(o.pod).AWS_WEB_IDENTITY_TOKEN_FILE, '/var/run/secrets/eks.amazonaws.com/serviceaccount/token') },

  // --- rule 6: the volume ---
  { name: '6 the token volume goes first', lookup: irsa(), pod: pod({ volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', emptyDir: {} }] }),
    check: (tt, o) => tt.same(o.pod.spec.volumes.map((v: Obj) => v.name), ['aws-iam-token', 'a', 'b']) },
  { name: '6 volumes array created when missing', lookup: irsa(),
    check: (tt, o) => tt.same(o.pod.spec.volumes, [{ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } }]) },
  { name: '6 a volume of that name already present is kept as is', lookup: irsa(),
    pod: pod({ volumes: [{ name: 'aws-iam-token', emptyDir: {} }] }),
    check: (tt, o) => tt.same(o.pod.spec.volumes, [{ name: 'aws-iam-token', emptyDir: {} }]) },

  // --- rule 7: composed ARNs ---
  { name: '7 a role name is composed into an ARN', lookup: irsa({ [`${P}/role-arn`]: 'app-role' }),
    config: { composeRoleArn: { accountId: '123456789012', partition: 'aws-cn' } },
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_ROLE_ARN, 'arn:aws-cn:iam::123456789012:role/app-role');
      tt.same(codes(o), []);
    } },
  { name: '7 a role path is composed into an ARN', lookup: irsa({ [`${P}/role-arn`]: 'team/app-role' }),
    config: { composeRoleArn: { accountId: '123456789012', partition: 'aws' } },
    check: (tt, o) => tt.equal(env(o.pod).AWS_ROLE_ARN, 'arn:aws:iam::123456789012:role/team/app-role') },
  { name: '7 a full ARN is kept when composing', lookup: irsa(), config: { composeRoleArn: { accountId: '123456789012', partition: 'aws' } },
    check: (tt, o) => tt.equal(env(o.pod).AWS_ROLE_ARN, ROLE) },
  { name: '7 without --compose-role-arn a name is injected as is, with a warning', lookup: irsa({ [`${P}/role-arn`]: 'app-role' }),
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_ROLE_ARN, 'app-role');
      tt.same(codes(o), ['W_ROLE_ARN_FORMAT']);
    } },

  // --- rule 10: warnings ---
  { name: '10 skip-containers naming a missing container warns', lookup: irsa(),
    pod: pod({}, { annotations: { [`${P}/skip-containers`]: 'ghost' } }),
    check: (tt, o) => tt.same(codes(o), ['W_SKIP_UNKNOWN_CONTAINER']) },
  { name: '10 warnings stay under 256 characters even for huge values', lookup: irsa({ [`${P}/role-arn`]: 'x'.repeat(5000) }),
    pod: pod({}, { annotations: { [`${P}/skip-containers`]: 'y'.repeat(5000), [`${P}/token-expiration`]: 'z'.repeat(5000) } }),
    check: (tt, o) => {
      tt.equal(o.result.warnings.length, 3);
      for (const w of o.result.warnings) tt.ok(w.message.length < 256, w.code);
    } },
  { name: '10 the cross-account warnings stay under 256 characters for huge values and a 253-character prefix',
    config: { annotationPrefix: `${'p'.repeat(61)}.${'q'.repeat(63)}.${'r'.repeat(63)}.${'s'.repeat(63)}`, tokenMountPath: `/${'m'.repeat(300)}` },
    lookup: { serviceAccount: sa(Object.fromEntries(Object.entries({
      'role-arn': ROLE, 'target-role-arn': 't'.repeat(5000), 'target-role-external-id': 'e '.repeat(2000), 'role-session-name': 's '.repeat(2000),
    }).map(([k, v]) => [`${'p'.repeat(61)}.${'q'.repeat(63)}.${'r'.repeat(63)}.${'s'.repeat(63)}/${k}`, v]))), podIdentity: false },
    pod: pod({ containers: [
      { name: 'c'.repeat(63), env: [{ name: 'AWS_PROFILE', value: 'x' }, { name: 'AWS_CONFIG_FILE', value: 'y' }] },
      { name: 'd'.repeat(63), volumeMounts: [{ name: 'aws-iam-token', mountPath: '/x' }] },
    ] }),
    check: (tt, o) => {
      tt.same([...new Set(codes(o))].sort(), ['W_AWS_CONFIG_NOT_PROJECTED', 'W_AWS_PROFILE_SET', 'W_EXTERNAL_ID_FORMAT', 'W_ROLE_SESSION_NAME_FORMAT', 'W_TARGET_ROLE_ARN_FORMAT']);
      for (const w of o.result.warnings) tt.ok(w.message.length < 256, `${w.code}: ${w.message.length}`);
    } },
  { name: '10 the other cross-account warnings stay under 256 characters too', lookup: irsa({ [`${P}/target-role-arn`]: 'x'.repeat(5000) }),
    config: { annotationPrefix: P },
    pod: pod({ volumes: [{ name: 'aws-iam-token', emptyDir: {} }] }, { annotations: { [`${P}/aws-config`]: 'y'.repeat(5000) } }),
    check: (tt, o) => {
      tt.same(codes(o), ['W_TARGET_ROLE_WITHOUT_ROLE_ARN']);
      const chained = run(pod({ volumes: [{ name: 'aws-iam-token', emptyDir: {} }] }, { annotations: { [`${P}/aws-config`]: 'y'.repeat(5000) } }), chain());
      tt.same(codes(chained), ['W_AWS_CONFIG_REPLACED', 'W_AWS_CONFIG_NOT_PROJECTED']);
      const full = run(pod({}, { annotations: { big: 'z'.repeat(256 * 1024 - 3 - 100) } }), chain());
      tt.same(codes(full), ['W_AWS_CONFIG_NO_ROOM']);
      for (const w of [...o.result.warnings, ...chained.result.warnings, ...full.result.warnings]) tt.ok(w.message.length < 256, `${w.code}: ${w.message.length}`);
    } },
  { name: '10 GovCloud ARNs are valid', lookup: irsa({ [`${P}/role-arn`]: 'arn:aws-us-gov:iam::123456789012:role/a/b@c' }),
    check: (tt, o) => tt.same(codes(o), []) },

  // --- rule 11: cross-account roles, chained with AssumeRole (issue 13) ---
  { name: '11 target-role-arn: config annotation, projected beside the token, AWS_CONFIG_FILE and AWS_PROFILE', lookup: chain(),
    check: (tt, o) => {
      tt.equal(o.result.plan?.chain?.targetRoleArn, TARGET);
      tt.equal(awsConfig(o.pod), [
        '# pod-identity-webhook: chained roles for ServiceAccount default/app',
        '[profile irsa-source]',
        'web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token',
        `role_arn = ${ROLE}`,
        '',
        '[profile irsa-target]',
        `role_arn = ${TARGET}`,
        'source_profile = irsa-source',
        '',
      ].join('\n'));
      tt.same(vol(o.pod).projected.sources[1], {
        downwardAPI: { items: [{ path: 'aws-config', fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['eks.amazonaws.com/aws-config']" } }] },
      });
      tt.same(env(o.pod), { AWS_CONFIG_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/aws-config', AWS_PROFILE: 'irsa-target' },
        'no AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE: an SDK that reads them before AWS_PROFILE would stay on the first role');
      tt.equal(o.result.awsConfig?.profile, 'irsa-target');
      tt.equal(o.result.reason, 'injected IRSA with a chained role into 1 container');
      tt.same(codes(o), []);
    } },
  { name: '11 external id and session name go into the profiles; regional STS and region into the source profile',
    lookup: chain({ [`${P}/target-role-external-id`]: 'ext:id/1=2', [`${P}/role-session-name`]: 'app@team' }),
    config: { stsRegionalEndpoint: true, awsDefaultRegion: 'eu-west-1' },
    check: (tt, o) => {
      const [source, target] = profiles(o.pod);
      tt.same(source, [
        'web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token', `role_arn = ${ROLE}`,
        'role_session_name = app@team', 'sts_regional_endpoints = regional', 'region = eu-west-1',
      ]);
      tt.same(target, [`role_arn = ${TARGET}`, 'source_profile = irsa-source', 'external_id = ext:id/1=2', 'role_session_name = app@team']);
      tt.equal(env(o.pod).AWS_REGION, 'eu-west-1', 'the region env is still injected for the application\'s own clients');
      tt.equal(env(o.pod).AWS_ROLE_SESSION_NAME, undefined, 'the session name is in the config, not the env');
    } },
  { name: '11 the ConfigMap entry chains the same way',
    lookup: { serviceAccount: sa({}), configMap: { RoleARN: ROLE, TargetRoleARN: TARGET, TargetRoleExternalID: 'cm-ext', RoleSessionName: 'cm-session' }, podIdentity: false },
    check: (tt, o) => {
      const [source, target] = profiles(o.pod);
      tt.ok(source?.includes('role_session_name = cm-session'));
      tt.same(target, [`role_arn = ${TARGET}`, 'source_profile = irsa-source', 'external_id = cm-ext', 'role_session_name = cm-session']);
      tt.equal(o.result.plan?.source, 'config-map');
    } },
  { name: '11 target-role-arn without role-arn warns and injects nothing', lookup: irsa({ [`${P}/target-role-arn`]: TARGET }),
    check: (tt, o) => {
      tt.same(o.result.operations, []);
      tt.same(codes(o), ['W_TARGET_ROLE_WITHOUT_ROLE_ARN']);
    } },
  { name: '11 a ConfigMap TargetRoleARN without RoleARN warns',
    lookup: { configMap: { RoleARN: '', TargetRoleARN: TARGET }, podIdentity: false },
    check: (tt, o) => {
      tt.same(o.result.operations, []);
      tt.same(codes(o), ['W_TARGET_ROLE_WITHOUT_ROLE_ARN']);
    } },
  { name: '11 a ServiceAccount target without role-arn warns, and the ConfigMap still applies (without a chain)',
    lookup: { serviceAccount: sa({ [`${P}/target-role-arn`]: TARGET }), configMap: { RoleARN: ROLE }, podIdentity: false },
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_ROLE_ARN, ROLE);
      tt.same(codes(o), ['W_TARGET_ROLE_WITHOUT_ROLE_ARN']);
    } },
  { name: '11 a malformed target ARN warns and is written anyway (STS refuses it, as with role-arn)',
    lookup: chain({ [`${P}/target-role-arn`]: 'role-b' }), config: { composeRoleArn: { accountId: '111122223333', partition: 'aws' } },
    check: (tt, o) => {
      tt.same(codes(o), ['W_TARGET_ROLE_ARN_FORMAT']);
      tt.equal(profiles(o.pod)[1]?.[0], 'role_arn = role-b', 'never composed: the target is usually in another account');
    } },
  { name: '11 a target with a line break cannot add lines to the config file',
    lookup: chain({ [`${P}/target-role-arn`]: `${TARGET}\nrole_arn = arn:aws:iam::999999999999:role/evil` }),
    check: (tt, o) => {
      tt.same(codes(o), ['W_TARGET_ROLE_ARN_FORMAT']);
      const [, target] = profiles(o.pod);
      tt.equal(target?.filter((l) => l.startsWith('role_arn')).length, 1);
      tt.notOk(awsConfig(o.pod).split('\n').some((l) => l.startsWith('role_arn = arn:aws:iam::999999999999')));
    } },
  ...['x', 'a'.repeat(1225), 'has space', 'semi;colon', 'new\nline'].map((v): Row => ({
    name: `11 external id ${JSON.stringify(v.slice(0, 12))} outside STS's pattern warns and is left out`,
    lookup: chain({ [`${P}/target-role-external-id`]: v }),
    check: (tt, o) => {
      tt.same(codes(o), ['W_EXTERNAL_ID_FORMAT']);
      tt.notOk(awsConfig(o.pod).includes('external_id'));
    } })),
  { name: '11 an external id of 1224 characters is kept', lookup: chain({ [`${P}/target-role-external-id`]: 'e'.repeat(1224) }),
    check: (tt, o) => {
      tt.same(codes(o), []);
      tt.ok(awsConfig(o.pod).includes(`external_id = ${'e'.repeat(1224)}`));
    } },
  ...['x', 's'.repeat(65), 'has space', 'colon:s', 'sla/sh'].map((v): Row => ({
    name: `11 session name ${JSON.stringify(v.slice(0, 12))} outside STS's pattern warns and is ignored`,
    lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/role-session-name`]: v }),
    check: (tt, o) => {
      tt.same(codes(o), ['W_ROLE_SESSION_NAME_FORMAT']);
      tt.equal(env(o.pod).AWS_ROLE_SESSION_NAME, undefined);
      tt.equal(env(o.pod).AWS_ROLE_ARN, ROLE);
    } })),
  { name: '11 one hop: role-session-name becomes AWS_ROLE_SESSION_NAME', lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/role-session-name`]: 'my-app.prod' }),
    check: (tt, o) => {
      tt.same(env(o.pod), { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token', AWS_ROLE_SESSION_NAME: 'my-app.prod' });
      tt.equal(o.pod.metadata.annotations, undefined, 'no config annotation for one hop');
    } },
  { name: '11 one hop: a container\'s own AWS_ROLE_SESSION_NAME is kept', lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/role-session-name`]: 'ours' }),
    pod: pod({ containers: [{ name: 'a', env: [{ name: 'AWS_ROLE_SESSION_NAME', value: 'theirs' }] }] }),
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_ROLE_SESSION_NAME, 'theirs');
      tt.equal(env(o.pod).AWS_ROLE_ARN, ROLE);
    } },
  { name: '11 one hop: the ConfigMap RoleSessionName too', lookup: { configMap: { RoleARN: ROLE, RoleSessionName: 'cm-s' }, podIdentity: false },
    check: (tt, o) => tt.equal(env(o.pod).AWS_ROLE_SESSION_NAME, 'cm-s') },
  { name: '11 an external id without a target has nothing to apply to', lookup: irsa({ [`${P}/role-arn`]: ROLE, [`${P}/target-role-external-id`]: 'ext' }),
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_ROLE_ARN, ROLE);
      tt.equal(o.result.plan?.chain, undefined);
    } },
  ...(['AWS_PROFILE', 'AWS_CONFIG_FILE'] as const).map((name): Row => ({
    name: `11 a container that sets ${name} is left alone with a warning; the others chain`, lookup: chain(),
    pod: pod({ containers: [{ name: 'own', env: [{ name, value: 'mine' }] }, { name: 'app' }] }),
    check: (tt, o) => {
      tt.same(env(o.pod, 0), { [name]: 'mine' });
      tt.equal(mounts(o.pod, 0).length, 1, 'the token volume is still mounted');
      tt.equal(env(o.pod, 1).AWS_PROFILE, 'irsa-target');
      tt.same(codes(o), ['W_AWS_PROFILE_SET']);
      tt.match(o.result.warnings[0]?.message, new RegExp(`container "own" already sets ${name};`));
    } })),
  { name: '11 target-role-arn on an EKS Pod Identity ServiceAccount warns; EKS chains it itself',
    lookup: { serviceAccount: sa({ [`${P}/target-role-arn`]: TARGET }), podIdentity: true },
    check: (tt, o) => {
      tt.equal(o.result.mode, 'pod-identity');
      tt.same(codes(o), ['W_TARGET_ROLE_POD_IDENTITY']);
      tt.equal(env(o.pod).AWS_CONFIG_FILE, undefined);
      tt.equal(o.pod.metadata.annotations, undefined);
    } },
  { name: '11 a pod\'s own config annotation (its own role) is replaced, with a warning', lookup: chain(),
    pod: pod({}, { annotations: { [`${P}/aws-config`]: '[profile irsa-target]\nrole_arn = arn:aws:iam::999999999999:role/mine\n', other: 'kept' } }),
    check: (tt, o) => {
      tt.same(codes(o), ['W_AWS_CONFIG_REPLACED']);
      tt.notOk(awsConfig(o.pod).includes('999999999999'));
      tt.ok(awsConfig(o.pod).includes(`role_arn = ${TARGET}`));
      tt.equal(o.pod.metadata.annotations.other, 'kept');
      tt.same(o.result.operations.filter((op) => op.path.startsWith('/metadata')).map((op) => op.path), ['/metadata/annotations/eks.amazonaws.com~1aws-config']);
    } },
  { name: '11 the annotation object is created when the pod has none', lookup: chain(), pod: pod({}, { labels: { a: 'b' } }),
    check: (tt, o) => tt.same(o.result.operations[0], { op: 'add', path: '/metadata/annotations', value: { [`${P}/aws-config`]: awsConfig(o.pod) } }) },
  { name: '11 metadata is created when the pod has none', lookup: chain(), pod: { spec: { serviceAccountName: 'app', containers: [{ name: 'app' }] } },
    check: (tt, o) => tt.same(o.result.operations[0], { op: 'add', path: '/metadata', value: { annotations: { [`${P}/aws-config`]: awsConfig(o.pod) } } }) },
  { name: '11 a pod-authored token volume without the projection: no AWS_CONFIG_FILE anywhere, with a warning', lookup: chain(),
    pod: pod({ volumes: [{ name: 'aws-iam-token', configMap: { name: 'my-aws-config', items: [{ key: 'c', path: 'aws-config' }] } }] }),
    check: (tt, o) => {
      tt.same(codes(o), ['W_AWS_CONFIG_NOT_PROJECTED']);
      tt.same(env(o.pod), {});
      tt.same(o.pod.spec.volumes, [{ name: 'aws-iam-token', configMap: { name: 'my-aws-config', items: [{ key: 'c', path: 'aws-config' }] } }]);
    } },
  { name: '11 a token volume that projects the webhook\'s annotation (after the API server\'s defaults) is trusted', lookup: chain(),
    pod: pod({ volumes: [{ name: 'aws-iam-token', projected: { defaultMode: 420, sources: [
      { serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } },
      { downwardAPI: { items: [{ path: 'aws-config', fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['eks.amazonaws.com/aws-config']" } }] } },
    ] } }] }),
    check: (tt, o) => {
      tt.same(codes(o), []);
      tt.equal(env(o.pod).AWS_PROFILE, 'irsa-target');
      tt.equal(o.pod.spec.volumes.length, 1);
    } },
  { name: '11 a token volume projecting another annotation is not trusted', lookup: chain(),
    pod: pod({ volumes: [{ name: 'aws-iam-token', projected: { sources: [
      { downwardAPI: { items: [{ path: 'aws-config', fieldRef: { fieldPath: "metadata.annotations['example.com/mine']" } }] } },
    ] } }] }, { annotations: { 'example.com/mine': '[profile irsa-target]' } }),
    check: (tt, o) => {
      tt.same(codes(o), ['W_AWS_CONFIG_NOT_PROJECTED']);
      tt.equal(env(o.pod).AWS_CONFIG_FILE, undefined);
    } },
  { name: '11 a container with its own volume at the token mount path gets no AWS_CONFIG_FILE', lookup: chain(),
    pod: pod({ volumes: [{ name: 'mine', emptyDir: {} }], containers: [{ name: 'a', volumeMounts: [{ name: 'mine', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' }] }, { name: 'b' }] }),
    check: (tt, o) => {
      tt.same(codes(o), ['W_AWS_CONFIG_NOT_PROJECTED', 'W_MOUNT_PATH_IN_USE']);
      tt.equal(env(o.pod, 0).AWS_CONFIG_FILE, undefined);
      tt.equal(env(o.pod, 1).AWS_CONFIG_FILE, '/var/run/secrets/eks.amazonaws.com/serviceaccount/aws-config');
    } },
  { name: '11 a container mounting its own file over the config path gets no AWS_CONFIG_FILE', lookup: chain(),
    pod: pod({ volumes: [{ name: 'mine', configMap: { name: 'c' } }], containers: [{ name: 'a', volumeMounts: [{ name: 'mine', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount/aws-config', subPath: 'x' }] }] }),
    check: (tt, o) => {
      tt.same(codes(o), ['W_AWS_CONFIG_NOT_PROJECTED']);
      tt.equal(env(o.pod).AWS_CONFIG_FILE, undefined);
      tt.equal(mounts(o.pod).length, 2, 'the token volume is still mounted');
    } },
  { name: '11 a container mounting the token volume elsewhere, or by subPath, gets no AWS_CONFIG_FILE', lookup: chain(),
    pod: pod({ containers: [
      { name: 'a', volumeMounts: [{ name: 'aws-iam-token', mountPath: '/elsewhere' }] },
      { name: 'b', volumeMounts: [{ name: 'aws-iam-token', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount', subPath: 'token' }] },
      { name: 'c', volumeMounts: [{ name: 'aws-iam-token', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount/', readOnly: true }] },
    ] }),
    check: (tt, o) => {
      tt.same(codes(o), ['W_AWS_CONFIG_NOT_PROJECTED', 'W_AWS_CONFIG_NOT_PROJECTED']);
      tt.equal(env(o.pod, 0).AWS_CONFIG_FILE, undefined);
      tt.equal(env(o.pod, 1).AWS_CONFIG_FILE, undefined);
      tt.equal(env(o.pod, 2).AWS_CONFIG_FILE, '/var/run/secrets/eks.amazonaws.com/serviceaccount/aws-config', 'a whole mount at the path (trailing slash) is fine');
    } },
  { name: '11 Windows: C:\\ paths in the config and in AWS_CONFIG_FILE', lookup: chain(), pod: pod({ nodeSelector: { 'kubernetes.io/os': 'windows' } }),
    check: (tt, o) => {
      tt.equal(env(o.pod).AWS_CONFIG_FILE, 'C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\aws-config');
      tt.equal(profiles(o.pod)[0]?.[0], 'web_identity_token_file = C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token');
      tt.equal(mounts(o.pod)[0]?.mountPath, '/var/run/secrets/eks.amazonaws.com/serviceaccount');
    } },
  { name: '11 a custom prefix and mount path', lookup: { serviceAccount: sa({ 'example.com/role-arn': ROLE, 'example.com/target-role-arn': TARGET }), podIdentity: false },
    config: { annotationPrefix: 'example.com', tokenMountPath: '/aws/' },
    check: (tt, o) => {
      tt.ok(o.pod.metadata.annotations['example.com/aws-config']);
      tt.equal(vol(o.pod).projected.sources[1].downwardAPI.items[0].fieldRef.fieldPath, "metadata.annotations['example.com/aws-config']");
      tt.equal(env(o.pod).AWS_CONFIG_FILE, '/aws/aws-config');
      tt.equal(profiles(o.pod, 'example.com')[0]?.[0], 'web_identity_token_file = /aws/token');
    } },
  { name: '11 annotations with no room left: one hop with a warning (the API server caps them at 256 KiB)', lookup: chain({ [`${P}/role-session-name`]: 'sess' }),
    pod: pod({}, { annotations: { big: 'x'.repeat(256 * 1024 - 200) } }),
    check: (tt, o) => {
      tt.same(codes(o), ['W_AWS_CONFIG_NO_ROOM']);
      tt.equal(o.pod.metadata.annotations[`${P}/aws-config`], undefined);
      tt.equal(env(o.pod).AWS_ROLE_ARN, ROLE);
      tt.equal(env(o.pod).AWS_ROLE_SESSION_NAME, 'sess');
      tt.equal(o.result.plan?.chain, undefined);
    } },
  { name: '11 skip-containers: the annotation and volume are added, no container env', lookup: chain(),
    pod: pod({}, { annotations: { [`${P}/skip-containers`]: 'app' } }),
    check: (tt, o) => {
      tt.ok(o.pod.metadata.annotations[`${P}/aws-config`]);
      tt.same(env(o.pod), {});
      tt.equal(o.result.reason, 'injected IRSA token volume and AWS config (every container skipped or already configured)');
    } },
];

for (const row of rows) {
  t.test(row.name, (tt) => {
    const out = run(row.pod ?? pod(), row.lookup, row.config, row.random);
    row.check(tt, out);
    // Rule 8: only additive operations; rule 9: a second pass changes nothing.
    for (const op of out.result.operations) tt.equal(op.op, 'add', `additive: ${op.path}`);
    const again = run(out.pod, row.lookup, row.config, row.random);
    tt.same(again.result.operations, [], 'idempotent');
    tt.end();
  });
}

t.test('8 fields the engine does not touch survive unchanged', (tt) => {
  const input = pod({
    containers: [{
      name: 'app', image: 'app:1', startupProbe: { exec: { command: ['true'] } }, resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
      env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], volumeMounts: [{ name: 'v', mountPath: '/v', recursiveReadOnly: 'Enabled' }],
      unknownField: { nested: [1, 2, { deep: true }] },
    }],
    volumes: [{ name: 'v', image: { reference: 'x' } }],
    hostUsers: false,
    someFutureSpecField: 'kept',
  }, { labels: { a: 'b' }, finalizers: ['x'] });
  const out = run(input, irsa());
  const c = out.pod.spec.containers[0];
  tt.same(c.startupProbe, { exec: { command: ['true'] } });
  tt.same(c.resizePolicy, [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }]);
  tt.same(c.unknownField, { nested: [1, 2, { deep: true }] });
  tt.same(c.env[0], { name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } });
  tt.same(c.volumeMounts[0], { name: 'v', mountPath: '/v', recursiveReadOnly: 'Enabled' });
  tt.same(out.pod.spec.volumes[1], { name: 'v', image: { reference: 'x' } });
  tt.equal(out.pod.spec.someFutureSpecField, 'kept');
  tt.equal(out.pod.spec.hostUsers, false);
  tt.same(out.pod.metadata, input.metadata);
  // Every operation appends or creates: no path ever names an existing index other than "-" or volumes/0.
  for (const op of out.result.operations) tt.match(op.path, /(\/-|\/env|\/volumeMounts|\/volumes\/0|\/volumes)$/);
  tt.end();
});

t.test('reason names the mode and container count', (tt) => {
  tt.equal(run(pod({ containers: [{ name: 'a' }, { name: 'b' }] }), irsa()).result.reason, 'injected IRSA into 2 containers');
  tt.equal(run(pod(), cc()).result.reason, 'injected EKS Pod Identity into 1 container');
  tt.end();
});
