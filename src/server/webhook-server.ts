// The running webhook: the HTTPS app on --port and plain HTTP metrics on
// --metrics-port. Knows nothing about flags or where identities come from:
// `serve` (or a test) hands it a TLS policy, a serving pair and the handler deps.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { HandleDeps } from '../admission/handle.js';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { createApp } from './app.js';
import type { ConnectionLimits } from './connection-limits.js';
import { lingerOnClose } from './lingering-close.js';
import { listenWithFallback } from './listen.js';
import type { ServingPair } from './certificates.js';
import { createMetrics, type WebhookMetrics } from './metrics.js';
import { startMetricsServer } from './metrics-server.js';
import { drain, type DrainResult } from './shutdown.js';
import { contextOptions, serverOptions, type TlsPolicy } from './tls.js';

export interface WebhookServerOptions {
  readonly host?: string;
  readonly port: number;
  readonly metricsHost?: string;
  /** Undefined: no metrics server (cluster workers). */
  readonly metricsPort?: number;
  readonly policy: TlsPolicy;
  readonly pair: ServingPair;
  readonly handleDeps: HandleDeps;
  readonly synced: () => boolean;
  /** Present with --enable-debugging-handlers: the JSON behind /debug/alpha/cache. */
  readonly snapshot?: () => unknown;
  readonly maxRequestBytes: number;
  readonly limits?: ConnectionLimits;
  readonly logger: Logger;
  readonly metrics?: WebhookMetrics;
}

export interface WebhookServer {
  readonly port: number;
  /** -1 when there is no metrics server. */
  readonly metricsPort: number;
  readonly metrics: WebhookMetrics;
  /** Serve this pair to new connections (open ones keep theirs). */
  setPair(pair: ServingPair): void;
  /** Require client certificates from this CA on new connections (only when started with one). */
  setClientCa(pem: string): void;
  /** Stop accepting, answer what is in flight (up to graceMs), close everything. */
  shutdown(graceMs: number): Promise<DrainResult>;
}

export async function startWebhookServer(opts: WebhookServerOptions): Promise<Result<WebhookServer>> {
  const metrics = opts.metrics ?? createMetrics();
  let closing = false;
  // What new connections get; each setter rebuilds the secure context from both.
  let policy = opts.policy;
  let pair = opts.pair;
  const app = createApp({
    https: { ...serverOptions(opts.policy), ...contextOptions(opts.policy, opts.pair) },
    handleDeps: opts.handleDeps,
    metrics,
    logger: opts.logger,
    maxRequestBytes: opts.maxRequestBytes,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ready: () => !closing && opts.synced(),
    closing: () => closing,
  });
  const server = app.server;
  // Per connection, not per request: what shutdown must be able to cut, handshaking or not.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', lingerOnClose);
  server.on('drop', (data?: { remoteAddress?: string }) => {
    opts.logger.debug({ remote: data?.remoteAddress, maxConnections: server.maxConnections }, 'connection refused: --max-connections reached');
  });
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    opts.logger.debug({ remote: socket.remoteAddress, reason: err.code ?? err.message }, 'TLS handshake refused');
  });

  await app.ready();
  const listening = await listenWithFallback(server, opts.port, opts.host ?? '::');
  if (!listening.ok) {
    await app.close().catch(() => undefined);
    return fail(E.listenFailed('HTTPS', opts.port, listening.error));
  }

  // Cluster workers leave metrics to the primary, which aggregates them.
  const metricsServer = opts.metricsPort === undefined ? undefined : await startMetricsServer({
    host: opts.metricsHost ?? opts.host ?? '::', port: opts.metricsPort,
    collect: async () => ({ contentType: metrics.registry.contentType, text: await metrics.registry.metrics() }),
    ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
  });
  if (metricsServer && !metricsServer.ok) {
    // fastify did not listen itself (listen.ts did), so its close does not stop the listener.
    server.close();
    server.closeAllConnections();
    await app.close().catch(() => undefined);
    return metricsServer;
  }

  return ok({
    port: (server.address() as AddressInfo).port,
    metricsPort: metricsServer?.value.port ?? -1,
    metrics,
    setPair(next) {
      pair = next;
      server.setSecureContext(contextOptions(policy, pair));
    },
    setClientCa(pem) {
      // requestCert is fixed when the server is made: a CA can be swapped, not added.
      if (!policy.clientCa) return;
      policy = { ...policy, clientCa: pem };
      server.setSecureContext(contextOptions(policy, pair));
    },
    async shutdown(graceMs) {
      closing = true;
      // Ahead of fastify's handler, and only from now on: no per-request cost while serving.
      server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => res.setHeader('connection', 'close'));
      const result = await drain(server, graceMs, sockets);
      // The listener is already closed; fastify's own close only runs onClose hooks now.
      await app.close().catch(() => undefined);
      await metricsServer?.value.close();
      return result;
    },
  });
}
