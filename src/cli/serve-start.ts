// What `serve` and the --workers primary both do before they listen: check the
// certificate files (so a wrong path fails before the source starts), start
// the identity source, then make the self-signed pair, which the source may
// patch into the cluster's caBundle. Loaded by serve.ts only once the flags
// are known to be good.

import type { Logger } from 'pino';
import { ok, type Result } from '../errors.js';
import type { RunningSource, SourceEvent } from '../identity/running.js';
import { startSource } from '../identity/start.js';
import { servingCertificate, type ServingCertificate } from '../server/serving-certificate.js';
import type { ServeSettings } from './serve-settings.js';

// A source that does not stop in time must not keep the process alive after SIGTERM.
const STOP_SOURCE_MS = 2000;

export interface Started {
  readonly source: RunningSource;
  readonly certificate: ServingCertificate;
}

export interface StartOptions {
  /** A cluster worker serves the pair its primary handed over instead. */
  readonly handed?: ServingCertificate;
  /** Told when the self-signed CA becomes trusted, or stops being (the primary tells its workers). */
  readonly onTrust?: (trusted: boolean) => void;
}

export async function startSourceAndCertificate(s: ServeSettings, logger: Logger, opts: StartOptions = {}): Promise<Result<Started>> {
  const early = opts.handed ? ok(opts.handed) : s.certificate.kind === 'files' ? await servingCertificate(s.certificate, { logger }) : undefined;
  if (early && !early.ok) return early;
  const running = await startSource({ values: s.values, logger, onEvent: (e) => logSourceEvent(logger, e) });
  if (!running.ok) {
    early?.value.stop();
    return running;
  }
  const source = running.value;
  if (early) return ok({ source, certificate: early.value });
  const patch = source.patchWebhookCaBundle?.bind(source);
  const made = await servingCertificate(s.certificate, {
    logger, ...(patch ? { patchCaBundle: patch } : {}), ...(opts.onTrust ? { onTrust: opts.onTrust } : {}),
  });
  if (!made.ok) {
    await stopSource(source.stop());
    return made;
  }
  return ok({ source, certificate: made.value });
}

export async function stopSource(stopping: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([stopping.catch(() => undefined), new Promise<void>((r) => { timer = setTimeout(r, STOP_SOURCE_MS); })]);
  clearTimeout(timer);
}

export function logSourceEvent(logger: Logger, e: SourceEvent): void {
  switch (e.type) {
    case 'synced': return void logger.info({ serviceAccounts: e.serviceAccounts, ms: e.ms }, 'identity source synced');
    case 'watch-restart': return void logger.warn({ resource: e.resource, reason: e.reason }, 'watch restarted');
    case 'reloaded': return void logger.info({ what: e.what }, 'reloaded');
    case 'reload-failed': return void logger.warn({ what: e.what, reason: e.reason }, 'reload failed; keeping the previous contents');
  }
}
