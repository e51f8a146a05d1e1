// Static mode (replay, mutate, `serve --service-accounts`): identities from files.

import { errors as E, fail, ok, type Result } from '../errors.js';
import { isObject } from '../util/json.js';
import { displayName, readDocuments, readText } from '../io/documents.js';
import { CONFIG_MAP_NAME, ConfigMapCache, parseConfigMapData } from './config-map.js';
import { PodIdentitySet, parsePodIdentityText } from './pod-identity-file.js';
import { ServiceAccountCache, trimServiceAccount } from './service-account-cache.js';
import { storesSource } from './source.js';
import type { IdentitySource } from './types.js';

export interface StaticFilesOptions {
  readonly serviceAccountFiles: readonly string[];
  readonly podIdentityFile?: string;
  readonly annotationPrefix: string;
  readonly watchConfigMap: boolean;
  /** Namespace of the webhook (where its ConfigMap lives). */
  readonly namespace: string;
}

export interface StaticStores {
  readonly serviceAccounts: ServiceAccountCache;
  readonly configMap: ConfigMapCache;
  readonly podIdentity: PodIdentitySet;
  readonly source: IdentitySource;
}

export async function loadStaticStores(opts: StaticFilesOptions): Promise<Result<StaticStores>> {
  const serviceAccounts = new ServiceAccountCache();
  const configMap = new ConfigMapCache();
  const podIdentity = new PodIdentitySet();
  for (const file of opts.serviceAccountFiles) {
    const loaded = await loadServiceAccountFile(file, opts, serviceAccounts, configMap);
    if (!loaded.ok) return loaded;
  }
  if (opts.podIdentityFile) {
    const loaded = await loadPodIdentityFile(opts.podIdentityFile);
    if (!loaded.ok) return loaded;
    podIdentity.replace(loaded.value);
  }
  const source = storesSource({
    serviceAccounts, podIdentity, ...(opts.watchConfigMap ? { configMap } : {}),
  });
  return ok({ serviceAccounts, configMap, podIdentity, source });
}

export async function loadPodIdentityFile(path: string): Promise<Result<Set<string>>> {
  const text = await readText(path);
  if (!text.ok) return text;
  const parsed = parsePodIdentityText(text.value);
  return parsed.ok ? parsed : fail(E.podIdentityBad(displayName(path), parsed.error));
}

async function loadServiceAccountFile(
  path: string,
  opts: StaticFilesOptions,
  serviceAccounts: ServiceAccountCache,
  configMap: ConfigMapCache,
): Promise<Result<void>> {
  const name = displayName(path);
  const docs = await readDocuments(path);
  if (!docs.ok) return docs;
  const items: unknown[] = [];
  for (const doc of docs.value) {
    if (isObject(doc) && Array.isArray(doc.items) && typeof doc.kind === 'string' && doc.kind.endsWith('List')) items.push(...doc.items);
    else items.push(doc);
  }
  for (const [i, item] of items.entries()) {
    const bad = (reason: string): Result<never> => fail(E.serviceAccountsBad(name, `item ${i + 1}: ${reason}`));
    if (!isObject(item)) return bad('not an object');
    if (item.kind === 'ServiceAccount') {
      const sa = trimServiceAccount(item, opts.annotationPrefix);
      if (!sa) return bad('ServiceAccount without metadata.name');
      serviceAccounts.set(sa);
    } else if (item.kind === 'ConfigMap') {
      const meta = isObject(item.metadata) ? item.metadata : {};
      if (meta.name !== CONFIG_MAP_NAME) continue;
      const data = isObject(item.data) ? item.data : {};
      const parsed = parseConfigMapData(typeof data.config === 'string' ? data.config : undefined);
      if (!parsed.ok) return fail(E.configMapBad(`${name}: ConfigMap ${CONFIG_MAP_NAME}`, parsed.error));
      configMap.replace(parsed.value);
    } else {
      return bad(`kind "${String(item.kind)}" is neither ServiceAccount nor ConfigMap`);
    }
  }
  return ok(undefined);
}

