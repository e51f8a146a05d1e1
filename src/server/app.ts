// The HTTPS routes: POST /mutate, /healthz, /readyz. HTTP in, handleReview,
// HTTP out; no mutation rule lives here. Every refusal is a JSON body
// {"code","message"} from the error catalogue.

import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import type { Logger } from 'pino';
import { handleReview, type Decision, type HandleDeps } from '../admission/handle.js';
import { errors as E, type UserError } from '../errors.js';
import type { WebhookMetrics } from './metrics.js';

export interface AppDeps {
  /** The HTTPS server (TLS contexts are its business, not the app's). */
  readonly serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server;
  readonly handleDeps: () => HandleDeps;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  readonly maxRequestBytes: number;
  readonly ready: () => boolean;
  /** Shutdown has begun (readyz says so; Connection: close is set by the server). */
  readonly closing: () => boolean;
}

const NOT_POST = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

class HttpRefusal extends Error {
  constructor(readonly statusCode: number, readonly userError: UserError) {
    super(userError.message);
  }
}

export function createApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    serverFactory: deps.serverFactory,
    bodyLimit: deps.maxRequestBytes,
    logger: false,
    // During shutdown, requests on open connections are still answered (with
    // Connection: close) instead of fastify's default 503: the API server
    // counts a 503 as a failed admission.
    return503OnClosing: false,
    exposeHeadRoutes: false,
  }) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(new HttpRefusal(400, E.httpEmptyBody()), undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(new HttpRefusal(400, E.reviewBadJson((err as Error).message)), undefined);
    }
  });

  app.addHook('onResponse', (req, reply, done) => {
    deps.metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
    done();
  });

  app.post('/mutate', async (req, reply) => {
    const started = performance.now();
    const handled = await handleReview(req.body, deps.handleDeps());
    if (!handled.ok) {
      deps.logger.debug({ code: handled.error.code, reason: handled.error.message }, 'admission review refused');
      return refuse(reply, 400, handled.error);
    }
    const { response, decision } = handled.value;
    deps.metrics.observeDecision(decision);
    if (deps.logger.isLevelEnabled('debug')) logDecision(deps.logger, decision, performance.now() - started);
    return reply.header('content-type', 'application/json').send(JSON.stringify(response));
  });
  for (const method of NOT_POST) {
    app.route({ method, url: '/mutate', handler: (req, reply) => refuse(reply.header('allow', 'POST'), 405, E.httpMethodNotAllowed(req.method, '/mutate')) });
  }

  app.get('/healthz', (_req, reply) => reply.header('content-type', 'text/plain').send('ok'));
  app.get('/readyz', (_req, reply) => (deps.ready()
    ? reply.header('content-type', 'text/plain').send('ok')
    : refuse(reply, 503, deps.closing() ? E.httpShuttingDown() : E.httpNotReady())));

  app.setNotFoundHandler((req, reply) => refuse(reply, 404, E.httpNotFound(req.url.split('?')[0] ?? '')));
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpRefusal) return refuse(reply, err.statusCode, err.userError);
    switch (err.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return refuse(reply, 415, E.httpUnsupportedMediaType(String(req.headers['content-type'] ?? '(none)')));
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return refuse(reply, 413, E.httpBodyTooLarge(deps.maxRequestBytes));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return refuse(reply, 400, E.httpEmptyBody());
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return refuse(reply, status, E.httpBadRequest(err.message));
    deps.logger.error({ err: { message: err.message, stack: err.stack } }, 'request failed');
    return refuse(reply, 500, E.httpInternal());
  });
  return app;
}

function refuse(reply: FastifyReply, status: number, error: UserError): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(JSON.stringify({ code: error.code, message: error.message }));
}

/** One line per decision; names only, never the pod spec or a token. */
function logDecision(logger: Logger, d: Decision, ms: number): void {
  logger.debug({
    uid: d.uid, namespace: d.namespace, pod: d.pod, serviceAccount: d.serviceAccount,
    mode: d.mode ?? 'none', mutated: d.mutated, reason: d.reason,
    ...(d.warningCodes.length > 0 ? { warnings: d.warningCodes } : {}),
    durationMs: Math.round(ms * 1000) / 1000,
  }, 'admission decision');
}
