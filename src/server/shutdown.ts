// Graceful stop. The listener closes at once (new connections go to other
// replicas); requests already on the wire are answered, each with
// Connection: close. Connections idle at the start of the drain get a short
// window to send the request they may already have in flight before they are
// closed: closing them at once turns that request into a connection reset.

import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server as NetServer, type Socket } from 'node:net';

export interface DrainResult {
  /** Connections still open at the deadline and cut. */
  readonly forced: boolean;
  readonly ms: number;
}

/**
 * `sockets`: every TCP connection the server accepted, handshaking or not.
 * closeAllConnections() only knows connections that reached HTTP; one that
 * never sent a ClientHello would otherwise keep close() waiting past the grace.
 */
export function drain(server: HttpServer | HttpsServer, graceMs: number, sockets: ReadonlySet<Socket> = new Set(), idleWindowMs = 500): Promise<DrainResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let forced = false;
    const idle = setTimeout(() => server.closeIdleConnections(), Math.min(idleWindowMs, graceMs / 2));
    const deadline = setTimeout(() => {
      forced = true;
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    }, graceMs);
    // http(s).Server#close also closes idle connections at once (Node >= 19);
    // net.Server#close only stops accepting, which is the first step wanted here.
    NetServer.prototype.close.call(server, () => {
      clearTimeout(idle);
      clearTimeout(deadline);
      resolve({ forced, ms: Date.now() - started });
    });
  });
}

/**
 * Calls `stop` on the first SIGTERM or SIGINT. A second one exits at once,
 * except in cluster workers: Ctrl-C reaches them and the primary's stop message too.
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void, opts: { exitOnSecond?: boolean } = {}): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (opts.exitOnSecond !== false) process.exit(130);
      return;
    }
    stopping = true;
    stop(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
