// How long a client may take at each step, and how many may be connected at
// once. Node's own defaults hold a silent TCP connection 120 s, a slowloris
// header or body for minutes and any number of idle connections; the API
// server gives a webhook at most 30 s (timeoutSeconds, default 10) per call,
// so nothing legitimate needs more than that.

export interface ConnectionLimits {
  /** TCP connected, TLS handshake not finished (no ClientHello, or a slow one). */
  readonly handshakeMs: number;
  /** From the connection (or the end of the last answer) to the end of the request's headers. */
  readonly headerMs: number;
  /** The whole request, headers and body. */
  readonly requestMs: number;
  /** A keep-alive connection with no request in flight. */
  readonly idleMs: number;
  /** Connections beyond this are closed as they arrive. */
  readonly maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  handshakeMs: 10_000,
  headerMs: 10_000,
  requestMs: 30_000,
  // Just above the 90 s after which kube-apiserver's HTTP client drops an idle
  // connection itself: the client always closes first, so a review is never
  // sent on a connection the webhook is closing at that moment (Go does not
  // retry a POST that meets a closed connection).
  idleMs: 95_000,
  maxConnections: 1000,
};

/**
 * How often Node looks for connections past their header or request
 * deadline. Its default is 30 s, which would let a slowloris client live up
 * to 30 s past its timeout; checking costs one pass over open connections.
 */
export function checkingIntervalMs(limits: ConnectionLimits): number {
  return Math.max(100, Math.min(1000, Math.floor(Math.min(limits.headerMs, limits.requestMs) / 4)));
}
