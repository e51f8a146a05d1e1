// Placeholder: the Kubernetes source (issue 4) is being built this session.
import { fail, type Result } from '../../errors.js';
import type { RunningSource, StartSourceDeps } from '../running.js';

export async function startKubernetesSource(_deps: StartSourceDeps): Promise<Result<RunningSource>> {
  return fail({ code: 'E_KUBERNETES_UNAVAILABLE', message: 'Kubernetes mode is not built yet; use --service-accounts FILE' });
}
