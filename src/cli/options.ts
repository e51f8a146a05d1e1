// Flag values → engine configuration. The one place flags become plain data.

import { errors as E, fail, ok, type Result } from '../errors.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../engine/config.js';
import { partitionForRegion } from '../identity/partition.js';
import { loadStaticStores, type StaticStores } from '../identity/static-files.js';
import type { FlagValues } from './parse-args.js';

export interface AccountInfo {
  readonly accountId: string;
  readonly partition: string;
}

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

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Refuses flag values that would make every mutated pod invalid for the API
 * server (it would then reject the user's pod, not the webhook's patch).
 */
export function checkInjectionFlags(v: FlagValues): Result<void> {
  const bad = (flag: string, expected: string) => fail(E.flagBadValue(flag, String(v[flag]), expected));
  if (String(v['annotation-prefix']) === '') return bad('annotation-prefix', 'a non-empty annotation prefix');
  for (const flag of ['token-mount-path', 'container-credentials-token-mount-path']) {
    if (!String(v[flag]).startsWith('/')) return bad(flag, 'an absolute path');
  }
  if (!DNS1123_LABEL.test(String(v['container-credentials-token-volume-name']))) {
    return bad('container-credentials-token-volume-name', 'a volume name (lowercase letters, digits and -, at most 63)');
  }
  const tokenPath = String(v['container-credentials-token-path']);
  if (tokenPath === '' || tokenPath.startsWith('/') || tokenPath.split('/').includes('..')) {
    return bad('container-credentials-token-path', 'a relative file name without ..');
  }
  try {
    new URL(String(v['container-credentials-full-uri']));
  } catch {
    return bad('container-credentials-full-uri', 'an absolute URL such as http://169.254.170.23/v1/credentials');
  }
  return ok(undefined);
}

export function offlineEngineConfig(v: FlagValues): Result<EngineConfig> {
  const checked = checkInjectionFlags(v);
  if (!checked.ok) return checked;
  const account = accountFromFlags(v);
  if (v['compose-role-arn'] === true && !account) return fail(E.composeNeedsAccount());
  return ok(engineConfigFrom(v, account));
}

/** The Pod Identity file: --watch-container-credentials-config wins over --container-credentials-config. */
export function podIdentityFileFrom(v: FlagValues): string | undefined {
  const watched = String(v['watch-container-credentials-config'] ?? '');
  const once = String(v['container-credentials-config'] ?? '');
  return watched || once || undefined;
}

/** Engine config and identities from files: what replay, mutate and static `serve` share. */
export async function staticIdentityFromFlags(v: FlagValues): Promise<Result<{ config: EngineConfig; stores: StaticStores }>> {
  const config = offlineEngineConfig(v);
  if (!config.ok) return config;
  const podIdentityFile = podIdentityFileFrom(v);
  const stores = await loadStaticStores({
    serviceAccountFiles: v['service-accounts'] as string[],
    ...(podIdentityFile ? { podIdentityFile } : {}),
    annotationPrefix: config.value.annotationPrefix,
    watchConfigMap: v['watch-config-map'] === true,
    namespace: String(v.namespace),
  });
  if (!stores.ok) return stores;
  return ok({ config: config.value, stores: stores.value });
}
