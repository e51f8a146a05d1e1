// POST /mutate (admission-route.ts): the HTTP edges that the TLS tests in
// serve.test.ts do not reach cheaply. The real fastify app, served over plain
// HTTP on loopback (TLS is the server's business, not the route's).

import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import type { HandleDeps } from '../../src/admission/handle.js';
import { DEFAULT_ENGINE_CONFIG } from '../../src/engine/config.js';
import { PodIdentitySet } from '../../src/identity/pod-identity-file.js';
import { ServiceAccountCache } from '../../src/identity/service-account-cache.js';
import { storesSource } from '../../src/identity/source.js';
import type { IdentitySource } from '../../src/identity/source.js';
import { createApp } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { admit } from '../helpers/apiserver.js';
import { ROLE } from '../helpers/engine.js';

const serviceAccounts = new ServiceAccountCache();
serviceAccounts.set({ namespace: 'ns', name: 'app', annotations: { 'eks.amazonaws.com/role-arn': ROLE } });
const cached = storesSource({ serviceAccounts, podIdentity: new PodIdentitySet() });

const review = (sa = 'app', extra: Record<string, unknown> = {}) => ({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  request: {
    uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'ns', operation: 'CREATE',
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'app-', ...extra }, spec: { serviceAccountName: sa, containers: [{ name: 'c' }] } },
  },
});

interface Started { port: number; logs: () => any[]; metrics: ReturnType<typeof createMetrics> }

async function start(tt: any, source: IdentitySource = cached, maxRequestBytes = 4096): Promise<Started> {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
  const metrics = createMetrics({ processMetrics: false });
  const deps: HandleDeps = { source, config: DEFAULT_ENGINE_CONFIG, random: () => 0.5 };
  const app = createApp({
    handleDeps: deps, metrics, logger: pino({ level: 'debug' }, sink), maxRequestBytes, ready: () => true, closing: () => false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  tt.teardown(() => { app.server.closeAllConnections(); return app.close(); });
  return { port: (app.server.address() as AddressInfo).port, logs: () => lines.map((l) => JSON.parse(l)), metrics };
}

interface Answer { status: number; headers: IncomingHttpHeaders; body: string; json(): any; socketReused: boolean }

/** Sends `chunks` one write at a time (each after a tick), so the route sees a split body. */
function send(port: number, opts: { method?: string; path?: string; headers?: Record<string, string>; chunks?: Array<string | Buffer>; agent?: any } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: opts.path ?? '/mutate?timeout=10s', method: opts.method ?? 'POST', headers: opts.headers ?? { 'content-type': 'application/json' }, agent: opts.agent ?? false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const body = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body), socketReused: (req as any).reusedSocket === true });
      });
    });
    req.on('error', reject);
    const chunks = opts.chunks ?? [];
    let i = 0;
    const next = () => {
      if (i === chunks.length) return void req.end();
      req.write(chunks[i++]);
      setImmediate(next);
    };
    next();
  });
}

t.test('the path matches /mutate with or without a query, nothing else', async (tt) => {
  const s = await start(tt);
  const body = JSON.stringify(review());
  for (const path of ['/mutate', '/mutate?timeout=10s']) tt.equal((await send(s.port, { path, chunks: [body] })).status, 200, path);
  for (const path of ['/', '/mutate/', '/mutated', '/healthz/x', '/MUTATE']) {
    const r = await send(s.port, { path, chunks: [body] });
    tt.equal(r.status, 404, path);
    tt.equal(r.json().code, 'E_HTTP_NOT_FOUND', path);
  }
});

t.test('a review is answered; the body is exactly the JSON of the response', async (tt) => {
  const s = await start(tt);
  const r = await send(s.port, { chunks: [JSON.stringify(review())] });
  tt.equal(r.status, 200);
  tt.equal(r.headers['content-type'], 'application/json');
  tt.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
  const out = admit(review(), r.json());
  tt.ok(out.pod.spec.containers[0].env.some((e: any) => e.name === 'AWS_ROLE_ARN' && e.value === ROLE));
  tt.match(await s.metrics.registry.metrics(), /http_request_count\{verb="POST",path="\/mutate",code="200"\} 1/);
});

t.test('a body split across writes, with a multi-byte character cut in two, is read whole', async (tt) => {
  const s = await start(tt);
  const text = Buffer.from(JSON.stringify(review('app', { annotations: { note: 'naïve — ünïcödé' } })));
  const cut = text.indexOf(Buffer.from('ï')) + 1; // inside the two bytes of ï
  const r = await send(s.port, { chunks: [text.subarray(0, cut), text.subarray(cut, cut + 7), text.subarray(cut + 7)], headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
  tt.equal(r.status, 200);
  tt.ok(admit(review(), r.json()).operations.length > 0);
});

t.test('application/json is recognised with parameters and in any letter case', async (tt) => {
  const s = await start(tt);
  for (const type of ['application/json; charset=utf-8', 'Application/JSON', ' application/json ;charset=UTF-8']) {
    tt.equal((await send(s.port, { headers: { 'content-type': type }, chunks: [JSON.stringify(review())] })).status, 200, type);
  }
  for (const type of ['application/jsonp', 'application/json-patch+json', 'text/json', '']) {
    const r = await send(s.port, { headers: { 'content-type': type }, chunks: [JSON.stringify(review())] });
    tt.equal(r.status, 415, JSON.stringify(type));
    tt.equal(r.json().code, 'E_HTTP_UNSUPPORTED_MEDIA_TYPE');
  }
});

t.test('refusals: each status with its catalogue code, and whether the connection stays open', async (tt) => {
  const s = await start(tt);
  const cases: Array<[string, Parameters<typeof send>[1], number, string, boolean]> = [
    ['malformed JSON', { chunks: ['{"apiVersion":'] }, 400, 'E_REVIEW_BAD_JSON', false],
    ['empty body', { chunks: [] }, 400, 'E_HTTP_EMPTY_BODY', false],
    ['not a review', { chunks: ['{"kind":"Pod"}'] }, 400, 'E_REVIEW_WRONG_KIND', false],
    ['unreadable pod', { chunks: [JSON.stringify({ ...review(), request: { ...review().request, object: { spec: { containers: 'x' } } } })] }, 400, 'E_REVIEW_BAD_POD', false],
    ['declared too large', { chunks: ['x'.repeat(5000)] }, 413, 'E_HTTP_BODY_TOO_LARGE', true],
    ['chunked too large', { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, chunks: ['x'.repeat(3000), 'x'.repeat(3000)] }, 413, 'E_HTTP_BODY_TOO_LARGE', true],
    ['wrong media type with a body', { headers: { 'content-type': 'text/plain' }, chunks: ['hello'] }, 415, 'E_HTTP_UNSUPPORTED_MEDIA_TYPE', true],
    ['GET', { method: 'GET', headers: {} }, 405, 'E_HTTP_METHOD_NOT_ALLOWED', false],
    ['DELETE with a body', { method: 'DELETE', headers: { 'content-type': 'application/json', 'content-length': '2' }, chunks: ['{}'] }, 405, 'E_HTTP_METHOD_NOT_ALLOWED', true],
  ];
  for (const [name, opts, status, code, closes] of cases) {
    // A keep-alive client: otherwise node's client asks for Connection: close itself.
    const agent = new Agent({ keepAlive: true });
    const r = await send(s.port, { ...opts, agent });
    agent.destroy();
    tt.equal(r.status, status, name);
    tt.equal(r.json().code, code, name);
    tt.type(r.json().message, 'string', name);
    tt.equal(r.headers.connection === 'close', closes, `${name}: connection ${closes ? 'closed' : 'kept'}`);
    if (status === 405) tt.equal(r.headers.allow, 'POST', name);
  }
  tt.ok(s.logs().some((l) => l.msg === 'admission review refused' && l.code === 'E_REVIEW_BAD_JSON'));
});

t.test('keep-alive: a 400 leaves the connection usable for the next review', async (tt) => {
  const s = await start(tt);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  tt.teardown(() => agent.destroy());
  tt.equal((await send(s.port, { agent, chunks: ['nope'] })).status, 400);
  const second = await send(s.port, { agent, chunks: [JSON.stringify(review())] });
  tt.equal(second.status, 200);
  tt.ok(second.socketReused, 'same socket');
});

t.test('a source that has to wait (ServiceAccount not cached yet) is awaited', async (tt) => {
  const waiting: IdentitySource = {
    lookup: (ns, name) => new Promise((r) => setTimeout(() => r(cached.lookup(ns, name) as any), 20)),
    synced: () => true, snapshot: () => ({}),
  };
  const s = await start(tt, waiting);
  const r = await send(s.port, { chunks: [JSON.stringify(review())] });
  tt.equal(r.status, 200);
  tt.ok(admit(review(), r.json()).operations.length > 0);
});

t.test('a failing source is a 500 with the catalogue message, logged, and the server goes on', async (tt) => {
  let mode: 'throw' | 'reject' = 'throw';
  const broken: IdentitySource = {
    lookup: () => {
      if (mode === 'throw') throw new Error('cache exploded');
      return Promise.reject(new Error('watch exploded'));
    },
    synced: () => true, snapshot: () => ({}),
  };
  const s = await start(tt, broken);
  for (const m of ['throw', 'reject'] as const) {
    mode = m;
    const r = await send(s.port, { chunks: [JSON.stringify(review())] });
    tt.equal(r.status, 500, m);
    tt.equal(r.json().code, 'E_HTTP_INTERNAL', m);
    tt.notMatch(r.body, /exploded/, `${m}: no internals in the answer`);
  }
  const errors = s.logs().filter((l) => l.msg === 'request failed');
  tt.same(errors.map((l) => l.err.message), ['cache exploded', 'watch exploded']);
  tt.equal((await send(s.port, { method: 'GET', headers: {} })).status, 405, 'still serving');
});
