// The HTTPS routes. /mutate (any method) goes straight to admission-route.ts,
// the hot path; fastify serves /healthz, /readyz and every other path. No
// mutation rule lives here. Every refusal is a JSON body {"code","message"}
// from the error catalogue.

import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import type { Logger } from 'pino';
import type { HandleDeps } from '../admission/handle.js';
import { errors as E, type UserError } from '../errors.js';
import { admissionRoute, isAdmissionPath } from './admission-route.js';
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

export function createApp(deps: AppDeps): FastifyInstance {
  const admission = admissionRoute(deps);
  const app = Fastify({
    serverFactory: (fastifyHandler) => deps.serverFactory((req, res) => {
      if (isAdmissionPath(req.url)) admission(req, res);
      else fastifyHandler(req, res);
    }),
    logger: false,
    // During shutdown, requests on open connections are still answered (with
    // Connection: close) instead of fastify's default 503: the API server
    // counts a 503 as a failed admission.
    return503OnClosing: false,
    exposeHeadRoutes: false,
  }) as unknown as FastifyInstance;

  // Nothing fastify serves takes a body: with no parsers it never reads one,
  // and a POST to any other path is a 404 (/mutate never reaches fastify).
  app.removeAllContentTypeParsers();

  app.addHook('onResponse', (req, reply, done) => {
    deps.metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
    done();
  });

  app.get('/healthz', (_req, reply) => reply.header('content-type', 'text/plain').send('ok'));
  app.get('/readyz', (_req, reply) => (deps.ready()
    ? reply.header('content-type', 'text/plain').send('ok')
    : refuse(reply, 503, deps.closing() ? E.httpShuttingDown() : E.httpNotReady())));

  app.setNotFoundHandler((req, reply) => refuse(reply, 404, E.httpNotFound(req.url.split('?')[0] ?? '')));
  app.setErrorHandler((err: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
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
