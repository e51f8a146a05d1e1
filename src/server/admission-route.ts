// POST /mutate, the route kube-apiserver calls on every pod creation, as a
// fastify route. The body is read raw by one catch-all content-type parser
// (the JSON check and the size limit happen before a byte is buffered) and
// decoded once; the answer is a Buffer. No hook runs per request: metrics
// are observed where the answer is sent. Only HTTP lives here: handleReview
// decides, and every refusal is a catalogue error sent as {"code","message"}.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { handleReview, type AdmissionDecision, type Handled, type HandleDeps } from '../admission/handle.js';
import { reviewBody } from '../admission/review.js';
import { errors as E, type Result } from '../errors.js';
import type { WebhookMetrics } from './metrics.js';
import { Refusal, errorBody } from './refusal.js';

export const ADMISSION_PATH = '/mutate';

export interface AdmissionRouteDeps {
  readonly handleDeps: HandleDeps;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  readonly maxRequestBytes: number;
}

/** Registers the route in a scope of its own, so only it has a body parser (a POST elsewhere is a plain 404). */
export function registerAdmissionRoute(root: FastifyInstance, deps: AdmissionRouteDeps): void {
  root.register(async (app) => admissionScope(app, deps));
}

function admissionScope(app: FastifyInstance, deps: AdmissionRouteDeps): void {
  const { metrics, logger, maxRequestBytes } = deps;

  // The only body anyone sends: the other routes and the 404s live outside this
  // scope and never read one.
  app.addContentTypeParser('*', (req: FastifyRequest, payload: IncomingMessage, done: (err: Error | null, body?: Buffer) => void) => {
    const contentType = req.headers['content-type'];
    if (!isJson(contentType)) return done(new Refusal(415, E.httpUnsupportedMediaType(contentType ?? '(none)')));
    if (Number(req.headers['content-length']) > maxRequestBytes) return done(new Refusal(413, E.httpBodyTooLarge(maxRequestBytes)));
    readBody(payload, maxRequestBytes, done);
  });

  const send = (req: FastifyRequest, reply: FastifyReply, status: number, body: Buffer | string) => {
    metrics.observeRequest(req.method, ADMISSION_PATH, status, reply.elapsedTime);
    return reply.code(status).header('content-type', 'application/json').send(body);
  };
  const refuse = (req: FastifyRequest, reply: FastifyReply, status: number, error: { code: string; message: string }) => {
    logger.debug({ status, code: error.code, reason: error.message }, 'admission review refused');
    return send(req, reply, status, errorBody(error));
  };
  const answer = (req: FastifyRequest, reply: FastifyReply, handled: Result<Handled>) => {
    if (!handled.ok) return refuse(req, reply, 400, handled.error);
    const { response, decision } = handled.value;
    metrics.observeDecision(decision);
    send(req, reply, 200, reviewBody(response));
    if (logger.isLevelEnabled('debug')) logDecision(logger, decision, reply.elapsedTime);
    return reply;
  };

  app.post(ADMISSION_PATH, (req, reply) => {
    const contentType = req.headers['content-type'];
    if (!isJson(contentType)) return refuse(req, reply, 415, E.httpUnsupportedMediaType(contentType ?? '(none)'));
    const raw = req.body as Buffer | undefined;
    if (raw === undefined || raw.length === 0) return refuse(req, reply, 400, E.httpEmptyBody());
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      return refuse(req, reply, 400, E.reviewBadJson((err as Error).message));
    }
    // A cached ServiceAccount answers at once; only a miss waits (grace period).
    // A throw or a rejection reaches the app's error handler: a logged 500.
    const handled = handleReview(body, deps.handleDeps);
    return handled instanceof Promise ? handled.then((h) => answer(req, reply, h)) : answer(req, reply, handled);
  });

  app.route({
    method: ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: ADMISSION_PATH,
    handler: (req, reply) => {
      reply.header('allow', 'POST');
      // Whatever body came with it was not read: what the client sends next is not a request.
      if (hasBody(req)) reply.header('connection', 'close');
      return refuse(req, reply, 405, E.httpMethodNotAllowed(req.method, ADMISSION_PATH));
    },
  });
}

/** Raw buffers decoded once at the end; a multi-byte character split across chunks stays whole. */
function readBody(payload: IncomingMessage, limit: number, done: (err: Error | null, body?: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) {
      stop();
      done(new Refusal(413, E.httpBodyTooLarge(limit)));
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = () => {
    stop();
    done(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received));
  };
  // The client went away mid-body: nobody is left to answer.
  const onError = () => stop();
  const stop = () => {
    payload.off('data', onData);
    payload.off('end', onEnd);
    payload.off('error', onError);
  };
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onError);
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
}

/** application/json with any parameters (charset=utf-8), any letter case. */
export function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  if (contentType === 'application/json') return true;
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/** One line per decision; names only, never the pod spec or a token. */
export function logDecision(logger: Logger, d: AdmissionDecision, ms: number): void {
  logger.debug({
    uid: d.uid, namespace: d.namespace, pod: d.pod, serviceAccount: d.serviceAccount,
    mode: d.mode ?? 'none', mutated: d.mutated, reason: d.reason,
    ...(d.warningCodes.length > 0 ? { warnings: d.warningCodes } : {}),
    durationMs: Math.round(ms * 1000) / 1000,
  }, 'admission decision');
}
