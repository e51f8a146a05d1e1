// `serve` against a cluster: list/watch ServiceAccounts (and the ConfigMap with
// --watch-config-map) through a connection the caller owns, load the Pod
// Identity file, and hand back one RunningSource.

import { ok, type Result } from '../errors.js';
import { MAX_OBJECT_BYTES, type KubeConnection } from '../kubernetes/client.js';
import { startListWatch, type Backoff, type ListWatch } from '../kubernetes/list-watch.js';
import { TokenBucket } from '../kubernetes/rate-limit.js';
import { CONFIG_MAP_NAME, ConfigMapCache } from './config-map.js';
import { configMapTarget } from './config-map-watch.js';
import { graceLookup } from './lookup-grace.js';
import { PodIdentitySet, loadPodIdentityFile, watchPodIdentityFile } from './pod-identity-file.js';
import { ServiceAccountCache } from './service-account-cache.js';
import { serviceAccountTarget } from './service-account-watch.js';
import { storesSource, type RunningSource, type SourceDeps, type SourceSettings } from './source.js';

/** Knobs the flags do not expose; tests shorten them. */
export interface KubernetesSourceOptions {
  readonly backoff: Backoff;
  readonly watchTimeoutSeconds: number;
  readonly listLimit: number;
  readonly listTimeoutMs: number;
  readonly graceGetTimeoutMs: number;
  /** Largest watch line or list item read (MAX_OBJECT_BYTES; tests lower it). */
  readonly maxObjectBytes: number;
}

export const DEFAULT_KUBERNETES_OPTIONS: KubernetesSourceOptions = {
  backoff: { minMs: 1000, maxMs: 30_000 },
  // client-go picks 5–10 minutes so that watches of many clients do not end together.
  watchTimeoutSeconds: 300 + Math.floor(Math.random() * 300),
  listLimit: 500,
  listTimeoutMs: 60_000,
  graceGetTimeoutMs: 1000,
  maxObjectBytes: MAX_OBJECT_BYTES,
};

export async function startKubernetesSource(
  settings: SourceSettings,
  deps: SourceDeps,
  conn: KubeConnection,
  options: Partial<KubernetesSourceOptions> = {},
): Promise<Result<RunningSource>> {
  const o: KubernetesSourceOptions = { ...DEFAULT_KUBERNETES_OPTIONS, ...options };
  const log = deps.logger;

  const podIdentity = new PodIdentitySet();
  const file = settings.podIdentityFile;
  if (file) {
    const loaded = await loadPodIdentityFile(file.path);
    if (!loaded.ok) return loaded;
    podIdentity.replace(loaded.value);
  }

  const serviceAccounts = new ServiceAccountCache();
  const grace = graceLookup({
    graceMs: settings.lookupGraceMs,
    getTimeoutMs: o.graceGetTimeoutMs,
    cache: serviceAccounts, conn, limiter: new TokenBucket(10, 20),
    prefix: settings.annotationPrefix, logger: log,
  });

  // serve logs the SourceEvents (synced, watch-restart, reloaded); this module logs only the problems.
  const common = {
    conn, backoff: o.backoff, watchTimeoutSeconds: o.watchTimeoutSeconds, listTimeoutMs: o.listTimeoutMs,
    limit: o.listLimit, resyncMs: settings.resyncMs, maxObjectBytes: o.maxObjectBytes,
    onProblem: (problem: { code: string; message: string }, phase: string) => log.warn({ code: problem.code, phase }, problem.message),
  };
  let saSynced = false;
  const watches: ListWatch[] = [];
  watches.push(startListWatch({
    ...common,
    path: '/api/v1/serviceaccounts', what: 'list ServiceAccounts',
    target: serviceAccountTarget(serviceAccounts, settings.annotationPrefix, (sa) => grace.arrived(sa), (ns, name) => grace.gone(ns, name)),
    onSynced: (ms) => {
      saSynced = true;
      deps.onEvent?.({ type: 'synced', serviceAccounts: serviceAccounts.size, ms });
    },
    onRestart: (reason) => deps.onEvent?.({ type: 'watch-restart', resource: 'serviceaccounts', reason }),
  }));

  const configMap = new ConfigMapCache();
  let cmSynced = !settings.watchConfigMap;
  if (settings.watchConfigMap) {
    const namespace = settings.namespace;
    watches.push(startListWatch({
      ...common,
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`, what: `list ConfigMap ${namespace}/${CONFIG_MAP_NAME}`,
      fieldSelector: `metadata.name=${CONFIG_MAP_NAME}`,
      target: configMapTarget(configMap, namespace, log, deps.onEvent),
      onSynced: () => {
        cmSynced = true;
      },
      onRestart: (reason) => deps.onEvent?.({ type: 'watch-restart', resource: 'configmaps', reason }),
    }));
  }

  const fileWatch = file?.watch ? watchPodIdentityFile(file.path, podIdentity, deps) : undefined;

  const source = storesSource({
    serviceAccounts, podIdentity, ...(settings.watchConfigMap ? { configMap } : {}),
    synced: () => saSynced && cmSynced,
    onMiss: (namespace, name) => grace.miss(namespace, name),
  });

  let stopping: Promise<void> | undefined;
  return ok({
    source,
    kind: 'kubernetes',
    stop() {
      stopping ??= (async () => {
        fileWatch?.close();
        grace.stop();
        await Promise.all(watches.map((w) => w.stop()));
      })();
      return stopping;
    },
  });
}
