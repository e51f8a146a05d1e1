// Static mode (replay, mutate, `serve --service-accounts`): identities from
// files, ready at once. `serve` may still reload the Pod Identity file.

import { errors as E, fail, ok, type Result } from '../errors.js';
import { displayName, readDocuments } from '../io/documents.js';
import { isObject } from '../util/json.js';
import { CONFIG_MAP_NAME, ConfigMapCache, parseConfigMapData } from './config-map.js';
import { PodIdentitySet, loadPodIdentityFile, watchPodIdentityFile } from './pod-identity-file.js';
import { ServiceAccountCache, trimServiceAccount } from './service-account-cache.js';
import { storesSource, type IdentitySource, type RunningSource, type SourceDeps, type SourceSettings } from './source.js';

export interface StaticStores {
  readonly podIdentity: PodIdentitySet;
  readonly source: IdentitySource;
}

export type StaticFilesSettings = Pick<SourceSettings, 'serviceAccountFiles' | 'podIdentityFile' | 'annotationPrefix' | 'watchConfigMap'> & Partial<SourceSettings>;

export async function loadStaticStores(settings: StaticFilesSettings): Promise<Result<StaticStores>> {
  const serviceAccounts = new ServiceAccountCache();
  const configMap = new ConfigMapCache();
  const podIdentity = new PodIdentitySet();
  for (const file of settings.serviceAccountFiles) {
    const loaded = await loadServiceAccountFile(file, settings.annotationPrefix, serviceAccounts, configMap);
    if (!loaded.ok) return loaded;
  }
  if (settings.podIdentityFile) {
    const loaded = await loadPodIdentityFile(settings.podIdentityFile.path);
    if (!loaded.ok) return loaded;
    podIdentity.replace(loaded.value);
  }
  const source = storesSource({
    serviceAccounts, podIdentity, ...(settings.watchConfigMap ? { configMap } : {}),
  });
  return ok({ podIdentity, source });
}

/** `serve --service-accounts`: the static stores, plus the Pod Identity file reloaded when asked. */
export async function startFileSource(settings: SourceSettings, deps: SourceDeps): Promise<Result<RunningSource>> {
  const stores = await loadStaticStores(settings);
  if (!stores.ok) return stores;
  const file = settings.podIdentityFile;
  const watch = file?.watch ? watchPodIdentityFile(file.path, stores.value.podIdentity, deps) : undefined;
  return ok({
    source: stores.value.source,
    kind: 'static',
    async stop() {
      watch?.close();
    },
  });
}

async function loadServiceAccountFile(
  path: string,
  prefix: string,
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
      const sa = trimServiceAccount(item, prefix);
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
