// Upstream's EKS Pod Identity file: {"identities":[{"namespace":"..","serviceAccount":".."}]}.

import { ok, type Result } from '../errors.js';
import { isObject } from '../util/json.js';
import type { PodIdentityStore } from './types.js';

/** An empty text means "no identities" (upstream clears on an empty file). */
export function parsePodIdentityText(text: string): Result<Set<string>, string> {
  const out = new Set<string>();
  if (text.trim() === '') return ok(out);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (!isObject(parsed)) return { ok: false, error: 'not a JSON object' };
  const ids = parsed.identities;
  if (ids === undefined || ids === null) return ok(out);
  if (!Array.isArray(ids)) return { ok: false, error: '"identities" is not an array' };
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!isObject(id) || typeof id.namespace !== 'string' || typeof id.serviceAccount !== 'string' || !id.namespace || !id.serviceAccount) {
      return { ok: false, error: `identities[${i}] needs "namespace" and "serviceAccount" strings` };
    }
    out.add(`${id.namespace}/${id.serviceAccount}`);
  }
  return ok(out);
}

export class PodIdentitySet implements PodIdentityStore {
  private keys = new Set<string>();

  replace(keys: Set<string>): void {
    this.keys = keys;
  }

  has(namespace: string, name: string): boolean {
    return this.keys.has(`${namespace}/${name}`);
  }

  snapshot(): string[] {
    return [...this.keys].sort();
  }

  get size(): number {
    return this.keys.size;
  }
}

