// Chooses the identity source for `serve`: static files when
// --service-accounts is given, otherwise the Kubernetes API.

import { fail, ok, type Result } from '../errors.js';
import { accountFromFlags, engineConfigFrom, podIdentityFileFrom } from '../cli/options.js';
import { errors as E } from '../errors.js';
import { startKubernetesSource } from './kubernetes/start.js';
import { watchPodIdentityFile } from './pod-identity-watch.js';
import type { RunningSource, StartSourceDeps } from './running.js';
import { loadStaticStores } from './static-files.js';

export function isStaticMode(values: StartSourceDeps['values']): boolean {
  return (values['service-accounts'] as string[]).length > 0;
}

export async function startSource(deps: StartSourceDeps): Promise<Result<RunningSource>> {
  return isStaticMode(deps.values) ? startStaticSource(deps) : startKubernetesSource(deps);
}

async function startStaticSource(deps: StartSourceDeps): Promise<Result<RunningSource>> {
  const v = deps.values;
  const account = accountFromFlags(v);
  if (v['compose-role-arn'] === true && !account) return fail(E.composeNeedsAccount());
  const config = engineConfigFrom(v, account);
  const podIdentityFile = podIdentityFileFrom(v);
  const stores = await loadStaticStores({
    serviceAccountFiles: v['service-accounts'] as string[],
    ...(podIdentityFile ? { podIdentityFile } : {}),
    annotationPrefix: config.annotationPrefix,
    watchConfigMap: v['watch-config-map'] === true,
    namespace: String(v.namespace),
  });
  if (!stores.ok) return stores;
  const watched = String(v['watch-container-credentials-config'] ?? '');
  const stopWatch = watched
    ? watchPodIdentityFile(watched, stores.value.podIdentity, deps.logger, deps.onEvent)
    : { close: () => undefined };
  return ok({
    source: stores.value.source,
    config,
    kind: 'static',
    async stop() {
      stopWatch.close();
    },
  });
}
