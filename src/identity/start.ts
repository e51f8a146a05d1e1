// Chooses the identity source for `serve`: static files when
// --service-accounts is given, otherwise the Kubernetes API.

import { ok, type Result } from '../errors.js';
import { checkInjectionFlags, staticIdentityFromFlags } from '../cli/options.js';
import { watchPodIdentityFile } from './pod-identity-watch.js';
import type { RunningSource, StartSourceDeps } from './running.js';

function isStaticMode(values: StartSourceDeps['values']): boolean {
  return (values['service-accounts'] as string[]).length > 0;
}

export async function startSource(deps: StartSourceDeps): Promise<Result<RunningSource>> {
  // Static mode checks the injection flags when it builds its config (offlineEngineConfig).
  if (isStaticMode(deps.values)) return startStaticSource(deps);
  // Before connecting or asking instance metadata, so a bad flag fails at once.
  const checked = checkInjectionFlags(deps.values);
  if (!checked.ok) return checked;
  // Loaded only when needed: static mode should not pay for the Kubernetes client's memory.
  const { startKubernetesSource } = await import('./kubernetes/start.js');
  return startKubernetesSource(deps);
}

async function startStaticSource(deps: StartSourceDeps): Promise<Result<RunningSource>> {
  const v = deps.values;
  const identity = await staticIdentityFromFlags(v);
  if (!identity.ok) return identity;
  const { config, stores } = identity.value;
  const watched = String(v['watch-container-credentials-config'] ?? '');
  const stopWatch = watched
    ? watchPodIdentityFile(watched, stores.podIdentity, deps.logger, deps.onEvent)
    : { close: () => undefined };
  return ok({
    source: stores.source,
    config,
    kind: 'static',
    async stop() {
      stopWatch.close();
    },
  });
}
