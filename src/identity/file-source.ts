// Static mode (replay, mutate, `serve --service-accounts`): identities from
// files, ready at once. `serve` may still reload the Pod Identity file.

import { errors as E, notes as N, fail, ok, type Result, type Message } from '../errors.js';
import { displayName, readDocuments } from '../io/documents.js';
import { isObject } from '../util/json.js';
import { CONFIG_MAP_NAME, ConfigMapCache, parseConfigMapData } from './config-map.js';
import { PodIdentitySet, loadPodIdentityFile, watchPodIdentityFile } from './pod-identity-file.js';
import { ServiceAccountCache, trimServiceAccount } from './service-account-cache.js';
import { storesSource, type IdentitySource, type RunningSource, type SourceDeps, type SourceSettings } from './source.js';

export interface StaticStores {
  readonly podIdentity: PodIdentitySet;
  readonly source: IdentitySource;
  /** What the --service-accounts files held besides identities: skipped, one note per file. */
  readonly skipped: readonly Message[];
  /** ServiceAccounts known so far. */
  serviceAccountCount(): number;
  /**
   * Takes a ServiceAccount, or the pod-identity-webhook ConfigMap (with
   * --watch-config-map), found in other input (mutate's manifests); a List's
   * items one by one. Answers how many identities it took; other objects are
   * not its business (0).
   */
  addObject(object: unknown, where: string): Result<number>;
}

export type StaticFilesSettings = Pick<SourceSettings, 'serviceAccountFiles' | 'podIdentityFile' | 'annotationPrefix' | 'watchConfigMap'> & Partial<SourceSettings> & {
  /** Namespace of ServiceAccounts that have none (mutate -n); default "default". */
  readonly defaultNamespace?: string;
};

export async function loadStaticStores(settings: StaticFilesSettings): Promise<Result<StaticStores>> {
  const serviceAccounts = new ServiceAccountCache();
  const configMap = new ConfigMapCache();
  const podIdentity = new PodIdentitySet();
  const skipped: Message[] = [];
  const take = (item: unknown, where: string): Result<boolean> => {
    if (!isObject(item)) return ok(false);
    if (item.kind === 'ServiceAccount') {
      const sa = trimServiceAccount(item, settings.annotationPrefix, settings.defaultNamespace);
      if (!sa) return fail(E.serviceAccountNoName(where));
      serviceAccounts.set(sa);
      return ok(true);
    }
    const meta = isObject(item.metadata) ? item.metadata : {};
    if (item.kind !== 'ConfigMap' || meta.name !== CONFIG_MAP_NAME) return ok(false);
    // Read only when used: a ConfigMap nobody asked for cannot break the command.
    if (!settings.watchConfigMap) return ok(true);
    const data = isObject(item.data) ? item.data : {};
    const parsed = parseConfigMapData(typeof data.config === 'string' ? data.config : undefined);
    if (!parsed.ok) return fail(E.configMapBad(`${where}: ConfigMap ${CONFIG_MAP_NAME}`, parsed.error));
    configMap.replace(parsed.value);
    return ok(true);
  };
  for (const file of settings.serviceAccountFiles) {
    const loaded = await loadServiceAccountFile(file, take);
    if (!loaded.ok) return loaded;
    if (loaded.value) skipped.push(loaded.value);
  }
  if (settings.podIdentityFile) {
    const loaded = await loadPodIdentityFile(settings.podIdentityFile.path);
    if (!loaded.ok) return loaded;
    podIdentity.replace(loaded.value);
  }
  const source = storesSource({
    serviceAccounts, podIdentity, ...(settings.watchConfigMap ? { configMap } : {}),
  });
  return ok({
    podIdentity,
    source,
    skipped,
    serviceAccountCount: () => serviceAccounts.size,
    addObject(object, where) {
      const items = isList(object) ? object.items : [object];
      let taken = 0;
      for (const item of items) {
        const got = take(item, where);
        if (!got.ok) return got;
        if (got.value) taken++;
      }
      return ok(taken);
    },
  });
}

/** `serve --service-accounts`: the static stores, plus the Pod Identity file reloaded when asked. */
export async function startFileSource(settings: SourceSettings, deps: SourceDeps): Promise<Result<RunningSource>> {
  const stores = await loadStaticStores(settings);
  if (!stores.ok) return stores;
  for (const note of stores.value.skipped) deps.logger.info({ code: note.code }, note.message);
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

/** Reads one --service-accounts file; answers the note on what it skipped, if anything. */
async function loadServiceAccountFile(
  path: string,
  take: (item: unknown, where: string) => Result<boolean>,
): Promise<Result<Message | undefined>> {
  const name = displayName(path);
  const docs = await readDocuments(path);
  if (!docs.ok) return docs;
  const items: unknown[] = [];
  for (const doc of docs.value) {
    if (isList(doc)) items.push(...doc.items);
    else items.push(doc);
  }
  const skippedKinds = new Map<string, number>();
  for (const [i, item] of items.entries()) {
    if (!isObject(item)) return fail(E.serviceAccountsBad(name, `item ${i + 1}: not an object`));
    const taken = take(item, `${name}: item ${i + 1}`);
    if (!taken.ok) return taken;
    if (!taken.value) {
      // `kubectl kustomize` output holds Namespaces, Deployments, ...: use what applies, say what was not.
      const kind = typeof item.kind === 'string' && item.kind !== '' ? item.kind : 'no kind';
      skippedKinds.set(kind, (skippedKinds.get(kind) ?? 0) + 1);
    }
  }
  if (skippedKinds.size === 0) return ok(undefined);
  const count = [...skippedKinds.values()].reduce((a, b) => a + b, 0);
  const kinds = [...skippedKinds].map(([kind, n]) => (n > 1 ? `${n} ${kind}` : kind)).join(', ');
  return ok(N.skippedObjects(name, count, kinds));
}

function isList(doc: unknown): doc is { kind: string; items: unknown[] } {
  return isObject(doc) && Array.isArray(doc.items) && typeof doc.kind === 'string' && doc.kind.endsWith('List');
}
