// fast-check generators for pods, engine settings and identity lookups.
// Names, paths and annotation values are drawn from small pools on purpose:
// collisions (a user volume named like the token volume, a mount already at
// the token path, AWS_* env already set) are where injection goes wrong, and
// uniform random strings would almost never hit them.

import fc from 'fast-check';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../../src/engine/config.js';
import type { ConfigMapEntry, IdentityLookup } from '../../src/engine/identity.js';

type Obj = Record<string, any>;

export const PREFIXES = ['eks.amazonaws.com', 'example.com'] as const;
const CONTAINER_NAMES = ['app', 'sidecar', 'init', 'log-shipper', 'proxy', 'x', 'aws'];
const VOLUME_NAMES = ['cache', 'data', 'aws-iam-token', 'eks-pod-identity-token', 'kube-api-access-x7k2p', 'token'];
const IRSA_PATH = DEFAULT_ENGINE_CONFIG.tokenMountPath;
const POD_IDENTITY_PATH = DEFAULT_ENGINE_CONFIG.containerCredentials.mountPath;
const MOUNT_PATHS = ['/cache', '/data', IRSA_PATH, POD_IDENTITY_PATH, '/var/run/secrets/kubernetes.io/serviceaccount', '/custom/token', `${IRSA_PATH}/`, `${IRSA_PATH}/aws-config`];
const ENV_NAMES = [
  'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_STS_REGIONAL_ENDPOINTS',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_PROFILE', 'LOG_LEVEL', 'PATH', 'aws_region',
  'AWS_CONFIG_FILE', 'AWS_ROLE_SESSION_NAME',
];
const EXPIRATIONS = ['3600', '600', '599', '0', '-5', '86400', 'abc', '1e3', ' 3600', '3600s', '+700', '007200', '4294967296', '4294967297', '99999999999', '9007199254740993', ''];
const ROLE = 'arn:aws:iam::111122223333:role/app';
// Chained roles (issue 13): well-formed, not an ARN, with a line break, empty.
const TARGETS = ['arn:aws:iam::444455556666:role/target', 'target-role', 'arn:aws:iam::444455556666:role/t\nrole_arn = x', ''];
const EXTERNAL_IDS = ['ext-1', 'x', 'e'.repeat(1224), 'has space'];
const SESSION_NAMES = ['session-1', 'x', 'bad name', 's'.repeat(64)];
const ROLES = [ROLE, 'arn:aws-cn:iam::111122223333:role/path/app', 'arn:aws:iam::123:role/short-account', 'app-role', '/path/app-role', 'arn:aws:iam::111122223333:role/' + 'r'.repeat(200), ''];

/** Unknown fields: a webhook must pass through what it does not know, whatever its shape. */
const unknownFields: fc.Arbitrary<Obj> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }).map((s) => `x-${s}`), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }) },
);

const envItem: fc.Arbitrary<Obj> = fc.tuple(
  fc.constantFrom(...ENV_NAMES),
  fc.oneof(
    fc.string({ maxLength: 12 }).map((value) => ({ value })),
    fc.constant({ valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }),
    fc.constant({}),
  ),
  unknownFields,
).map(([name, v, extra]) => ({ ...extra, name, ...v }));

interface RawMount { path: string; volume: number; readOnly: boolean | undefined; dangling: boolean; extra: Obj }

const rawMount: fc.Arbitrary<RawMount> = fc.record({
  path: fc.constantFrom(...MOUNT_PATHS),
  volume: fc.nat(),
  readOnly: fc.option(fc.boolean(), { nil: undefined }),
  // A mount whose volume does not exist makes the input pod itself invalid; rare, to keep most runs meaningful.
  dangling: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  extra: unknownFields,
});

type ListMode = 'absent' | 'empty' | 'list';
const listMode = fc.constantFrom<ListMode>('absent', 'empty', 'list', 'list');

const rawContainer = fc.record({
  envMode: listMode,
  env: fc.array(envItem, { maxLength: 4 }),
  mountMode: listMode,
  mounts: fc.uniqueArray(rawMount, { selector: (m) => m.path, maxLength: 3 }),
  restartPolicy: fc.constantFrom(undefined, 'Always'),
  extra: unknownFields,
});

type RawContainer = typeof rawContainer extends fc.Arbitrary<infer T> ? T : never;

const volume = (name: string, kind: number, extra: Obj): Obj => {
  switch (kind % 5) {
    case 4: return { ...extra, name, projected: { sources: [
      { serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 3600, path: 'token' } },
      { downwardAPI: { items: [{ path: 'aws-config', fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${PREFIXES[kind % 2]}/aws-config']` } }] } },
    ] } };
    case 0: return { ...extra, name, emptyDir: {} };
    case 1: return { ...extra, name, configMap: { name: 'cm' } };
    case 2: return { ...extra, name, projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 3600, path: 'token' } }] } };
    default: return { ...extra, name, projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt' } }] } };
  }
};

const annotationValue = fc.oneof(fc.constantFrom(...EXPIRATIONS), fc.string({ maxLength: 8 }));
const skipValue = fc.oneof(
  fc.array(fc.constantFrom(...CONTAINER_NAMES, 'ghost', ' app ', '', 'x'.repeat(300)), { maxLength: 3 }).map((a) => a.join(',')),
  fc.string({ maxLength: 10 }),
);

const podAnnotations = fc.record({
  expiration: fc.option(fc.tuple(fc.constantFrom(...PREFIXES), annotationValue), { nil: undefined }),
  skip: fc.option(fc.tuple(fc.constantFrom(...PREFIXES), skipValue), { nil: undefined }),
  other: fc.option(fc.constant({ 'kubectl.kubernetes.io/restartedAt': '2026-11-20T10:00:00Z' }), { nil: undefined }),
  // A pod author's own text (or a stale copy) in the webhook's config annotation.
  awsConfig: fc.option(fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom('[profile irsa-target]\nrole_arn = arn:aws:iam::999999999999:role/mine\n', '')), { nil: undefined }),
  // Rare: the API server refuses a non-string annotation, so such a pod is no valid input.
  nonString: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
});

export const podArb: fc.Arbitrary<Obj> = fc.record({
  names: fc.shuffledSubarray(CONTAINER_NAMES, { minLength: CONTAINER_NAMES.length, maxLength: CONTAINER_NAMES.length }),
  containers: fc.array(rawContainer, { minLength: 1, maxLength: 4 }),
  initContainers: fc.option(fc.array(rawContainer, { maxLength: 2 }), { nil: undefined }),
  volumes: fc.option(fc.array(fc.tuple(fc.nat(), unknownFields), { maxLength: 4 }), { nil: undefined }),
  volumeNames: fc.shuffledSubarray(VOLUME_NAMES, { minLength: VOLUME_NAMES.length, maxLength: VOLUME_NAMES.length }),
  annotations: fc.option(podAnnotations, { nil: undefined }),
  labels: fc.option(fc.record({
    podIdentity: fc.option(fc.constantFrom('enabled', 'disabled', ''), { nil: undefined }),
    app: fc.option(fc.constant('web'), { nil: undefined }),
  }), { nil: undefined }),
  metadata: fc.constantFrom('full', 'full', 'full', 'absent', 'empty'),
  serviceAccount: fc.constantFrom<[string, string | undefined]>(
    ['serviceAccountName', 'app'], ['serviceAccountName', 'app'], ['serviceAccountName', 'other'],
    ['serviceAccount', 'app'], ['serviceAccountName', undefined], ['serviceAccountName', ''],
  ),
  nodeSelector: fc.constantFrom<Obj | undefined>(
    undefined, undefined, { 'kubernetes.io/os': 'windows' }, { 'beta.kubernetes.io/os': 'windows' }, { 'kubernetes.io/os': 'linux' }, { disk: 'ssd' },
  ),
  podExtra: unknownFields,
  metaExtra: unknownFields,
  specExtra: unknownFields,
}).map((raw) => {
  const volumes = raw.volumes?.map(([kind, extra], i) => volume(raw.volumeNames[i] as string, kind, extra));
  const volumeNames = (volumes ?? []).map((v) => v.name as string);
  const container = (c: RawContainer, name: string): Obj => {
    const mounts = c.mounts.map((m) => ({
      ...m.extra,
      name: m.dangling || volumeNames.length === 0 ? 'missing-volume' : volumeNames[m.volume % volumeNames.length],
      mountPath: m.path,
      ...(m.readOnly === undefined ? {} : { readOnly: m.readOnly }),
    }));
    return {
      ...c.extra,
      name,
      image: `${name}:1`,
      ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}),
      ...(c.envMode === 'absent' ? {} : { env: c.envMode === 'empty' ? [] : c.env }),
      ...(c.mountMode === 'absent' ? {} : { volumeMounts: c.mountMode === 'empty' ? [] : mounts }),
    };
  };
  const names = [...raw.names];
  const spec: Obj = {
    ...raw.specExtra,
    ...(raw.serviceAccount[1] === undefined ? {} : { [raw.serviceAccount[0]]: raw.serviceAccount[1] }),
    ...(raw.initContainers ? { initContainers: raw.initContainers.map((c) => container(c, names.shift() as string)) } : {}),
    containers: raw.containers.map((c) => container(c, names.shift() as string)),
    ...(volumes ? { volumes } : {}),
    ...(raw.nodeSelector ? { nodeSelector: raw.nodeSelector } : {}),
  };
  const annotations: Obj = {};
  const a = raw.annotations;
  if (a?.expiration) annotations[`${a.expiration[0]}/token-expiration`] = a.expiration[1];
  if (a?.skip) annotations[`${a.skip[0]}/skip-containers`] = a.skip[1];
  if (a?.other) Object.assign(annotations, a.other);
  if (a?.awsConfig) annotations[`${a.awsConfig[0]}/aws-config`] = a.awsConfig[1];
  // Not a valid pod for the API server, but `mutate` reads hand-written manifests.
  if (a?.nonString) annotations['eks.amazonaws.com/token-expiration'] ??= 3600;
  const labels: Obj | undefined = raw.labels
    ? {
        ...(raw.labels.podIdentity !== undefined ? { 'eks.amazonaws.com/pod-identity': raw.labels.podIdentity } : {}),
        ...(raw.labels.app ? { app: raw.labels.app } : {}),
      }
    : undefined;
  const metadata: Obj | undefined = raw.metadata === 'absent'
    ? undefined
    : raw.metadata === 'empty'
      ? {}
      : { ...raw.metaExtra, generateName: 'app-', ...(a ? { annotations } : {}), ...(labels ? { labels } : {}) };
  return { ...raw.podExtra, apiVersion: 'v1', kind: 'Pod', ...(metadata ? { metadata } : {}), spec };
});

export const configArb: fc.Arbitrary<EngineConfig> = fc.record({
  annotationPrefix: fc.constantFrom(...PREFIXES),
  tokenAudience: fc.constantFrom('sts.amazonaws.com', 'custom-audience'),
  tokenMountPath: fc.constantFrom(IRSA_PATH, '/custom/token', '/cache'),
  tokenExpiration: fc.constantFrom(86400, 3600, 600, 100),
  awsDefaultRegion: fc.constantFrom('', 'us-west-2', 'cn-north-1'),
  stsRegionalEndpoint: fc.boolean(),
  composeRoleArn: fc.option(fc.constant({ accountId: '111122223333', partition: 'aws' }), { nil: undefined }),
  cc: fc.record({
    audience: fc.constantFrom('pods.eks.amazonaws.com', 'custom'),
    fullUri: fc.constantFrom('http://169.254.170.23/v1/credentials', 'http://127.0.0.1:2703/v1/credentials'),
    volumeName: fc.constantFrom('eks-pod-identity-token', 'eks-pod-identity-token', 'cache'),
    tokenPath: fc.constantFrom('eks-pod-identity-token', 'token'),
    mountPath: fc.constantFrom(POD_IDENTITY_PATH, '/custom/token', '/cache'),
  }),
}).map(({ cc, composeRoleArn, ...rest }) => ({
  ...DEFAULT_ENGINE_CONFIG,
  ...rest,
  ...(composeRoleArn ? { composeRoleArn } : {}),
  containerCredentials: cc,
}));

const configMapEntry: fc.Arbitrary<ConfigMapEntry> = fc.record({
  RoleARN: fc.constantFrom(...ROLES),
  Audience: fc.option(fc.constantFrom('', 'cm-audience'), { nil: undefined }),
  UseRegionalSTS: fc.option(fc.boolean(), { nil: undefined }),
  TokenExpiration: fc.option(fc.constantFrom(0, 500, 3600, 99999999999), { nil: undefined }),
  TargetRoleARN: fc.option(fc.constantFrom(...TARGETS), { nil: undefined }),
  TargetRoleExternalID: fc.option(fc.constantFrom(...EXTERNAL_IDS), { nil: undefined }),
  RoleSessionName: fc.option(fc.constantFrom(...SESSION_NAMES), { nil: undefined }),
}).map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as unknown as ConfigMapEntry);

/** A lookup as a source would return it; the annotations use `prefix` most of the time. */
export function lookupArb(prefix: string): fc.Arbitrary<IdentityLookup & { configMapKey: 'exact' | 'wildcard' }> {
  const key = fc.constantFrom(prefix, prefix, prefix, 'other.example');
  const ann = (name: string, values: fc.Arbitrary<string>): fc.Arbitrary<[string, string] | undefined> =>
    fc.option(fc.tuple(key, values).map(([p, v]): [string, string] => [`${p}/${name}`, v]), { nil: undefined });
  const serviceAccount = fc.tuple(
    ann('role-arn', fc.constantFrom(...ROLES)),
    ann('audience', fc.constantFrom('', 'sa-audience')),
    ann('sts-regional-endpoints', fc.constantFrom('true', 'false', '1', 'yes', 'True', '')),
    ann('token-expiration', annotationValue),
    ann('target-role-arn', fc.constantFrom(...TARGETS)),
    ann('target-role-external-id', fc.constantFrom(...EXTERNAL_IDS)),
    ann('role-session-name', fc.constantFrom(...SESSION_NAMES)),
  ).map((pairs) => ({
    namespace: 'default',
    name: 'app',
    annotations: Object.fromEntries(pairs.filter((p): p is [string, string] => p !== undefined)),
  }));
  return fc.record({
    serviceAccount: fc.option(serviceAccount, { nil: undefined }),
    configMap: fc.option(configMapEntry, { nil: undefined }),
    podIdentity: fc.boolean(),
    configMapKey: fc.constantFrom<'exact' | 'wildcard'>('exact', 'wildcard'),
  }).map(({ serviceAccount: sa, configMap, ...rest }) => ({ ...rest, ...(sa ? { serviceAccount: sa } : {}), ...(configMap ? { configMap } : {}) }));
}

export const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
