// The running webhook: the HTTPS app on --port and plain HTTP metrics on
// --metrics-port. Knows nothing about flags or where identities come from:
// `serve` (or a test) hands it a TLS policy, a serving pair and the handler deps.

import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { HandleDeps } from '../admission/handle.js';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { createApp } from './app.js';
import type { ServingPair } from './certificates.js';
import { createMetrics, type WebhookMetrics } from './metrics.js';
import { drain, type DrainResult } from './shutdown.js';
import { contextOptions, serverOptions, type TlsPolicy } from './tls.js';

export interface WebhookServerOptions {
  readonly host?: string;
  readonly port: number;
  readonly metricsHost?: string;
  readonly metricsPort: number;
  readonly policy: TlsPolicy;
  readonly pair: ServingPair;
  readonly handleDeps: () => HandleDeps;
  readonly synced: () => boolean;
  /** Present with --enable-debugging-handlers: the JSON behind /debug/alpha/cache. */
  readonly snapshot?: () => unknown;
  readonly maxRequestBytes: number;
  readonly logger: Logger;
  readonly metrics?: WebhookMetrics;
}

export interface WebhookServer {
  readonly port: number;
  readonly metricsPort: number;
  readonly metrics: WebhookMetrics;
  /** Serve this pair to new connections (open ones keep theirs). */
  setPair(pair: ServingPair): void;
  /** Stop accepting, answer what is in flight (up to graceMs), close everything. */
  shutdown(graceMs: number): Promise<DrainResult>;
}

// Longer than the API server's idle-connection timeout (90s): if the server
// closed first, a request sent at that moment would meet a reset connection.
const KEEP_ALIVE_MS = 120_000;

export async function startWebhookServer(opts: WebhookServerOptions): Promise<Result<WebhookServer>> {
  const metrics = opts.metrics ?? createMetrics();
  let closing = false;
  let https: HttpsServer | undefined;
  const app = createApp({
    serverFactory: (handler) => {
      https = createHttpsServer({ ...serverOptions(opts.policy), ...contextOptions(opts.policy, opts.pair) }, handler);
      https.keepAliveTimeout = KEEP_ALIVE_MS;
      https.headersTimeout = KEEP_ALIVE_MS + 1000;
      https.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
        opts.logger.debug({ remote: socket.remoteAddress, reason: err.code ?? err.message }, 'TLS handshake refused');
      });
      return https;
    },
    handleDeps: opts.handleDeps,
    metrics,
    logger: opts.logger,
    maxRequestBytes: opts.maxRequestBytes,
    ready: () => !closing && opts.synced(),
    closing: () => closing,
  });

  try {
    await app.listen({ host: opts.host ?? '0.0.0.0', port: opts.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    return fail(E.listenFailed('HTTPS', opts.port, (err as NodeJS.ErrnoException).code ?? (err as Error).message));
  }
  const server = https as unknown as HttpsServer;

  const metricsServer = createHttpServer((req, res) => void serveMetrics(req, res, metrics, opts.snapshot));
  const metricsListening = await new Promise<Result<number>>((resolve) => {
    metricsServer.once('error', (err: NodeJS.ErrnoException) => resolve(fail(E.listenFailed('metrics', opts.metricsPort, err.code ?? err.message))));
    metricsServer.listen(opts.metricsPort, opts.metricsHost ?? opts.host ?? '0.0.0.0', () => resolve(ok((metricsServer.address() as AddressInfo).port)));
  });
  if (!metricsListening.ok) {
    await app.close().catch(() => undefined);
    return metricsListening;
  }

  return ok({
    port: (server.address() as AddressInfo).port,
    metricsPort: metricsListening.value,
    metrics,
    setPair(pair) {
      server.setSecureContext(contextOptions(opts.policy, pair));
    },
    async shutdown(graceMs) {
      closing = true;
      const result = await drain(server, graceMs);
      // The listener is already closed; fastify's own close only runs onClose hooks now.
      await app.close().catch(() => undefined);
      await closeMetrics(metricsServer);
      return result;
    },
  });
}

async function serveMetrics(req: IncomingMessage, res: ServerResponse, metrics: WebhookMetrics, snapshot?: () => unknown): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const send = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const e = E.httpMethodNotAllowed(req.method ?? '?', path ?? '/');
    res.setHeader('allow', 'GET');
    return send(405, 'application/json', JSON.stringify({ code: e.code, message: e.message }));
  }
  if (path === '/metrics') {
    try {
      return send(200, metrics.registry.contentType, await metrics.registry.metrics());
    } catch (err) {
      return send(500, 'text/plain', `metrics collection failed: ${(err as Error).message}\n`);
    }
  }
  if (path === '/debug/alpha/cache' && snapshot) return send(200, 'application/json', JSON.stringify(snapshot()));
  const e = E.httpNotFound(path ?? '/');
  return send(404, 'application/json', JSON.stringify({ code: e.code, message: e.message }));
}

function closeMetrics(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
