// `serve`: flags → identity source (serve-start.ts picks static files or the
// Kubernetes API) → serving certificate → HTTPS and metrics servers → wait for
// SIGTERM/SIGINT → drain. The server never knows which source answers.
// With --workers N the process becomes a cluster primary (serve-cluster.ts)
// and each worker runs this same path without its own metrics port.

import cluster from 'node:cluster';
import { isAbsolute, relative } from 'node:path';
import type { Logger } from 'pino';
import { watchClientCa } from '../server/client-ca.js';
import { workerLink, type WorkerLink } from '../server/cluster-link.js';
import { announcer, createLogger } from '../server/logger.js';
import { onStopSignal } from '../server/shutdown.js';
import { formatGoDuration } from '../util/go-duration.js';
import { FLAGS } from './flags.js';
import { stderrLine, type Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';
import { serveSettings, type ServeSettings } from './serve-settings.js';

export async function runServe(args: ParsedArgs, io: Io): Promise<number> {
  const settings = serveSettings(args);
  if (!settings.ok) return refuse(io, settings.error.message, 2);
  const s = settings.value;
  if (s.workers > 1 && cluster.isPrimary) {
    const { runPrimary } = await import('./serve-cluster.js');
    return runPrimary(args, s, io);
  }
  return runServer(args, s, io, cluster.isWorker ? workerLink() : undefined);
}

async function runServer(args: ParsedArgs, s: ServeSettings, io: Io, worker: WorkerLink | undefined): Promise<number> {
  const logger = createLogger(s.logLevel);
  if (!worker) noteIgnoredFlags(args, logger);
  // Loaded only now: the Kubernetes client alone takes half a second to import,
  // and a mistyped flag (or `replay`, which shares main.js) should not wait for it.
  const [{ startBackendAndCertificate, stopBackend }, { fixedCertificate }, { startWebhookServer }, { createMetrics }] = await Promise.all([
    import('./serve-start.js'), import('../server/serving-certificate.js'),
    import('../server/webhook-server.js'), import('../server/metrics.js'),
  ]);

  // A cluster worker is handed the primary's self-signed pair; the primary says when it is trusted.
  const handed = worker?.pair ? fixedCertificate(worker.pair, () => worker.trusted()) : undefined;
  if (handed && !handed.ok) return refuse(io, handed.error.message, 1);
  const started = await startBackendAndCertificate(s, logger, handed ? { handed: handed.value } : {});
  if (!started.ok) return refuse(io, started.error.message, 1);
  const { backend, certificate } = started.value;

  const server = await startWebhookServer({
    host: s.host,
    port: s.port,
    ...(worker ? {} : { metricsPort: s.metricsPort, metricsHost: s.metricsHost }),
    policy: s.policy,
    pair: certificate.pair,
    handleDeps: { source: backend.source, config: backend.config, random: Math.random },
    synced: () => backend.source.synced() && certificate.trusted(),
    ...(s.debugHandlers ? { snapshot: () => backend.source.snapshot() } : {}),
    maxRequestBytes: s.maxRequestBytes,
    limits: s.limits,
    logger,
    metrics: createMetrics({ clusterWorker: worker !== undefined }),
  });
  if (!server.ok) {
    certificate.stop();
    await stopBackend(backend);
    return refuse(io, server.error.message, 1);
  }
  certificate.keepFresh((pair) => server.value.setPair(pair));
  worker?.onPair((pair) => server.value.setPair(pair));
  const clientCaWatch = s.clientCaFile && s.policy.clientCa
    ? watchClientCa(s.clientCaFile, s.policy.clientCa, {
        onCa(pem) {
          server.value.setClientCa(pem);
          logger.info({ file: s.clientCaFile }, 'client CA reloaded');
        },
        onBroken(reason) {
          logger.warn({ reason }, 'client CA file changed but is not usable; still requiring the previous CA');
        },
      })
    : undefined;

  const stopped = new Promise<string>((resolve) => {
    onStopSignal(resolve, { exitOnSecond: !worker });
    worker?.onStop(resolve);
  });
  if (worker) {
    worker.listening(server.value.port);
  } else {
    announcer(logger).info({
      port: server.value.port, metricsPort: server.value.metricsPort, metricsHost: s.metricsHost, source: backend.kind,
      tlsMinVersion: s.policy.minVersion, clientCertificates: s.policy.clientCa !== undefined,
      certificate: s.certificate.kind, notAfter: certificate.pair.notAfter.toISOString(),
    }, 'listening');
    if (s.dev) io.err(devBanner(s, server.value.port, server.value.metricsPort));
  }

  const signal = await stopped;
  logger.info({ signal, grace: formatGoDuration(s.graceMs) }, 'shutting down: finishing in-flight requests');
  const drained = await server.value.shutdown(s.graceMs);
  clientCaWatch?.close();
  certificate.stop();
  await stopBackend(backend);
  (worker ? logger : announcer(logger)).info({ ms: drained.ms, forcedClose: drained.forced }, 'stopped');
  worker?.done();
  return 0;
}

export function refuse(io: Io, message: string, code: number): number {
  io.err(stderrLine('serve', message));
  return code;
}

/** Upstream Deployment args keep working; say which ones do nothing here. */
export function noteIgnoredFlags(args: ParsedArgs, logger: Logger): void {
  for (const flag of FLAGS) {
    if (flag.ignored && args.given.has(flag.name)) {
      logger.info({ flag: `--${flag.name}`, reason: flag.ignored }, 'upstream flag accepted; it has no effect');
    }
  }
}

export function devBanner(s: ServeSettings, port: number, metricsPort: number): string {
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
