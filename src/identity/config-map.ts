// The pod-identity-webhook ConfigMap: data.config is a JSON map from
// "namespace/serviceAccount" (namespace may be "*") to upstream's settings struct.

import { fail, ok, type Result } from '../errors.js';
import { isObject } from '../util/json.js';
import type { ConfigMapEntry } from '../engine/identity.js';

export const CONFIG_MAP_NAME = 'pod-identity-webhook';

/** The cross-account fields (issue 13), named like the annotations they mirror. */
const OPTIONAL_STRINGS = ['TargetRoleARN', 'TargetRoleExternalID', 'RoleSessionName'] as const;

/** Returns the entries, or a reason the text is unusable (the caller keeps the previous config). */
export function parseConfigMapData(config: string | undefined): Result<Map<string, ConfigMapEntry>, string> {
  const out = new Map<string, ConfigMapEntry>();
  if (config === undefined || config.trim() === '') return { ok: true, value: out };
  let parsed: unknown;
  try {
    parsed = JSON.parse(config);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (!isObject(parsed)) return { ok: false, error: 'not a JSON object' };
  for (const [key, raw] of Object.entries(parsed)) {
    const slash = key.indexOf('/');
    if (slash <= 0 || slash === key.length - 1) return { ok: false, error: `key "${key}" is not "namespace/serviceAccount"` };
    if (!isObject(raw)) return { ok: false, error: `value of "${key}" is not an object` };
    if (typeof raw.RoleARN !== 'string') return { ok: false, error: `"${key}" has no RoleARN string` };
    if (raw.Audience !== undefined && typeof raw.Audience !== 'string') return { ok: false, error: `"${key}".Audience is not a string` };
    if (raw.UseRegionalSTS !== undefined && typeof raw.UseRegionalSTS !== 'boolean') return { ok: false, error: `"${key}".UseRegionalSTS is not a boolean` };
    if (raw.TokenExpiration !== undefined && !Number.isInteger(raw.TokenExpiration)) return { ok: false, error: `"${key}".TokenExpiration is not an integer` };
    for (const field of OPTIONAL_STRINGS) {
      if (raw[field] !== undefined && typeof raw[field] !== 'string') return { ok: false, error: `"${key}".${field} is not a string` };
    }
    out.set(key, {
      RoleARN: raw.RoleARN,
      ...(raw.Audience !== undefined ? { Audience: raw.Audience as string } : {}),
      ...(raw.UseRegionalSTS !== undefined ? { UseRegionalSTS: raw.UseRegionalSTS as boolean } : {}),
      ...(raw.TokenExpiration !== undefined ? { TokenExpiration: raw.TokenExpiration as number } : {}),
      ...Object.fromEntries(OPTIONAL_STRINGS.filter((f) => raw[f] !== undefined).map((f) => [f, raw[f] as string])),
    });
  }
  return ok(out);
}

/** A replaceable snapshot: an update swaps the whole map, so removed keys disappear. */
export class ConfigMapCache {
  private entries = new Map<string, ConfigMapEntry>();

  replace(entries: Map<string, ConfigMapEntry>): void {
    this.entries = entries;
  }

  get(namespace: string, name: string): ConfigMapEntry | undefined {
    return this.entries.get(`${namespace}/${name}`) ?? this.entries.get(`*/${name}`);
  }

  snapshot(): Record<string, ConfigMapEntry> {
    return Object.fromEntries(this.entries);
  }

  get size(): number {
    return this.entries.size;
  }
}
