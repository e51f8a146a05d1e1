// The HTTPS routes, all on one fastify instance: POST /mutate (admission-route.ts),
// GET /healthz and /readyz, and a catalogue 404 for everything else. fastify
// builds the server from the TLS options, so its timeouts and limits are the
// ones that apply. No mutation rule lives here, and no hook runs per request.
// Every refusal is a JSON body {"code","message"} from the error catalogue.

import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Server, ServerOptions } from 'node:https';
import type { Logger } from 'pino';
import type { HandleDeps } from '../admission/handle.js';
import { errors as E, type Message } from '../errors.js';
import { ADMISSION_PATH, registerAdmissionRoute } from './admission-route.js';
import { DEFAULT_CONNECTION_LIMITS, checkingIntervalMs, type ConnectionLimits } from './connection-limits.js';
import type { WebhookMetrics } from './metrics.js';
import { Refusal, errorBody } from './refusal.js';

export interface AppDeps {
  /** TLS options for the HTTPS server; absent in tests that speak plain HTTP. */
  readonly https?: ServerOptions;
  readonly limits?: ConnectionLimits;
  readonly handleDeps: HandleDeps;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  readonly maxRequestBytes: number;
  readonly ready: () => boolean;
  /** Shutdown has begun (readyz says so; Connection: close is set by the server). */
  readonly closing: () => boolean;
}

export type WebhookApp = FastifyInstance<Server>;

export function createApp(deps: AppDeps): WebhookApp {
  const limits = deps.limits ?? DEFAULT_CONNECTION_LIMITS;
  const app = Fastify({
    ...(deps.https ? {
      https: { ...deps.https, handshakeTimeout: limits.handshakeMs, connectionsCheckingInterval: checkingIntervalMs(limits) } as ServerOptions,
    } : {}),
    logger: false,
    // During shutdown, requests on open connections are still answered (with
    // Connection: close) instead of fastify's default 503: the API server
    // counts a 503 as a failed admission.
    return503OnClosing: false,
    exposeHeadRoutes: false,
    keepAliveTimeout: limits.idleMs,
    // Socket inactivity: also ends a connection that finished its handshake and never sends a request.
    connectionTimeout: limits.idleMs,
    requestTimeout: limits.requestMs,
    bodyLimit: deps.maxRequestBytes,
  }) as unknown as WebhookApp;
  app.server.headersTimeout = limits.headerMs;
  app.server.maxConnections = limits.maxConnections;

  app.removeAllContentTypeParsers();
  registerAdmissionRoute(app, deps);

  const observe = (req: FastifyRequest, reply: FastifyReply, status: number) =>
    deps.metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', status, reply.elapsedTime);
  const refuse = (req: FastifyRequest, reply: FastifyReply, status: number, error: Message) => {
    observe(req, reply, status);
    return reply.code(status).header('content-type', 'application/json').send(errorBody(error));
  };
  const ok = (req: FastifyRequest, reply: FastifyReply) => {
    observe(req, reply, 200);
    return reply.header('content-type', 'text/plain').send('ok');
  };

  // HEAD answers like GET (probes and load balancers use either); fastify sends no body for HEAD.
  app.route({ method: ['GET', 'HEAD'], url: '/healthz', handler: ok });
  app.route({
    method: ['GET', 'HEAD'], url: '/readyz',
    handler: (req, reply) => (deps.ready() ? ok(req, reply) : refuse(req, reply, 503, deps.closing() ? E.httpShuttingDown() : E.httpNotReady())),
  });

  app.setNotFoundHandler((req, reply) => refuse(req, reply, 404, E.httpNotFound(req.url.split('?')[0] ?? '')));
  app.setErrorHandler((err: FastifyError | Refusal, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof Refusal) {
      deps.logger.debug({ status: err.statusCode, code: err.error.code, reason: err.error.message }, 'admission review refused');
      return refuse(req, reply, err.statusCode, err.error);
    }
    const status = err.statusCode ?? 500;
    if (status === 415) return refuse(req, reply, 415, E.httpUnsupportedMediaType(req.headers['content-type'] ?? '(none)'));
    if (status === 413) return refuse(req, reply.header('connection', 'close'), 413, E.httpBodyTooLarge(deps.maxRequestBytes));
    if (status >= 400 && status < 500) return refuse(req, reply, status, E.httpBadRequest(err.message));
    deps.logger.error({ err: { message: err.message, stack: err.stack } }, 'request failed');
    // Refusing before the body was read: the rest of it is not a request.
    return refuse(req, reply.header('connection', 'close'), 500, E.httpInternal());
  });
  return app;
}

export { ADMISSION_PATH };
