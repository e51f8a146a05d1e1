// The injection engine: pod + identity lookup + config in, RFC 6902 operations,
// warnings and a reason out. Pure: no I/O, no clock, no logger; the only
// randomness (Pod Identity token jitter) comes in as an argument.
//
// Patches are additive: they only add the env entries, mounts, volume and label
// that are missing, so every field the engine does not touch reaches the API
// server exactly as the user wrote it (upstream replaces whole container arrays
// and lost native sidecars' restartPolicy that way, its issues #208 and #114).

import { warnings as W, type UserError } from '../errors.js';
import type { IdentityLookup } from './identity.js';
import { escapePointerToken } from '../util/json-pointer.js';
import { annotationKeys } from './annotations.js';
import { POD_IDENTITY_LABEL, type EngineConfig } from './config.js';
import type { Json } from '../util/json.js';
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

export interface EngineResult {
  readonly operations: PatchOperation[];
  readonly warnings: UserError[];
  readonly reason: string;
  readonly mode?: Mode;
  readonly plan?: InjectionPlan;
  readonly containers: readonly ContainerReport[];
}

export interface EngineInput {
  readonly pod: PodView;
  /** request.namespace: on CREATE the pod's own metadata often has none. */
  readonly namespace: string;
  readonly lookup: IdentityLookup;
  readonly config: EngineConfig;
  readonly random: () => number;
}

interface EnvVar { readonly name: string; readonly value: string }

const MODE_LABEL: Record<Mode, string> = { irsa: 'IRSA', 'container-credentials': 'EKS Pod Identity' };

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
  const plan = resolution.plan;
  const operations: PatchOperation[] = [];

  if (plan.mode === 'container-credentials' && pod.labels?.[POD_IDENTITY_LABEL] !== 'enabled') {
    if (!pod.hasMetadata) {
      operations.push({ op: 'add', path: '/metadata', value: { labels: { [POD_IDENTITY_LABEL]: 'enabled' } } });
    } else if (!pod.labels) {
      operations.push({ op: 'add', path: '/metadata/labels', value: { [POD_IDENTITY_LABEL]: 'enabled' } });
    } else {
      operations.push({ op: 'add', path: `/metadata/labels/${escapePointerToken(POD_IDENTITY_LABEL)}`, value: 'enabled' });
    }
  }

  if (!pod.volumeNames.has(plan.volumeName)) {
    const volume = tokenVolume(plan);
    // Upstream puts the token volume first; keep that so pods look the same.
    operations.push(pod.hasVolumeArray
      ? { op: 'add', path: '/spec/volumes/0', value: volume }
      : { op: 'add', path: '/spec/volumes', value: [volume] });
  }

  const skip = skippedContainers(pod, config.annotationPrefix);
  const known = new Set(pod.containers.map((c) => c.name));
  for (const name of skip) if (!known.has(name)) warnings.push(W.skipUnknownContainer(name));

  const identityEnv = identityVars(plan, config, pod.windows);
  const reports: ContainerReport[] = [];
  for (const c of pod.containers) {
    if (skip.has(c.name)) {
      reports.push({ list: c.list, name: c.name, outcome: 'skipped', added: [], present: [], notAdded: [] });
      continue;
    }
    const { ops, added, present, notAdded } = containerOperations(c, plan, config, identityEnv, warnings);
    operations.push(...ops);
    reports.push({ list: c.list, name: c.name, outcome: added.length > 0 ? 'injected' : 'already-configured', added, present, notAdded });
  }

  const injected = reports.filter((r) => r.outcome === 'injected').length;
  const label = MODE_LABEL[plan.mode];
  const reason = operations.length === 0
    ? `${label} already present or all containers skipped`
    : injected > 0
      ? `injected ${label} into ${injected} container${injected === 1 ? '' : 's'}`
      : `injected ${label} token volume (every container skipped or already configured)`;
  return { operations, warnings, reason, mode: plan.mode, plan, containers: reports };
}

function tokenVolume(plan: InjectionPlan): Json {
  return {
    name: plan.volumeName,
    projected: {
      sources: [{
        serviceAccountToken: { audience: plan.audience, expirationSeconds: plan.expirationSeconds, path: plan.tokenPath },
      }],
    },
  };
}

function skippedContainers(pod: PodView, prefix: string): Set<string> {
  const raw = pod.annotations[annotationKeys(prefix).skipContainers];
  if (typeof raw !== 'string') return new Set();
  return new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''));
}

function tokenFile(plan: InjectionPlan, windows: boolean): string {
  const unix = `${plan.mountPath.replace(/\/+$/, '')}/${plan.tokenPath}`;
  return windows ? `C:${unix.replace(/\//g, '\\')}` : unix;
}

function identityVars(plan: InjectionPlan, config: EngineConfig, windows: boolean): EnvVar[] {
  const file = tokenFile(plan, windows);
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
  warnings: UserError[],
): Pick<ContainerReport, 'added' | 'present' | 'notAdded'> & { ops: PatchOperation[] } {
  const identityDefined = identityEnv.some((e) => c.envNames.has(e.name));
  const regionDefined = c.envNames.has('AWS_REGION') || c.envNames.has('AWS_DEFAULT_REGION');
  const stsDefined = c.envNames.has('AWS_STS_REGIONAL_ENDPOINTS');
  // What this webhook manages in this container, and which of it is already there.
  const managed = [
    ...(plan.regionalSts ? ['AWS_STS_REGIONAL_ENDPOINTS'] : []),
    ...(config.awsDefaultRegion !== '' ? ['AWS_DEFAULT_REGION', 'AWS_REGION'] : []),
    ...identityEnv.map((e) => e.name),
  ];
  // Present: every variable the webhook looks at (region and STS count even when it would not add them).
  const looked = ['AWS_STS_REGIONAL_ENDPOINTS', 'AWS_DEFAULT_REGION', 'AWS_REGION', ...identityEnv.map((e) => e.name)];
  const present = [...looked.filter((n) => c.envNames.has(n)), ...(c.mountNames.has(plan.volumeName) ? ['volumeMount'] : [])];
  const missing = (added: readonly string[]) => [...managed, 'volumeMount'].filter((n) => !present.includes(n) && !added.includes(n));
  // Upstream quirk kept for parity: a container that already has all three is not even given the mount.
  if (identityDefined && regionDefined && stsDefined) {
    const why = 'the container already sets its identity, region and STS variables, and such a container is left alone (as upstream does)';
    return { ops: [], added: [], present, notAdded: missing([]).map((what) => ({ what, why })) };
  }

  const env: EnvVar[] = [];
  if (plan.regionalSts && !stsDefined) env.push({ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' });
  if (config.awsDefaultRegion !== '' && !regionDefined) {
    env.push({ name: 'AWS_DEFAULT_REGION', value: config.awsDefaultRegion }, { name: 'AWS_REGION', value: config.awsDefaultRegion });
  }
  if (!identityDefined) env.push(...identityEnv);

  const base = `/spec/${c.list}/${c.index}`;
  const ops: PatchOperation[] = [];
  const added = env.map((e) => e.name);
  if (env.length > 0) {
    if (c.hasEnvArray) for (const e of env) ops.push({ op: 'add', path: `${base}/env/-`, value: { ...e } });
    else ops.push({ op: 'add', path: `${base}/env`, value: env.map((e) => ({ ...e })) });
  }
  if (!c.mountNames.has(plan.volumeName)) {
    if (c.mountPaths.has(plan.mountPath)) {
      // The API server rejects two mounts at one path, which would fail the user's pod creation.
      warnings.push(W.mountPathInUse(c.name, plan.mountPath));
    } else {
      const mount = { name: plan.volumeName, readOnly: true, mountPath: plan.mountPath };
      ops.push(c.hasMountArray
        ? { op: 'add', path: `${base}/volumeMounts/-`, value: mount }
        : { op: 'add', path: `${base}/volumeMounts`, value: [mount] });
      added.push('volumeMount');
    }
  }
  const identityNames = new Set(identityEnv.map((e) => e.name));
  const notAdded = missing(added).map((what) => ({
    what,
    why: what === 'volumeMount'
      ? `something else is mounted at ${plan.mountPath}`
      : identityNames.has(what)
        ? `the container sets ${identityEnv.filter((e) => c.envNames.has(e.name)).map((e) => e.name).join(', ')}, and the identity variables are added only to a container that sets none of them`
        : `the container sets ${['AWS_DEFAULT_REGION', 'AWS_REGION'].filter((n) => c.envNames.has(n)).join(', ')}, and the region variables are added only to a container that sets neither`,
  }));
  return { ops, added, present, notAdded };
}
