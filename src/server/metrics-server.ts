// Plain HTTP on --metrics-port: /metrics, and /debug/alpha/cache with
// --enable-debugging-handlers. Kept apart from the HTTPS app so a cluster
// primary can serve the aggregated metrics of its workers.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { errors as E, fail, ok, type Result } from '../errors.js';

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

/** Listens on host; '::' falls back to '0.0.0.0' on machines without IPv6. */
export function listenWithFallback(server: Server, port: number, host: string): Promise<Result<void, string>> {
  return new Promise((resolve) => {
    const attempt = (h: string) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (h === '::' && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL')) return attempt('0.0.0.0');
        resolve({ ok: false, error: err.code ?? err.message });
      });
      server.listen(port, h, () => resolve({ ok: true, value: undefined }));
    };
    attempt(host);
  });
}

async function answer(req: IncomingMessage, res: ServerResponse, opts: MetricsServerOptions): Promise<void> {
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
      const { contentType, text } = await opts.collect();
      return send(200, contentType, text);
    } catch (err) {
      return send(500, 'text/plain', `metrics collection failed: ${(err as Error).message}\n`);
    }
  }
  if (path === '/debug/alpha/cache' && opts.snapshot) return send(200, 'application/json', JSON.stringify(await opts.snapshot()));
  const e = E.httpNotFound(path ?? '/');
  return send(404, 'application/json', JSON.stringify({ code: e.code, message: e.message }));
}
