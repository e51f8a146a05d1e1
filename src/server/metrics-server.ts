// Plain HTTP on --metrics-port: /metrics, and /debug/alpha/cache with
// --enable-debugging-handlers. Kept apart from the HTTPS app so a cluster
// primary can serve the aggregated metrics of its workers.
//
// The cache dump can be megabytes (8.6 MB at 100k ServiceAccounts) and shares
// the event loop with admissions, so it is streamed in 64 KB pieces with a
// turn of the event loop (or a drain) between them, and at most
// MAX_CONCURRENT_DUMPS are written at once; more get 429. It lists every role
// mapping the webhook knows: bind the port with --metrics-bind-address where
// only scrapers reach it (docs/server.md).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { listenWithFallback } from './listen.js';
import { jsonPieces } from '../util/json-stream.js';
import { errorBody } from './refusal.js';

/** Dumps written at once; two is plenty for a human with curl and keeps admissions' share of the CPU. */
export const MAX_CONCURRENT_DUMPS = 2;

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
  const dumps = { active: 0 };
  const server = createServer((req, res) => void answer(req, res, opts, dumps));
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

async function answer(req: IncomingMessage, res: ServerResponse, opts: MetricsServerOptions, dumps: { active: number }): Promise<void> {
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
  if (path === '/debug/alpha/cache' && opts.snapshot) {
    if (dumps.active >= MAX_CONCURRENT_DUMPS) {
      res.setHeader('retry-after', '1');
      return send(429, 'application/json', errorBody(E.httpDebugBusy(MAX_CONCURRENT_DUMPS)));
    }
    dumps.active++;
    try {
      return await dump(req, res, opts.snapshot);
    } finally {
      dumps.active--;
    }
  }
  // A probe pointed at the wrong port: say where health is, not what this port lacks.
  if (path === '/healthz' || path === '/readyz') return send(404, 'application/json', errorBody(E.httpHealthNotOnMetricsPort(path)));
  return send(404, 'application/json', errorBody(E.httpNotFoundOnMetricsPort(path ?? '/', opts.snapshot !== undefined)));
}

async function dump(req: IncomingMessage, res: ServerResponse, snapshot: () => unknown): Promise<void> {
  if (req.method === 'HEAD') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    return void res.end();
  }
  try {
    const pieces = jsonPieces(await snapshot());
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    for (const piece of pieces) {
      if (res.destroyed) return;
      // Wait for a slow reader instead of buffering the dump, and always give
      // admissions a turn of the event loop: on a fast socket 'drain' arrives
      // on a nextTick, and waiting for it alone never let the loop turn.
      if (!res.write(piece)) await drained(res);
      await turn();
    }
    res.end();
  } catch (err) {
    if (!res.headersSent) {
      const body = `cache dump failed: ${(err as Error).message}\n`;
      res.writeHead(500, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      return void res.end(body);
    }
    // Half a JSON document must not look whole: cut the connection.
    res.destroy();
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
