// The injection engine: pod + identity lookup + config in, RFC 6902 operations,
// warnings and a reason out. Pure: no I/O, no clock, no logger; the only
// randomness (Pod Identity token jitter) comes in as an argument.
//
// Patches are additive: they only add the env entries, mounts, volume and label
// that are missing, so every field the engine does not touch reaches the API
// server exactly as the user wrote it (upstream replaces whole container arrays
// and lost native sidecars' restartPolicy that way, its issues #208 and #114).

import { warnings as W, type Message } from '../errors.js';
import type { IdentityLookup } from './identity.js';
import { escapePointerToken } from '../util/json-pointer.js';
import { annotationKeys } from './annotations.js';
import {
  AWS_CONFIG_FILE_NAME, TARGET_PROFILE, annotationsBytes, awsConfigSource, awsConfigText, projectsAwsConfig,
} from './aws-config.js';
import { MAX_ANNOTATIONS_BYTES, MAX_WARNINGS, POD_IDENTITY_LABEL, type EngineConfig } from './config.js';
import { isObject, type Json } from '../util/json.js';
import type { ContainerView, PodView } from './pod.js';
import { resolvePlan, type InjectionPlan, type Mode } from './resolve.js';

export interface PatchOperation {
  readonly op: 'add';
  readonly path: string;
  readonly value: Json;
}

export type ContainerOutcome = 'injected' | 'skipped' | 'already-configured';

export interface ContainerReport {
  readonly list: 'initContainers' | 'containers';
  readonly name: string;
  readonly outcome: ContainerOutcome;
  /** Env names added, plus "volumeMount" when the mount was added. */
  readonly added: readonly string[];
  /** Of what the webhook manages here (env names, "volumeMount"), what the container already had. */
  readonly present: readonly string[];
  /** What the container neither had nor got, each with why (empty when nothing is missing). */
  readonly notAdded: readonly { readonly what: string; readonly why: string }[];
}

/** Where a chained pod's AWS config lives (for --explain and the logs). */
export interface AwsConfigReport {
  /** The pod annotation holding the text. */
  readonly annotation: string;
  /** AWS_CONFIG_FILE: the file the token volume projects from it. */
  readonly file: string;
  /** AWS_PROFILE. */
  readonly profile: string;
  readonly text: string;
}

export interface EngineResult {
  readonly operations: PatchOperation[];
  /** Set when the pod was left alone because it is beyond what the webhook mutates (MAX_CONTAINERS). */
  readonly oversized?: boolean;
  readonly warnings: Message[];
  readonly reason: string;
  readonly mode?: Mode;
  readonly plan?: InjectionPlan;
  /** Set when the pod chains into a target role. */
  readonly awsConfig?: AwsConfigReport;
  readonly containers: readonly ContainerReport[];
}

export interface EngineInput {
  readonly pod: PodView;
  /** request.namespace: on CREATE the pod's own metadata often has none. */
  readonly namespace: string;
  readonly lookup: IdentityLookup;
  readonly config: EngineConfig;
  readonly random: () => number;
  /**
   * Also say, per container, what it already had and why the rest was not
   * added (mutate --explain). Off for admissions: it is a few µs per container
   * that no answer carries.
   */
  readonly detail?: boolean;
}

interface EnvVar { readonly name: string; readonly value: string }

/** What a chained pod's containers get instead of AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE. */
interface Chained {
  readonly report: AwsConfigReport;
  /** The config file is the webhook's in this pod's token volume (false: the pod brought its own volume). */
  readonly projected: boolean;
}

const MODE_LABEL: Record<Mode, string> = { irsa: 'IRSA', 'pod-identity': 'EKS Pod Identity' };
const CHAIN_ENV = ['AWS_CONFIG_FILE', 'AWS_PROFILE'] as const;

export function inject(input: EngineInput): EngineResult {
  const { pod, config } = input;
  const resolution = resolvePlan({
    lookup: input.lookup,
    podAnnotations: pod.annotations,
    namespace: input.namespace,
    serviceAccountName: pod.serviceAccountName,
    config,
    random: input.random,
  });
  const warnings = [...resolution.warnings];
  if (!resolution.plan) {
    return { operations: [], warnings, reason: resolution.reason, containers: [] };
  }
  let plan = resolution.plan;
  const operations: PatchOperation[] = [];

  if (plan.mode === 'pod-identity' && pod.labels?.[POD_IDENTITY_LABEL] !== 'enabled') {
    if (!pod.hasMetadata) {
      operations.push({ op: 'add', path: '/metadata', value: { labels: { [POD_IDENTITY_LABEL]: 'enabled' } } });
    } else if (!pod.labels) {
      operations.push({ op: 'add', path: '/metadata/labels', value: { [POD_IDENTITY_LABEL]: 'enabled' } });
    } else {
      operations.push({ op: 'add', path: `/metadata/labels/${escapePointerToken(POD_IDENTITY_LABEL)}`, value: 'enabled' });
    }
  }

  let chained: Chained | undefined;
  if (plan.chain) {
    const setup = chainSetup(pod, plan, config, `${input.namespace}/${pod.serviceAccountName}`, warnings);
    if (setup) {
      chained = setup.chained;
      operations.push(...setup.operations);
    } else {
      const { chain: _dropped, ...single } = plan;
      plan = single;
    }
  }

  if (!pod.volumeNames.has(plan.volumeName)) {
    const volume = tokenVolume(plan, chained ? annotationKeys(config.annotationPrefix).awsConfig : undefined);
    // Upstream puts the token volume first; keep that so pods look the same.
    operations.push(pod.hasVolumeArray
      ? { op: 'add', path: '/spec/volumes/0', value: volume }
      : { op: 'add', path: '/spec/volumes', value: [volume] });
  }

  const { skip, unknown, moreUnknown } = skippedContainers(pod, config.annotationPrefix);
  for (const name of unknown) warnings.push(W.skipUnknownContainer(name));
  if (moreUnknown > 0) warnings.push(W.skipUnknownMore(moreUnknown));

  const identityEnv = chained
    ? [{ name: 'AWS_CONFIG_FILE', value: chained.report.file }, { name: 'AWS_PROFILE', value: chained.report.profile }]
    : identityVars(plan, config, pod.windows);
  const reports: ContainerReport[] = [];
  for (const c of pod.containers) {
    if (skip.has(c.name)) {
      reports.push({ list: c.list, name: c.name, outcome: 'skipped', added: [], present: [], notAdded: [] });
      continue;
    }
    const { ops, added, leftAlone } = containerOperations(c, plan, config, identityEnv, chained, warnings);
    operations.push(...ops);
    const { present, notAdded } = input.detail ? containerDetail(c, plan, config, identityEnv, added, leftAlone) : NO_DETAIL;
    reports.push({ list: c.list, name: c.name, outcome: added.length > 0 ? 'injected' : 'already-configured', added, present, notAdded });
  }

  const injected = reports.filter((r) => r.outcome === 'injected').length;
  const label = chained ? 'IRSA with a chained role' : MODE_LABEL[plan.mode];
  const reason = operations.length === 0
    ? `${label} already present or all containers skipped`
    : injected > 0
      ? `injected ${label} into ${injected} container${injected === 1 ? '' : 's'}`
      : `injected ${chained ? 'IRSA token volume and AWS config' : `${label} token volume`} (every container skipped or already configured)`;
  return { operations, warnings, reason, mode: plan.mode, plan, ...(chained ? { awsConfig: chained.report } : {}), containers: reports };
}

/**
 * The pod side of a chain: the config text, the annotation operation, and
 * whether the token volume will project it. Undefined when the annotation
 * cannot fit; the pod then gets the first hop alone.
 *
 * The annotation is the webhook's, never the pod author's: an existing one with
 * other text (a pod author's own role, or a stale copy from an older pod) is
 * overwritten. That is still an `add` (RFC 6902 replaces an existing member),
 * so the patch stays additive in kind, and a second pass finds its own text and
 * adds nothing.
 */
function chainSetup(
  pod: PodView,
  plan: InjectionPlan,
  config: EngineConfig,
  serviceAccount: string,
  warnings: Message[],
): { chained: Chained; operations: PatchOperation[] } | undefined {
  const chain = plan.chain;
  if (!chain) return undefined;
  const key = annotationKeys(config.annotationPrefix).awsConfig;
  const text = awsConfigText({
    serviceAccount,
    roleArn: plan.roleArn ?? '',
    tokenFile: fileIn(plan.mountPath, plan.tokenPath, pod.windows),
    targetRoleArn: chain.targetRoleArn,
    ...(chain.externalId !== undefined ? { externalId: chain.externalId } : {}),
    ...(plan.roleSessionName !== undefined ? { roleSessionName: plan.roleSessionName } : {}),
    regionalSts: plan.regionalSts,
    region: config.awsDefaultRegion,
  });
  const existing = pod.annotations[key];
  const bytes = annotationsBytes(pod.annotations, key) + Buffer.byteLength(key) + Buffer.byteLength(text);
  if (existing !== text && bytes > MAX_ANNOTATIONS_BYTES) {
    warnings.push(W.awsConfigNoRoom(bytes, MAX_ANNOTATIONS_BYTES));
    return undefined;
  }
  const operations: PatchOperation[] = [];
  if (existing !== text) {
    if (existing !== undefined) warnings.push(W.awsConfigReplaced(key));
    if (!pod.hasMetadata) operations.push({ op: 'add', path: '/metadata', value: { annotations: { [key]: text } } });
    else if (!pod.hasAnnotations) operations.push({ op: 'add', path: '/metadata/annotations', value: { [key]: text } });
    else operations.push({ op: 'add', path: `/metadata/annotations/${escapePointerToken(key)}`, value: text });
  }
  let projected = true;
  if (pod.volumeNames.has(plan.volumeName)) {
    // The pod brought a volume of that name: only trust it if it projects the webhook's annotation.
    projected = projectsAwsConfig(pod.volumes.find((v) => isObject(v) && v.name === plan.volumeName), key);
    if (!projected) warnings.push(W.awsConfigVolumeNotProjected(plan.volumeName, key));
  }
  return {
    operations,
    chained: {
      projected,
      report: { annotation: key, file: fileIn(plan.mountPath, AWS_CONFIG_FILE_NAME, pod.windows), profile: TARGET_PROFILE, text },
    },
  };
}

function tokenVolume(plan: InjectionPlan, awsConfigAnnotation: string | undefined): Json {
  return {
    name: plan.volumeName,
    projected: {
      sources: [
        { serviceAccountToken: { audience: plan.audience, expirationSeconds: plan.expirationSeconds, path: plan.tokenPath } },
        ...(awsConfigAnnotation !== undefined ? [awsConfigSource(awsConfigAnnotation)] : []),
      ],
    },
  };
}

/**
 * The pod's containers that skip-containers names, and the names it lists
 * that are not containers of the pod: a few of them, and how many more. A pod
 * author can list hundreds of thousands of names, so the list is scanned, not
 * split into arrays and sets of its own size.
 */
function skippedContainers(pod: PodView, prefix: string): { skip: Set<string>; unknown: string[]; moreUnknown: number } {
  const skip = new Set<string>();
  const unknown: string[] = [];
  let moreUnknown = 0;
  const raw = pod.annotations[annotationKeys(prefix).skipContainers];
  if (typeof raw !== 'string') return { skip, unknown, moreUnknown };
  const known = new Set(pod.containers.map((c) => c.name));
  for (let start = 0; start <= raw.length;) {
    const comma = raw.indexOf(',', start);
    const end = comma === -1 ? raw.length : comma;
    const name = raw.slice(start, end).trim();
    start = end + 1;
    if (name === '') continue;
    if (known.has(name)) skip.add(name);
    else if (unknown.includes(name)) continue;
    else if (unknown.length < MAX_WARNINGS) unknown.push(name);
    else moreUnknown++;
  }
  return { skip, unknown, moreUnknown };
}

/** A file in the token volume as the container sees it (Windows: C:\ and backslashes, as upstream). */
function fileIn(mountPath: string, name: string, windows: boolean): string {
  const unix = `${trimSlashes(mountPath)}/${name}`;
  return windows ? `C:${unix.replace(/\//g, '\\')}` : unix;
}

function trimSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}

function identityVars(plan: InjectionPlan, config: EngineConfig, windows: boolean): EnvVar[] {
  const file = fileIn(plan.mountPath, plan.tokenPath, windows);
  return plan.mode === 'irsa'
    ? [{ name: 'AWS_ROLE_ARN', value: plan.roleArn ?? '' }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: file }]
    : [
        { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: config.containerCredentials.fullUri },
        { name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', value: file },
      ];
}

function containerOperations(
  c: ContainerView,
  plan: InjectionPlan,
  config: EngineConfig,
  identityEnv: readonly EnvVar[],
  chained: Chained | undefined,
  warnings: Message[],
): { ops: PatchOperation[]; added: string[]; leftAlone: boolean } {
  const identityDefined = identityEnv.some((e) => c.envNames.has(e.name));
  const regionDefined = c.envNames.has('AWS_REGION') || c.envNames.has('AWS_DEFAULT_REGION');
  const stsDefined = c.envNames.has('AWS_STS_REGIONAL_ENDPOINTS');
  if (chained && identityDefined && !identityEnv.every((e) => envValue(c, e.name) === e.value)) {
    // The container chose its own profile or config file (and it is not the webhook's from an earlier pass).
    warnings.push(W.awsProfileSet(c.name, CHAIN_ENV.filter((n) => c.envNames.has(n)).join(' and ')));
  }
  // Upstream quirk kept for parity: a container that already has all three is not even given the mount.
  if (identityDefined && regionDefined && stsDefined) return { ops: [], added: [], leftAlone: true };

  const mountNeeded = !c.mountNames.has(plan.volumeName);
  const mountBlocked = mountNeeded && c.mountPaths.has(plan.mountPath);
  let identityAllowed = !identityDefined;
  if (chained && identityAllowed) {
    // AWS_CONFIG_FILE may only name a file that is the webhook's annotation: the volume projects it,
    // the container mounts that volume at the token mount path, and no mount of its own covers the file.
    const reachable = chained.projected && !mountBlocked && (mountNeeded || mountsWholeVolume(c, plan)) && !coversFile(c, plan);
    if (!reachable) {
      identityAllowed = false;
      if (chained.projected) warnings.push(W.awsConfigMountNotProjected(c.name, chained.report.file));
    }
  }

  const env: EnvVar[] = [];
  if (plan.regionalSts && !stsDefined) env.push({ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' });
  if (config.awsDefaultRegion !== '' && !regionDefined) {
    env.push({ name: 'AWS_DEFAULT_REGION', value: config.awsDefaultRegion }, { name: 'AWS_REGION', value: config.awsDefaultRegion });
  }
  if (identityAllowed) {
    env.push(...identityEnv);
    // One hop only: in a chain the session name is in both profiles of the config file.
    if (!chained && plan.roleSessionName !== undefined && !c.envNames.has('AWS_ROLE_SESSION_NAME')) {
      env.push({ name: 'AWS_ROLE_SESSION_NAME', value: plan.roleSessionName });
    }
  }

  const base = `/spec/${c.list}/${c.index}`;
  const ops: PatchOperation[] = [];
  const added = env.map((e) => e.name);
  if (env.length > 0) {
    if (c.hasEnvArray) for (const e of env) ops.push({ op: 'add', path: `${base}/env/-`, value: { ...e } });
    else ops.push({ op: 'add', path: `${base}/env`, value: env.map((e) => ({ ...e })) });
  }
  if (mountBlocked) {
    // The API server rejects two mounts at one path, which would fail the user's pod creation.
    warnings.push(W.mountPathInUse(c.name, plan.mountPath));
  } else if (mountNeeded) {
    const mount = { name: plan.volumeName, readOnly: true, mountPath: plan.mountPath };
    ops.push(c.hasMountArray
      ? { op: 'add', path: `${base}/volumeMounts/-`, value: mount }
      : { op: 'add', path: `${base}/volumeMounts`, value: [mount] });
    added.push('volumeMount');
  }
  return { ops, added, leftAlone: false };
}

const NO_DETAIL: Pick<ContainerReport, 'present' | 'notAdded'> = { present: [], notAdded: [] };

/** For --explain: what the container already had of what the webhook manages, and why the rest was not added. */
function containerDetail(
  c: ContainerView, plan: InjectionPlan, config: EngineConfig, identityEnv: readonly EnvVar[], added: readonly string[], leftAlone: boolean,
): Pick<ContainerReport, 'present' | 'notAdded'> {
  const identityDefined = identityEnv.some((e) => c.envNames.has(e.name));
  const managed = [
    ...(plan.regionalSts ? ['AWS_STS_REGIONAL_ENDPOINTS'] : []),
    ...(config.awsDefaultRegion !== '' ? ['AWS_DEFAULT_REGION', 'AWS_REGION'] : []),
    ...identityEnv.map((e) => e.name),
  ];
  // Present: every variable the webhook looks at (region and STS count even when it would not add them).
  const looked = ['AWS_STS_REGIONAL_ENDPOINTS', 'AWS_DEFAULT_REGION', 'AWS_REGION', ...identityEnv.map((e) => e.name)];
  const present = [...looked.filter((n) => c.envNames.has(n)), ...(c.mountNames.has(plan.volumeName) ? ['volumeMount'] : [])];
  const missing = [...managed, 'volumeMount'].filter((n) => !present.includes(n) && !added.includes(n));
  if (leftAlone) {
    const why = 'the container already sets its identity, region and STS variables, and such a container is left alone (as upstream does)';
    return { present, notAdded: missing.map((what) => ({ what, why })) };
  }
  const identityNames = new Set(identityEnv.map((e) => e.name));
  const notAdded = missing.map((what) => ({
    what,
    why: what === 'volumeMount'
      ? `something else is mounted at ${plan.mountPath}`
      : identityNames.has(what) && !identityDefined
        ? 'the AWS config file at that path would not be the one the webhook writes in this container (see the warning)'
      : identityNames.has(what)
        ? `the container sets ${identityEnv.filter((e) => c.envNames.has(e.name)).map((e) => e.name).join(', ')}, and the identity variables are added only to a container that sets none of them`
        : `the container sets ${['AWS_DEFAULT_REGION', 'AWS_REGION'].filter((n) => c.envNames.has(n)).join(', ')}, and the region variables are added only to a container that sets neither`,
  }));
  return { present, notAdded };
}

function envValue(c: ContainerView, name: string): string | undefined {
  for (const e of c.env) if (isObject(e) && e.name === name) return typeof e.value === 'string' && e.valueFrom === undefined ? e.value : undefined;
  return undefined;
}

/** The container already mounts the token volume whole (no subPath) at the token mount path. */
function mountsWholeVolume(c: ContainerView, plan: InjectionPlan): boolean {
  const at = trimSlashes(plan.mountPath);
  return c.volumeMounts.some((m) => isObject(m) && m.name === plan.volumeName && typeof m.mountPath === 'string'
    && trimSlashes(m.mountPath) === at && !m.subPath && !m.subPathExpr);
}

/** Another mount sits exactly on the config file's path and would hide it. */
function coversFile(c: ContainerView, plan: InjectionPlan): boolean {
  const file = `${trimSlashes(plan.mountPath)}/${AWS_CONFIG_FILE_NAME}`;
  return c.volumeMounts.some((m) => isObject(m) && typeof m.mountPath === 'string' && trimSlashes(m.mountPath) === file);
}
