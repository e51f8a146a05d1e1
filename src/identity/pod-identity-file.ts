// Upstream's EKS Pod Identity file: {"identities":[{"namespace":"..","serviceAccount":".."}]}.

import { errors as E, fail, ok, type Result } from '../errors.js';
import { displayName, readText } from '../io/documents.js';
import { isObject } from '../util/json.js';
import { watchLoaded, type FileWatch } from '../util/watch-files.js';
import type { SourceDeps } from './source.js';

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

export class PodIdentitySet {
  private keys: ReadonlySet<string> = new Set<string>();

  replace(keys: ReadonlySet<string>): void {
    this.keys = keys;
  }

  current(): ReadonlySet<string> {
    return this.keys;
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


export async function loadPodIdentityFile(path: string): Promise<Result<Set<string>>> {
  const text = await readText(path);
  if (!text.ok) return text;
  const parsed = parsePodIdentityText(text.value);
  return parsed.ok ? parsed : fail(E.podIdentityBad(displayName(path), parsed.error));
}

/**
 * --watch-container-credentials-config: reload the file when it changes. An
 * empty file clears the identities; a malformed or unreadable one is logged
 * (once per reason, as the serving pair is) and the previous identities are
 * kept: a half-written file must not drop them. Problems are logged here;
 * `serve` logs the events.
 */
export function watchPodIdentityFile(path: string, set: PodIdentitySet, deps: SourceDeps): FileWatch {
  return watchLoaded<ReadonlySet<string>>([path], set.current(), () => loadPodIdentityFile(path), sameKeys, {
    onValue(keys) {
      set.replace(keys);
      deps.onEvent?.({ type: 'reloaded', what: path });
    },
    onBroken(reason) {
      deps.logger.warn({ file: path, reason }, 'EKS Pod Identity file is malformed or unreadable; keeping the previous identities');
      deps.onEvent?.({ type: 'reload-failed', what: path, reason });
    },
  });
}

function sameKeys(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}
