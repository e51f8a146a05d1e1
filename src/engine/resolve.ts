// Which identity applies to a pod, and with which token settings.
// Precedence (first match wins): Pod Identity file, ServiceAccount role-arn
// annotation, ConfigMap "ns/sa", ConfigMap "*/sa", nothing.

import { warnings as W, type Message } from '../errors.js';
import type { IdentityLookup } from './identity.js';
import { parseGoBool } from '../util/go-bool.js';
import { annotationKeys } from './annotations.js';
import { parseGoInt } from '../util/go-int.js';
import {
  DEFAULT_TOKEN_EXPIRATION, MAX_TOKEN_EXPIRATION, MIN_TOKEN_EXPIRATION, POD_IDENTITY_JITTER_MIN, type EngineConfig,
} from './config.js';

export type Mode = 'irsa' | 'pod-identity';

/** The second hop: AssumeRole from the web-identity role into another (usually another account's). */
export interface ChainPlan {
  readonly targetRoleArn: string;
  readonly externalId?: string;
}

export interface InjectionPlan {
  readonly mode: Mode;
  /** IRSA only. */
  readonly roleArn?: string;
  /** IRSA only: AWS_ROLE_SESSION_NAME for one hop, role_session_name in both profiles of a chain. */
  readonly roleSessionName?: string;
  /** IRSA only: set when target-role-arn asks for a chained AssumeRole. */
  readonly chain?: ChainPlan;
  readonly audience: string;
  readonly expirationSeconds: number;
  /**
   * Set when expirationSeconds was drawn at random from this range (EKS Pod
   * Identity's default lifetime is spread so a fleet does not refresh at once).
   */
  readonly expirationRange?: readonly [min: number, max: number];
  readonly regionalSts: boolean;
  readonly volumeName: string;
  readonly mountPath: string;
  readonly tokenPath: string;
  /** Where the settings came from, for reasons and --explain. */
  readonly source: 'pod-identity' | 'service-account' | 'config-map';
}

export type Resolution =
  | { readonly plan: InjectionPlan; readonly warnings: Message[] }
  | { readonly plan: undefined; readonly reason: string; readonly warnings: Message[] };

export interface ResolveInput {
  readonly lookup: IdentityLookup;
  readonly podAnnotations: Readonly<Record<string, unknown>>;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly config: EngineConfig;
  /** Uniform in [0, 1); the only randomness the engine uses (token jitter). */
  readonly random: () => number;
}

const ROLE_ARN_PATTERN = /^arn:aws[a-z0-9-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
// What STS accepts for ExternalId and RoleSessionName (its API reference); anything else it refuses.
const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/;
const SESSION_NAME_PATTERN = /^[\w+=,.@-]{2,64}$/;

interface CrossAccountValues {
  readonly targetRoleArn: string | undefined;
  readonly externalId: string | undefined;
  readonly sessionName: string | undefined;
}

export function resolvePlan(input: ResolveInput): Resolution {
  const { lookup, config, podAnnotations } = input;
  const keys = annotationKeys(config.annotationPrefix);
  const sa = lookup.serviceAccount;
  const saAnn = sa?.annotations ?? {};
  const warnings: Message[] = [];
  const podExpiration = stringAnnotation(podAnnotations, keys.tokenExpiration);
  const saExpiration = saAnn[keys.tokenExpiration];

  const cm = lookup.configMap;
  if (lookup.podIdentity) {
    // EKS chains Pod Identity itself (the association's targetRoleArn); a config file would fight it.
    if (nonEmpty(saAnn[keys.targetRoleArn]) || nonEmpty(cm?.TargetRoleARN)) warnings.push(W.targetRolePodIdentity());
    const cc = config.containerCredentials;
    let expiration = pickExpiration(podExpiration, saExpiration, undefined, config.tokenExpiration, warnings);
    const jittered = expiration === DEFAULT_TOKEN_EXPIRATION;
    if (jittered) {
      const span = DEFAULT_TOKEN_EXPIRATION - POD_IDENTITY_JITTER_MIN + 1;
      expiration = POD_IDENTITY_JITTER_MIN + Math.min(span - 1, Math.floor(input.random() * span));
    }
    return {
      warnings,
      plan: {
        mode: 'pod-identity',
        audience: cc.audience,
        expirationSeconds: expiration,
        ...(jittered ? { expirationRange: [POD_IDENTITY_JITTER_MIN, DEFAULT_TOKEN_EXPIRATION] as const } : {}),
        regionalSts: regionalFromAnnotation(saAnn[keys.stsRegionalEndpoints], config.stsRegionalEndpoint, warnings),
        volumeName: cc.volumeName,
        mountPath: cc.mountPath,
        tokenPath: cc.tokenPath,
        source: 'pod-identity',
      },
    };
  }

  const saRole = saAnn[keys.roleArn];
  const saCrossAccount: CrossAccountValues = {
    targetRoleArn: nonEmpty(saAnn[keys.targetRoleArn]),
    externalId: nonEmpty(saAnn[keys.targetRoleExternalId]),
    sessionName: nonEmpty(saAnn[keys.roleSessionName]),
  };
  if (sa && saRole !== undefined && saRole !== '') {
    const roleArn = composeArn(saRole, config);
    if (!ROLE_ARN_PATTERN.test(roleArn)) warnings.push(W.roleArnFormat(roleArn));
    return {
      warnings,
      plan: {
        mode: 'irsa',
        roleArn,
        ...crossAccount(saCrossAccount, warnings),
        audience: nonEmpty(saAnn[keys.audience]) ?? config.tokenAudience,
        expirationSeconds: pickExpiration(podExpiration, saExpiration, undefined, config.tokenExpiration, warnings),
        regionalSts: regionalFromAnnotation(saAnn[keys.stsRegionalEndpoints], config.stsRegionalEndpoint, warnings),
        volumeName: config.tokenVolumeName,
        mountPath: config.tokenMountPath,
        tokenPath: config.tokenPath,
        source: 'service-account',
      },
    };
  }

  if (saCrossAccount.targetRoleArn !== undefined) warnings.push(W.targetRoleWithoutRoleArn(`ServiceAccount annotation ${keys.targetRoleArn}`));
  if (cm && !cm.RoleARN && nonEmpty(cm.TargetRoleARN)) warnings.push(W.targetRoleWithoutRoleArn('the ConfigMap entry\'s TargetRoleARN'));
  if (cm && cm.RoleARN) {
    const roleArn = composeArn(cm.RoleARN, config);
    if (!ROLE_ARN_PATTERN.test(roleArn)) warnings.push(W.roleArnFormat(roleArn));
    const cmExpiration = cm.TokenExpiration && cm.TokenExpiration !== 0 ? cm.TokenExpiration : undefined;
    return {
      warnings,
      plan: {
        mode: 'irsa',
        roleArn,
        ...crossAccount({
          targetRoleArn: nonEmpty(cm.TargetRoleARN), externalId: nonEmpty(cm.TargetRoleExternalID), sessionName: nonEmpty(cm.RoleSessionName),
        }, warnings),
        audience: nonEmpty(cm.Audience) ?? config.tokenAudience,
        expirationSeconds: pickExpiration(podExpiration, undefined, cmExpiration, config.tokenExpiration, warnings),
        // Go decodes a missing UseRegionalSTS as false, so only true can override the flag.
        regionalSts: cm.UseRegionalSTS === true || config.stsRegionalEndpoint,
        volumeName: config.tokenVolumeName,
        mountPath: config.tokenMountPath,
        tokenPath: config.tokenPath,
        source: 'config-map',
      },
    };
  }

  const who = `${input.namespace}/${input.serviceAccountName}`;
  const reason = !sa
    ? `ServiceAccount ${who} not found`
    : saRole === ''
      ? `ServiceAccount ${who} has an empty ${keys.roleArn} annotation`
      : `ServiceAccount ${who} has no ${keys.roleArn} annotation`;
  return { plan: undefined, reason, warnings };
}

/**
 * The session name and the chain, from values the cluster operator set. The
 * target ARN is never composed from --aws-account-id: it is usually in another
 * account. A malformed target is written anyway (as upstream does with role-arn,
 * so the failure shows at STS); optional values STS would refuse are left out.
 * An external id without a target has nothing to apply to.
 */
function crossAccount(values: CrossAccountValues, warnings: Message[]): { roleSessionName?: string; chain?: ChainPlan } {
  const out: { roleSessionName?: string; chain?: ChainPlan } = {};
  if (values.sessionName !== undefined) {
    if (SESSION_NAME_PATTERN.test(values.sessionName)) out.roleSessionName = values.sessionName;
    else warnings.push(W.roleSessionNameFormat(values.sessionName));
  }
  const target = values.targetRoleArn;
  if (target !== undefined) {
    if (!ROLE_ARN_PATTERN.test(target)) warnings.push(W.targetRoleArnFormat(target));
    let externalId: string | undefined;
    if (values.externalId !== undefined) {
      if (EXTERNAL_ID_PATTERN.test(values.externalId)) externalId = values.externalId;
      else warnings.push(W.externalIdFormat(values.externalId));
    }
    out.chain = externalId === undefined ? { targetRoleArn: target } : { targetRoleArn: target, externalId };
  }
  return out;
}

function composeArn(role: string, config: EngineConfig): string {
  if (role.startsWith('arn:') || !config.composeRoleArn) return role;
  const { partition, accountId } = config.composeRoleArn;
  return `arn:${partition}:iam::${accountId}:role/${role.replace(/^\//, '')}`;
}

function regionalFromAnnotation(value: string | undefined, fallback: boolean, warnings: Message[]): boolean {
  if (value === undefined) return fallback;
  const parsed = parseGoBool(value);
  // Upstream falls back silently; say so, as for an unreadable token-expiration.
  if (parsed === undefined) warnings.push(W.stsRegionalEndpointsInvalid(value, fallback));
  return parsed ?? fallback;
}

/**
 * Pod annotation > ServiceAccount annotation > ConfigMap value > flag; below 600
 * becomes 600 (as upstream) and above 2^32 becomes 2^32 (upstream passes it on and
 * the API server then refuses the pod).
 */
function pickExpiration(
  podValue: string | undefined,
  saValue: string | undefined,
  configMapValue: number | undefined,
  flagValue: number,
  warnings: Message[],
): number {
  let chosen: number | undefined;
  if (podValue !== undefined) {
    chosen = parseGoInt(podValue);
    if (chosen === undefined) warnings.push(W.tokenExpirationNotInteger('pod', podValue));
  }
  if (chosen === undefined && saValue !== undefined) {
    chosen = parseGoInt(saValue);
    if (chosen === undefined) warnings.push(W.tokenExpirationNotInteger('ServiceAccount', saValue));
  }
  chosen ??= configMapValue ?? flagValue;
  if (chosen < MIN_TOKEN_EXPIRATION) {
    warnings.push(W.tokenExpirationRaised(chosen));
    return MIN_TOKEN_EXPIRATION;
  }
  if (chosen > MAX_TOKEN_EXPIRATION) {
    warnings.push(W.tokenExpirationLowered(chosen));
    return MAX_TOKEN_EXPIRATION;
  }
  return chosen;
}

function stringAnnotation(annotations: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = annotations[key];
  return typeof v === 'string' ? v : undefined;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
