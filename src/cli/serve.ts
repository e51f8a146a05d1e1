// `serve`: flags → identity source (startSource picks static files or the
// Kubernetes API) → serving certificate → HTTPS and metrics servers → wait for
// SIGTERM/SIGINT → drain. The server never knows which source answers.

import { relative, isAbsolute } from 'node:path';
import type { Logger } from 'pino';
import type { SourceEvent } from '../identity/running.js';
import { announcer, createLogger } from '../server/logger.js';
import { onStopSignal } from '../server/shutdown.js';
import { formatGoDuration } from '../util/go-duration.js';
import { FLAGS } from './flags.js';
import type { Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';
import { serveSettings, type ServeSettings } from './serve-settings.js';

// A source that does not stop in time must not keep the process alive after SIGTERM.
const STOP_SOURCE_MS = 2000;

export async function runServe(args: ParsedArgs, io: Io): Promise<number> {
  const settings = serveSettings(args);
  if (!settings.ok) return refuse(io, settings.error.message, 2);
  const s = settings.value;
  const logger = createLogger(s.logLevel);
  noteIgnoredFlags(args, logger);
  // Loaded only now: the Kubernetes client alone takes half a second to import,
  // and a mistyped flag (or `replay`, which shares main.js) should not wait for it.
  const [{ startSource }, { servingCertificate }, { startWebhookServer }, { createMetrics }] = await Promise.all([
    import('../identity/start.js'), import('../server/serving-certificate.js'),
    import('../server/webhook-server.js'), import('../server/metrics.js'),
  ]);

  // Certificate files are checked before the source starts, so a wrong path fails
  // fast; a self-signed CA waits for the source, which may patch it into the cluster.
  const fromFiles = s.certificate.kind === 'files' ? await servingCertificate(s.certificate, { logger }) : undefined;
  if (fromFiles && !fromFiles.ok) return refuse(io, fromFiles.error.message, 1);
  const running = await startSource({ values: s.values, logger, onEvent: (e) => logSourceEvent(logger, e) });
  if (!running.ok) return refuse(io, running.error.message, 1);
  const source = running.value;
  const patch = source.patchWebhookCaBundle?.bind(source);
  const certificate = fromFiles ?? await servingCertificate(s.certificate, { logger, ...(patch ? { patchCaBundle: patch } : {}) });
  if (!certificate.ok) {
    await stopSource(source.stop());
    return refuse(io, certificate.error.message, 1);
  }

  const server = await startWebhookServer({
    host: s.host,
    port: s.port,
    metricsPort: s.metricsPort,
    policy: s.policy,
    pair: certificate.value.pair,
    handleDeps: () => ({ source: source.source, config: source.config, random: Math.random }),
    synced: () => source.source.synced(),
    ...(s.debugHandlers ? { snapshot: () => source.source.snapshot() } : {}),
    maxRequestBytes: s.maxRequestBytes,
    logger,
    metrics: createMetrics(),
  });
  if (!server.ok) {
    certificate.value.stop();
    await stopSource(source.stop());
    return refuse(io, server.error.message, 1);
  }
  certificate.value.keepFresh((pair) => server.value.setPair(pair));

  const stopped = new Promise<NodeJS.Signals>((resolve) => onStopSignal(resolve));
  announcer(logger).info({
    port: server.value.port, metricsPort: server.value.metricsPort, source: source.kind,
    tlsMinVersion: s.policy.minVersion, clientCertificates: s.policy.clientCa !== undefined,
    certificate: s.certificate.kind, notAfter: certificate.value.pair.notAfter.toISOString(),
  }, 'listening');
  if (s.dev) io.err(devBanner(s, server.value.port, server.value.metricsPort));

  const signal = await stopped;
  logger.info({ signal, grace: formatGoDuration(s.graceMs) }, 'shutting down: finishing in-flight requests');
  const drained = await server.value.shutdown(s.graceMs);
  certificate.value.stop();
  await stopSource(source.stop());
  announcer(logger).info({ ms: drained.ms, forcedClose: drained.forced }, 'stopped');
  return 0;
}

function refuse(io: Io, message: string, code: number): number {
  io.err(`pod-identity-webhook serve: ${message}\n`);
  return code;
}

async function stopSource(stopping: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([stopping.catch(() => undefined), new Promise<void>((r) => { timer = setTimeout(r, STOP_SOURCE_MS); })]);
  clearTimeout(timer);
}

/** Upstream Deployment args keep working; say which ones do nothing here. */
function noteIgnoredFlags(args: ParsedArgs, logger: Logger): void {
  for (const flag of FLAGS) {
    if (flag.ignored && args.given.has(flag.name)) {
      logger.info({ flag: `--${flag.name}`, reason: flag.ignored }, 'upstream flag accepted; it has no effect');
    }
  }
}

function logSourceEvent(logger: Logger, e: SourceEvent): void {
  switch (e.type) {
    case 'synced': return void logger.info({ serviceAccounts: e.serviceAccounts, ms: e.ms }, 'identity source synced');
    case 'watch-restart': return void logger.warn({ resource: e.resource, reason: e.reason }, 'watch restarted');
    case 'reloaded': return void logger.info({ what: e.what }, 'reloaded');
    case 'reload-failed': return void logger.warn({ what: e.what, reason: e.reason }, 'reload failed; keeping the previous contents');
  }
}

function devBanner(s: ServeSettings, port: number, metricsPort: number): string {
  const dev = s.dev;
  if (!dev) return '';
  const show = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
  };
  const ca = dev.caFile ? `--cacert ${show(dev.caFile)} ` : '--insecure ';
  return [
    '',
    `pod-identity-webhook is serving https://localhost:${port}/mutate (static ServiceAccounts; metrics on http://localhost:${metricsPort}/metrics)`,
    'Try it:',
    '',
    `  curl ${ca}-H 'Content-Type: application/json' --data-binary @${show(dev.reviewFile)} 'https://localhost:${port}/mutate?timeout=10s'`,
    '',
    '',
  ].join('\n');
}
