// Flag values → typed settings: the engine's configuration and the identity
// source's settings. The one place flags become plain data; nothing below the
// CLI reads a flag.

import type { AccountInfo } from '../aws/imds.js';
import { partitionForRegion } from '../aws/partition.js';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { DEFAULT_ENGINE_CONFIG, checkEngineConfig, type ConfigProblem, type EngineConfig } from '../engine/config.js';
import { loadStaticStores, type StaticStores } from '../identity/file-source.js';
import type { SourceSettings } from '../identity/source.js';
import type { FlagValues } from './parse-args.js';

/** `account` is required when --compose-role-arn is on (from flags or instance metadata). */
export function engineConfigFrom(v: FlagValues, account?: AccountInfo): EngineConfig {
  return {
    ...DEFAULT_ENGINE_CONFIG,
    annotationPrefix: String(v['annotation-prefix']),
    tokenAudience: String(v['token-audience']),
    tokenMountPath: String(v['token-mount-path']),
    tokenExpiration: Number(v['token-expiration']),
    awsDefaultRegion: String(v['aws-default-region']),
    stsRegionalEndpoint: v['sts-regional-endpoint'] === true,
    ...(v['compose-role-arn'] === true && account ? { composeRoleArn: account } : {}),
    containerCredentials: {
      audience: String(v['container-credentials-audience']),
      fullUri: String(v['container-credentials-full-uri']),
      volumeName: String(v['container-credentials-token-volume-name']),
      tokenPath: String(v['container-credentials-token-path']),
      mountPath: String(v['container-credentials-token-mount-path']),
    },
  };
}

/** Account and partition from flags alone (offline commands have no instance metadata). */
export function accountFromFlags(v: FlagValues): AccountInfo | undefined {
  const accountId = String(v['aws-account-id'] ?? '');
  if (accountId === '') return undefined;
  const partition = String(v['aws-partition'] ?? '') || partitionForRegion(String(v['aws-default-region'] ?? ''));
  return { accountId, partition };
}

const FLAG_OF: Record<ConfigProblem['field'], string> = {
  annotationPrefix: 'annotation-prefix',
  tokenMountPath: 'token-mount-path',
  'containerCredentials.mountPath': 'container-credentials-token-mount-path',
  'containerCredentials.volumeName': 'container-credentials-token-volume-name',
  'containerCredentials.tokenPath': 'container-credentials-token-path',
  'containerCredentials.fullUri': 'container-credentials-full-uri',
};

/** Refuses flag values that the engine says would make every mutated pod invalid. */
export function checkInjectionFlags(v: FlagValues): Result<void> {
  const problem = checkEngineConfig(engineConfigFrom(v));
  return problem ? fail(E.flagBadValue(FLAG_OF[problem.field], problem.value, problem.expected)) : ok(undefined);
}

export function offlineEngineConfig(v: FlagValues): Result<EngineConfig> {
  const checked = checkInjectionFlags(v);
  if (!checked.ok) return checked;
  const account = accountFromFlags(v);
  if (v['compose-role-arn'] === true && !account) return fail(E.composeNeedsAccount());
  return ok(engineConfigFrom(v, account));
}

/** Where identities come from; --watch-container-credentials-config wins over --container-credentials-config. */
export function sourceSettingsFrom(v: FlagValues): SourceSettings {
  const watched = String(v['watch-container-credentials-config'] ?? '');
  const once = String(v['container-credentials-config'] ?? '');
  const path = watched || once;
  return {
    annotationPrefix: String(v['annotation-prefix']),
    namespace: String(v.namespace),
    watchConfigMap: v['watch-config-map'] === true,
    serviceAccountFiles: (v['service-accounts'] as string[] | undefined) ?? [],
    ...(path ? { podIdentityFile: { path, watch: watched !== '' } } : {}),
    resyncMs: Number(v['resync-period'] ?? 0),
    lookupGraceMs: Number(v['service-account-lookup-grace-period'] ?? 0),
  };
}

/** Engine config and identities from files: what replay and mutate share. */
export async function staticIdentityFromFlags(v: FlagValues, opts: { defaultNamespace?: string } = {}): Promise<Result<{ config: EngineConfig; stores: StaticStores }>> {
  const config = offlineEngineConfig(v);
  if (!config.ok) return config;
  const stores = await loadStaticStores({ ...sourceSettingsFrom(v), ...opts });
  if (!stores.ok) return stores;
  return ok({ config: config.value, stores: stores.value });
}
