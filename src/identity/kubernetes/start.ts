// `serve` against a cluster: connect, list/watch ServiceAccounts (and the
// ConfigMap with --watch-config-map), load the Pod Identity file, resolve the
// account for --compose-role-arn, and hand back one RunningSource.

import { accountFromFlags, engineConfigFrom, podIdentityFileFrom, type AccountInfo } from '../../cli/options.js';
import { ok, type Result } from '../../errors.js';
import { CONFIG_MAP_NAME, ConfigMapCache } from '../config-map.js';
import { PodIdentitySet } from '../pod-identity-file.js';
import { watchPodIdentityFile } from '../pod-identity-watch.js';
import type { RunningSource, StartSourceDeps } from '../running.js';
import { ServiceAccountCache } from '../service-account-cache.js';
import { storesSource } from '../source.js';
import { loadPodIdentityFile } from '../static-files.js';
import { connect, loadKubeConfig } from './connection.js';
import { configMapTarget } from './config-map-watch.js';
import { accountFromImds, imdsEndpoint } from './imds.js';
import { startListWatch, type Backoff, type ListWatch } from './list-watch.js';
import { graceLookup } from './lookup-grace.js';
import { TokenBucket } from './rate-limit.js';
import { serviceAccountTarget } from './service-accounts.js';
import { patchWebhookCaBundle } from './webhook-ca.js';

/** Knobs the flags do not expose; tests shorten them. */
export interface KubernetesSourceOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly inClusterRoot: string;
  readonly backoff: Backoff;
  readonly watchTimeoutSeconds: number;
  readonly listLimit: number;
  readonly listTimeoutMs: number;
  readonly graceGetTimeoutMs: number;
  readonly imdsTimeoutMs: number;
}

export const DEFAULT_KUBERNETES_OPTIONS: KubernetesSourceOptions = {
  env: process.env,
  inClusterRoot: '',
  backoff: { minMs: 1000, maxMs: 30_000 },
  // client-go picks 5–10 minutes so that watches of many clients do not end together.
  watchTimeoutSeconds: 300 + Math.floor(Math.random() * 300),
  listLimit: 500,
  listTimeoutMs: 60_000,
  graceGetTimeoutMs: 1000,
  imdsTimeoutMs: 2000,
};

export function startKubernetesSource(deps: StartSourceDeps): Promise<Result<RunningSource>> {
  return startKubernetes(deps, DEFAULT_KUBERNETES_OPTIONS);
}

export async function startKubernetes(deps: StartSourceDeps, options: Partial<KubernetesSourceOptions>): Promise<Result<RunningSource>> {
  const o: KubernetesSourceOptions = { ...DEFAULT_KUBERNETES_OPTIONS, ...options };
  const v = deps.values;
  const log = deps.logger;

  // serve logs the SourceEvents (synced, watch-restart, reloaded); this module logs only the problems.
  const kc = loadKubeConfig({ kubeconfig: String(v.kubeconfig ?? ''), kubeApi: String(v['kube-api'] ?? '') },
    { env: o.env, inClusterRoot: o.inClusterRoot });
  if (!kc.ok) return kc;

  let account: AccountInfo | undefined = accountFromFlags(v);
  if (v['compose-role-arn'] === true && !account) {
    const fromImds = await accountFromImds(imdsEndpoint(o.env), o.imdsTimeoutMs);
    if (!fromImds.ok) return fromImds;
    account = String(v['aws-partition'] ?? '') ? { ...fromImds.value, partition: String(v['aws-partition']) } : fromImds.value;
    log.info({ accountId: account.accountId, partition: account.partition }, 'account for --compose-role-arn from EC2 instance metadata');
  }
  const config = engineConfigFrom(v, account);

  const podIdentity = new PodIdentitySet();
  const podIdentityFile = podIdentityFileFrom(v);
  if (podIdentityFile) {
    const loaded = await loadPodIdentityFile(podIdentityFile);
    if (!loaded.ok) return loaded;
    podIdentity.replace(loaded.value);
  }

  const conn = connect(kc.value);
  const serviceAccounts = new ServiceAccountCache();
  const grace = graceLookup({
    graceMs: Number(v['service-account-lookup-grace-period'] ?? 0),
    getTimeoutMs: o.graceGetTimeoutMs,
    cache: serviceAccounts, conn, limiter: new TokenBucket(10, 20),
    prefix: config.annotationPrefix, logger: log,
  });

  const common = {
    conn, backoff: o.backoff, watchTimeoutSeconds: o.watchTimeoutSeconds, listTimeoutMs: o.listTimeoutMs,
    onProblem: (problem: { code: string; message: string }, phase: string) => log.warn({ code: problem.code, phase }, problem.message),
  };
  let saSynced = false;
  const watches: ListWatch[] = [];
  watches.push(startListWatch({
    ...common,
    path: '/api/v1/serviceaccounts', what: 'list ServiceAccounts', limit: o.listLimit,
    resyncMs: Number(v['resync-period'] ?? 0),
    target: serviceAccountTarget(serviceAccounts, config.annotationPrefix, (sa) => grace.arrived(sa)),
    onSynced: (ms) => {
      saSynced = true;
      deps.onEvent?.({ type: 'synced', serviceAccounts: serviceAccounts.size, ms });
    },
    onRestart: (reason) => deps.onEvent?.({ type: 'watch-restart', resource: 'serviceaccounts', reason }),
  }));

  const watchConfigMap = v['watch-config-map'] === true;
  const configMap = new ConfigMapCache();
  let cmSynced = !watchConfigMap;
  if (watchConfigMap) {
    const namespace = String(v.namespace);
    watches.push(startListWatch({
      ...common,
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`, what: `list ConfigMap ${namespace}/${CONFIG_MAP_NAME}`,
      fieldSelector: `metadata.name=${CONFIG_MAP_NAME}`, limit: o.listLimit, resyncMs: Number(v['resync-period'] ?? 0),
      target: configMapTarget(configMap, namespace, log, deps.onEvent),
      onSynced: () => {
        cmSynced = true;
      },
      onRestart: (reason) => deps.onEvent?.({ type: 'watch-restart', resource: 'configmaps', reason }),
    }));
  }

  const watched = String(v['watch-container-credentials-config'] ?? '');
  const fileWatch = watched ? watchPodIdentityFile(watched, podIdentity, log, deps.onEvent) : undefined;

  const source = storesSource({
    serviceAccounts, podIdentity, ...(watchConfigMap ? { configMap } : {}),
    synced: () => saSynced && cmSynced,
    onMiss: (namespace, name) => grace.miss(namespace, name),
  });

  let stopping: Promise<void> | undefined;
  return ok({
    source,
    config,
    kind: 'kubernetes',
    stop() {
      stopping ??= (async () => {
        fileWatch?.close();
        grace.stop();
        const stopped = watches.map((w) => w.stop());
        conn.close();
        await Promise.all(stopped);
      })();
      return stopping;
    },
    patchWebhookCaBundle: (pem) => patchWebhookCaBundle(conn, String(v['webhook-config-name']), pem),
  });
}
