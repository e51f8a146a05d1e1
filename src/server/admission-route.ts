// POST /mutate on node's own request and response objects, in front of
// fastify. This is the one route the API server calls on every pod creation,
// and fastify's per-request lifecycle (routing, content-type parser, reply,
// hooks) measured about a sixth of the whole request here, more than the
// engine itself (docs/benchmarks.md, "Server"). The other routes stay in
// fastify (app.ts). Only HTTP lives here: handleReview decides, and every
// refusal is a catalogue error sent as {"code","message"}.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { handleReview, type Decision, type Handled, type HandleDeps } from '../admission/handle.js';
import { reviewBody } from '../admission/review.js';
import { errors as E, type Result, type UserError } from '../errors.js';
import type { WebhookMetrics } from './metrics.js';

export const ADMISSION_PATH = '/mutate';

export interface AdmissionRouteDeps {
  readonly handleDeps: () => HandleDeps;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  readonly maxRequestBytes: number;
}

/** The API server appends ?timeout=10s; the query is not ours to read. */
export function isAdmissionPath(url: string | undefined): boolean {
  return url !== undefined && url.startsWith(ADMISSION_PATH) && (url.length === ADMISSION_PATH.length || url.charCodeAt(ADMISSION_PATH.length) === 63 /* ? */);
}

export function admissionRoute(deps: AdmissionRouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { metrics, logger, maxRequestBytes } = deps;

  const send = (req: IncomingMessage, res: ServerResponse, started: number, status: number, body: Buffer, extra?: Record<string, string>) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, ...extra });
    res.end(body);
    metrics.observeRequest(req.method ?? '', ADMISSION_PATH, status, performance.now() - started);
  };
  // A refusal sent before the body was read closes the connection: the client
  // may still be sending, and what it sends next is not a request.
  const refuse = (req: IncomingMessage, res: ServerResponse, started: number, status: number, error: UserError, close: boolean, extra: Record<string, string> = {}) => {
    logger.debug({ status, code: error.code, reason: error.message }, 'admission review refused');
    send(req, res, started, status, Buffer.from(JSON.stringify({ code: error.code, message: error.message })), close ? { ...extra, connection: 'close' } : extra);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, started: number, handled: Result<Handled>) => {
    if (!handled.ok) return refuse(req, res, started, 400, handled.error, false);
    const { response, decision } = handled.value;
    metrics.observeDecision(decision);
    send(req, res, started, 200, reviewBody(response));
    if (logger.isLevelEnabled('debug')) logDecision(logger, decision, performance.now() - started);
  };

  const fail = (req: IncomingMessage, res: ServerResponse, started: number, err: unknown) => {
    logger.error({ err: { message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'request failed');
    if (!res.headersSent) refuse(req, res, started, 500, E.httpInternal(), true);
  };

  const decide = (req: IncomingMessage, res: ServerResponse, started: number, text: string) => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return refuse(req, res, started, 400, E.reviewBadJson((err as Error).message), false);
    }
    try {
      const handled = handleReview(body, deps.handleDeps());
      // A cached ServiceAccount answers at once; only a miss waits (grace period).
      if (handled instanceof Promise) handled.then((h) => answer(req, res, started, h), (err) => fail(req, res, started, err));
      else answer(req, res, started, handled);
    } catch (err) {
      fail(req, res, started, err);
    }
  };

  return (req, res) => {
    const started = performance.now();
    const method = req.method ?? '';
    const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
    if (method !== 'POST') {
      return refuse(req, res, started, 405, E.httpMethodNotAllowed(method, ADMISSION_PATH), hasBody, { allow: 'POST' });
    }
    const contentType = req.headers['content-type'];
    if (!isJson(contentType)) {
      return refuse(req, res, started, 415, E.httpUnsupportedMediaType(contentType ?? '(none)'), hasBody);
    }
    const declared = Number(req.headers['content-length']);
    if (declared > maxRequestBytes) {
      return refuse(req, res, started, 413, E.httpBodyTooLarge(maxRequestBytes), true);
    }

    // Raw buffers decoded once at the end: cheaper than setEncoding's per-chunk
    // decoder, and a multi-byte character split across chunks stays whole.
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxRequestBytes) {
        stop();
        refuse(req, res, started, 413, E.httpBodyTooLarge(maxRequestBytes), true);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      if (received === 0) return refuse(req, res, started, 400, E.httpEmptyBody(), false);
      decide(req, res, started, chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, received).toString('utf8'));
    };
    // The client went away mid-body: nobody is left to answer.
    const onError = () => stop();
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  };
}

/** application/json with any parameters (charset=utf-8), any letter case. */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  if (contentType === 'application/json') return true;
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/** One line per decision; names only, never the pod spec or a token. */
export function logDecision(logger: Logger, d: Decision, ms: number): void {
  logger.debug({
    uid: d.uid, namespace: d.namespace, pod: d.pod, serviceAccount: d.serviceAccount,
    mode: d.mode ?? 'none', mutated: d.mutated, reason: d.reason,
    ...(d.warningCodes.length > 0 ? { warnings: d.warningCodes } : {}),
    durationMs: Math.round(ms * 1000) / 1000,
  }, 'admission decision');
}
