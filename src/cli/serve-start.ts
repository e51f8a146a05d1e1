// What `serve` and the --workers primary both do before they listen: check the
// certificate files (so a wrong path fails before the source starts), resolve
// the AWS account for --compose-role-arn (instance metadata, before the source
// starts), connect to the API server in Kubernetes mode, start the identity
// source, then make the self-signed pair, whose CA is patched into the
// cluster's caBundle over the same connection. Loaded by serve.ts only once
// the flags are known to be good.

import type { Logger } from 'pino';
import type { AccountInfo } from '../aws/imds.js';
import type { EngineConfig } from '../engine/config.js';
import { ok, type Result } from '../errors.js';
import { startFileSource } from '../identity/file-source.js';
import type { KubernetesSourceOptions } from '../identity/kubernetes-source.js';
import { isStaticMode, type IdentitySource, type SourceEvent } from '../identity/source.js';
import type { KubeConnection } from '../kubernetes/client.js';
import type { ConnectionEnv } from '../kubernetes/kubeconfig.js';
import { servingCertificate, type ServingCertificate } from '../server/serving-certificate.js';
import { accountFromFlags, checkInjectionFlags, engineConfigFrom, offlineEngineConfig, sourceSettingsFrom } from './options.js';
import type { FlagValues } from './parse-args.js';
import type { ServeSettings } from './serve-settings.js';

// A source that does not stop in time must not keep the process alive after SIGTERM.
const STOP_SOURCE_MS = 2000;

/** Everything the server needs from start-up, whichever mode it runs in. */
export interface Backend {
  readonly source: IdentitySource;
  /** The engine configuration, completed by start-up (the account from instance metadata). */
  readonly config: EngineConfig;
  readonly kind: 'static' | 'kubernetes';
  /** Kubernetes mode with --self-signed: add the CA to the MutatingWebhookConfiguration's caBundle. */
  readonly patchWebhookCaBundle?: (pem: string) => Promise<Result<void>>;
  /** Stop the source, then close the connection; resolves when nothing is left running. */
  stop(): Promise<void>;
}

/** Knobs the flags do not expose; tests shorten them and point them at fakes. */
export interface BackendOptions extends Partial<KubernetesSourceOptions>, Partial<ConnectionEnv> {
  readonly imdsTimeoutMs?: number;
}

export async function startBackend(
  values: FlagValues, deps: { logger: Logger; onEvent?: (e: SourceEvent) => void }, options: BackendOptions = {},
): Promise<Result<Backend>> {
  const settings = sourceSettingsFrom(values);
  if (isStaticMode(settings)) {
    // Static mode checks the injection flags when it builds its config.
    const config = offlineEngineConfig(values);
    if (!config.ok) return config;
    const running = await startFileSource(settings, deps);
    if (!running.ok) return running;
    return ok({ source: running.value.source, config: config.value, kind: 'static', stop: () => running.value.stop() });
  }
  // Before connecting or asking instance metadata, so a bad flag fails at once.
  const checked = checkInjectionFlags(values);
  if (!checked.ok) return checked;

  // Loaded only in Kubernetes mode: static mode should not pay for the client's memory.
  const [{ resolveKubeAccess }, { connect }, { startKubernetesSource }, { patchWebhookCaBundle }] = await Promise.all([
    import('../kubernetes/kubeconfig.js'), import('../kubernetes/client.js'),
    import('../identity/kubernetes-source.js'), import('../server/webhook-ca.js'),
  ]);
  const env = options.env ?? process.env;
  const access = resolveKubeAccess(
    { kubeconfig: String(values.kubeconfig ?? ''), kubeApi: String(values['kube-api'] ?? '') },
    { env, inClusterRoot: options.inClusterRoot ?? '' },
  );
  if (!access.ok) return access;

  const account = await composeAccount(values, env, options.imdsTimeoutMs ?? 2000, deps.logger);
  if (!account.ok) return account;
  const config = engineConfigFrom(values, account.value);

  const conn: KubeConnection = connect(access.value);
  const running = await startKubernetesSource(settings, deps, conn, options);
  if (!running.ok) {
    conn.close();
    return running;
  }
  let stopping: Promise<void> | undefined;
  const webhookConfigName = String(values['webhook-config-name']);
  return ok({
    source: running.value.source,
    config,
    kind: 'kubernetes',
    patchWebhookCaBundle: (pem) => patchWebhookCaBundle(conn, webhookConfigName, pem),
    stop() {
      // Closing the connection cuts a list or watch in flight, so the source's stop does not wait on it.
      stopping ??= (async () => {
        const stopped = running.value.stop();
        conn.close();
        await stopped;
      })();
      return stopping;
    },
  });
}

/** --compose-role-arn: the account from the flags, else from EC2 instance metadata. */
async function composeAccount(values: FlagValues, env: NodeJS.ProcessEnv, timeoutMs: number, logger: Logger)
  : Promise<Result<AccountInfo | undefined>> {
  const fromFlags = accountFromFlags(values);
  if (values['compose-role-arn'] !== true || fromFlags) return ok(fromFlags);
  const { accountFromImds, imdsEndpoint } = await import('../aws/imds.js');
  const fromImds = await accountFromImds(imdsEndpoint(env), timeoutMs);
  if (!fromImds.ok) return fromImds;
  const partition = String(values['aws-partition'] ?? '');
  const account = partition ? { ...fromImds.value, partition } : fromImds.value;
  logger.info({ accountId: account.accountId, partition: account.partition }, 'account for --compose-role-arn from EC2 instance metadata');
  return ok(account);
}

export interface StartedBackend {
  readonly backend: Backend;
  readonly certificate: ServingCertificate;
}

export interface StartOptions {
  /** A cluster worker serves the pair its primary handed over instead. */
  readonly handed?: ServingCertificate;
  /** Told when the self-signed CA becomes trusted, or stops being (the primary tells its workers). */
  readonly onTrust?: (trusted: boolean) => void;
}

export async function startBackendAndCertificate(s: ServeSettings, logger: Logger, opts: StartOptions = {}): Promise<Result<StartedBackend>> {
  const early = opts.handed ? ok(opts.handed) : s.certificate.kind === 'files' ? await servingCertificate(s.certificate, { logger }) : undefined;
  if (early && !early.ok) return early;
  const started = await startBackend(s.values, { logger, onEvent: (e) => logSourceEvent(logger, e) });
  if (!started.ok) {
    early?.value.stop();
    return started;
  }
  const backend = started.value;
  if (early) return ok({ backend, certificate: early.value });
  const patch = backend.patchWebhookCaBundle;
  const made = await servingCertificate(s.certificate, {
    logger, ...(patch ? { patchCaBundle: patch } : {}), ...(opts.onTrust ? { onTrust: opts.onTrust } : {}),
  });
  if (!made.ok) {
    await stopBackend(backend);
    return made;
  }
  return ok({ backend, certificate: made.value });
}

export async function stopBackend(backend: Backend): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([backend.stop().catch(() => undefined), new Promise<void>((r) => { timer = setTimeout(r, STOP_SOURCE_MS); })]);
  clearTimeout(timer);
}

/** Sources log their problems themselves; these are the events an operator follows. */
export function logSourceEvent(logger: Logger, e: SourceEvent): void {
  switch (e.type) {
    case 'synced': return void logger.info({ serviceAccounts: e.serviceAccounts, ms: e.ms }, 'identity source synced');
    case 'watch-restart': return void logger.warn({ resource: e.resource, reason: e.reason }, 'watch restarted');
    case 'reloaded': return void logger.info({ what: e.what }, 'reloaded');
    case 'reload-failed': return void logger.debug({ what: e.what, reason: e.reason }, 'reload failed; keeping the previous contents');
  }
}
