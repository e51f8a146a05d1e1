// Plain HTTP on --metrics-port: /metrics, and /debug/alpha/cache with
// --enable-debugging-handlers. Kept apart from the HTTPS app so a cluster
// primary can serve the aggregated metrics of its workers.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { listenWithFallback } from './listen.js';
import { errorBody } from './refusal.js';

export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly collect: () => Promise<{ contentType: string; text: string }>;
  readonly snapshot?: () => unknown | Promise<unknown>;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<Result<MetricsServer>> {
  const server = createServer((req, res) => void answer(req, res, opts));
  const listening = await listenWithFallback(server, opts.port, opts.host);
  if (!listening.ok) return fail(E.listenFailed('metrics', opts.port, listening.error));
  return ok({
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  });
}

async function answer(req: IncomingMessage, res: ServerResponse, opts: MetricsServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const send = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET');
    return send(405, 'application/json', errorBody(E.httpMethodNotAllowed(req.method ?? '?', path ?? '/')));
  }
  if (path === '/metrics') {
    try {
      const { contentType, text } = await opts.collect();
      return send(200, contentType, text);
    } catch (err) {
      return send(500, 'text/plain', `metrics collection failed: ${(err as Error).message}\n`);
    }
  }
  if (path === '/debug/alpha/cache' && opts.snapshot) return send(200, 'application/json', JSON.stringify(await opts.snapshot()));
  // A probe pointed at the wrong port: say where health is, not what this port lacks.
  if (path === '/healthz' || path === '/readyz') return send(404, 'application/json', errorBody(E.httpHealthNotOnMetricsPort(path)));
  return send(404, 'application/json', errorBody(E.httpNotFoundOnMetricsPort(path ?? '/', opts.snapshot !== undefined)));
}
