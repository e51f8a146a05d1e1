// `serve` in static mode as the API server meets it: the built CLI, real TLS on
// a random loopback port, the service DNS name as SNI, a CA bundle.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { admit } from '../helpers/apiserver.js';
import { runCli } from '../helpers/cli.js';
import { REVIEW_FILE, httpGet, https, makeCa, makeLeaf, serve, tempDir, writeFiles } from './helpers.js';

const review = JSON.parse(readFileSync(REVIEW_FILE, 'utf8'));
const dir = tempDir(t);
const ca = await makeCa();
const leaf = await makeLeaf(ca, 'pod-identity-webhook.eks.svc', 'server', ['pod-identity-webhook.eks.svc', 'pod-identity-webhook.eks']);
writeFiles(dir, { 'tls.crt': leaf.cert, 'tls.key': leaf.key });

const server = await serve(t, [
  '--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'),
  '--service-accounts', 'examples/service-accounts.yaml',
  '--container-credentials-config', 'examples/pod-identity.json',
  '--enable-debugging-handlers', '--in-cluster=false', '--logtostderr',
  '--max-request-bytes', '65536',
]);
const post = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, path?: string) =>
  https({ port: server.port, ca: ca.cert, body, headers, ...(path ? { path } : {}) });

t.test('an IRSA pod is mutated and the API server would accept the answer', async (tt) => {
  const r = await post(JSON.stringify(review));
  tt.equal(r.status, 200);
  tt.match(r.headers['content-type'], /^application\/json/);
  const out = admit(review, r.json());
  tt.ok(out.pod.spec.containers[0].env.some((e: any) => e.name === 'AWS_ROLE_ARN' && e.value === 'arn:aws:iam::111122223333:role/s3-reader'));
});

t.test('EKS Pod Identity, no ServiceAccount, v1beta1 and non-pod reviews are answered', async (tt) => {
  const podIdentity = structuredClone(review);
  podIdentity.request.namespace = 'apps';
  podIdentity.request.object.spec.serviceAccountName = 'agent';
  let out = admit(podIdentity, (await post(JSON.stringify(podIdentity))).json());
  tt.ok(out.pod.spec.containers[0].env.some((e: any) => e.name === 'AWS_CONTAINER_CREDENTIALS_FULL_URI'));

  const unknown = structuredClone(review);
  unknown.request.object.spec.serviceAccountName = 'nobody';
  out = admit(unknown, (await post(JSON.stringify(unknown))).json());
  tt.same(out.operations, []);

  const beta = structuredClone(review);
  beta.apiVersion = 'admission.k8s.io/v1beta1';
  const r = await post(JSON.stringify(beta));
  tt.equal(r.json().apiVersion, 'admission.k8s.io/v1beta1');
  admit(beta, r.json());

  const update = structuredClone(review);
  update.request.operation = 'UPDATE';
  tt.same(admit(update, (await post(JSON.stringify(update))).json()).operations, []);
});

t.test('bad requests get a JSON error and the right status', async (tt) => {
  const cases: Array<[string, Promise<any>, number, string]> = [
    ['text/plain', post('hello', { 'content-type': 'text/plain' }), 415, 'E_HTTP_UNSUPPORTED_MEDIA_TYPE'],
    ['no content type', post('{}', {}), 415, 'E_HTTP_UNSUPPORTED_MEDIA_TYPE'],
    ['malformed JSON', post('{"apiVersion": '), 400, 'E_REVIEW_BAD_JSON'],
    ['empty body', post(''), 400, 'E_HTTP_EMPTY_BODY'],
    ['JSON that is not a review', post('{"kind":"Pod","apiVersion":"v1"}'), 400, 'E_REVIEW_WRONG_KIND'],
    ['a JSON array', post('[1,2]'), 400, 'E_REVIEW_NOT_OBJECT'],
    ['review without request', post('{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}'), 400, 'E_REVIEW_NO_REQUEST'],
    ['over --max-request-bytes', post(Buffer.alloc(70_000, 0x20)), 413, 'E_HTTP_BODY_TOO_LARGE'],
    ['GET /mutate', https({ port: server.port, ca: ca.cert, method: 'GET' }), 405, 'E_HTTP_METHOD_NOT_ALLOWED'],
    ['PUT /mutate', https({ port: server.port, ca: ca.cert, method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } }), 405, 'E_HTTP_METHOD_NOT_ALLOWED'],
    ['unknown path', https({ port: server.port, ca: ca.cert, method: 'GET', path: '/nope' }), 404, 'E_HTTP_NOT_FOUND'],
    ['POST with a body to another path', post('{}', { 'content-type': 'text/plain' }, '/healthz'), 404, 'E_HTTP_NOT_FOUND'],
  ];
  for (const [name, pending, status, code] of cases) {
    const r = await pending;
    tt.equal(r.status, status, name);
    tt.equal(r.json().code, code, name);
    tt.type(r.json().message, 'string', name);
  }
  // The server is still fine afterwards.
  tt.equal((await post(JSON.stringify(review))).status, 200);
});

t.test('a chunked body over the limit is cut off with 413', async (tt) => {
  const r = await https({ port: server.port, ca: ca.cert, body: Buffer.alloc(200_000, 0x20), headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
  tt.equal(r.status, 413);
});

t.test('healthz and readyz', async (tt) => {
  const h = await https({ port: server.port, ca: ca.cert, method: 'GET', path: '/healthz' });
  tt.equal(h.status, 200);
  const r = await https({ port: server.port, ca: ca.cert, method: 'GET', path: '/readyz' });
  tt.equal(r.status, 200);
});

t.test('metrics use upstream names and count what happened', async (tt) => {
  const m = await httpGet(server.metricsPort, '/metrics');
  tt.equal(m.status, 200);
  tt.match(m.body, /http_request_count\{verb="POST",path="\/mutate",code="200"\} \d+/);
  tt.match(m.body, /http_request_count\{verb="POST",path="\/mutate",code="415"\} 2/);
  tt.match(m.body, /http_request_count\{verb="POST",path="\/mutate",code="413"\} 2/);
  tt.match(m.body, /http_request_latencies_bucket\{le="125000",verb="POST",path="\/mutate"\} \d+/);
  tt.match(m.body, /pod_identity_webhook_pod_count\{method="sts_web_identity"\} [1-9]/);
  tt.match(m.body, /pod_identity_webhook_pod_count\{method="container_credentials"\} 1/);
  tt.match(m.body, /pod_identity_webhook_missing_sa_count 1/);
  tt.match(m.body, /pod_identity_webhook_used 1/);
  tt.match(m.body, /process_resident_memory_bytes \d+/);
  tt.match(m.body, /nodejs_eventloop_lag_seconds/);
});

t.test('debugging handler shows the cache; the metrics port has nothing else', async (tt) => {
  const c = await httpGet(server.metricsPort, '/debug/alpha/cache');
  tt.equal(c.status, 200);
  tt.match(JSON.stringify(c.json()), /s3-reader/);
  const other = await httpGet(server.metricsPort, '/other');
  tt.equal(other.status, 404);
  tt.same(other.json(), { code: 'E_HTTP_NOT_FOUND', message: 'no such endpoint /other on the metrics port, which serves GET /metrics and GET /debug/alpha/cache; POST /mutate, GET /healthz and GET /readyz are on the HTTPS port (--port)' });
});

t.test('a health probe sent to the metrics port is told where health is served', async (tt) => {
  for (const path of ['/healthz', '/readyz']) {
    const r = await httpGet(server.metricsPort, path);
    tt.equal(r.status, 404, path);
    tt.same(r.json(), { code: 'E_HTTP_NOT_FOUND', message: `${path} is served on the HTTPS port (--port), not on the metrics port, which serves GET /metrics` });
    const https200 = await https({ port: server.port, ca: ca.cert, method: 'GET', path });
    tt.equal(https200.status, 200, `${path} on --port`);
  }
});

t.test('replay refuses a body over --max-request-bytes with the message serve answers', async (tt) => {
  const body = Buffer.alloc(70_000, 0x20);
  const served = await post(body);
  tt.equal(served.status, 413);
  const file = join(dir, 'too-large.json');
  writeFileSync(file, body);
  const replayed = await runCli(['replay', '--service-accounts', 'examples/service-accounts.yaml', '--max-request-bytes', '65536', file]);
  tt.equal(replayed.code, 1);
  tt.equal(replayed.stderr, `pod-identity-webhook replay: ${file}: ${served.json().message}\n`);
});

t.test('logs: ignored upstream flags are noted; no request bodies or tokens at info', async (tt) => {
  const logs = server.logs();
  tt.ok(logs.some((l) => l.flag === '--in-cluster' && /no effect/.test(l.msg)));
  tt.ok(logs.some((l) => l.flag === '--logtostderr'));
  tt.notOk(server.stdout().includes('arn:aws:iam::111122223333'), 'no role ARN or pod content at info');
  tt.notOk(logs.some((l) => l.msg === 'admission decision'), 'decisions are debug lines');
});

t.test('SIGTERM exits 0', async (tt) => {
  tt.equal(await server.stop('SIGTERM'), 0);
  tt.ok(server.logs().some((l) => l.msg === 'stopped'));
  tt.equal(server.stderr(), '');
});

t.test('-v=4 logs one debug line per decision, with names only', async (tt) => {
  const verbose = await serve(tt, ['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'), '--service-accounts', 'examples/service-accounts.yaml', '--v=4']);
  await https({ port: verbose.port, ca: ca.cert, body: JSON.stringify(review), headers: { 'content-type': 'application/json' } });
  await https({ port: verbose.port, ca: ca.cert, body: '{"kind":"Pod"}', headers: { 'content-type': 'application/json' } });
  tt.equal(await verbose.stop(), 0);
  const decisions = verbose.logs().filter((l) => l.msg === 'admission decision');
  tt.equal(decisions.length, 1);
  tt.match(decisions[0], {
    levelName: 'debug', uid: review.request.uid, namespace: 'default', serviceAccount: 's3-reader', mode: 'irsa', mutated: true, reason: String, durationMs: Number,
  });
  tt.ok(verbose.logs().some((l) => l.msg === 'admission review refused' && l.code === 'E_REVIEW_WRONG_KIND'));
  tt.notOk(verbose.stdout().includes('"containers"'), 'no pod spec in the log');
});

t.test('the listening line appears even at --log-level=error', async (tt) => {
  const quiet = await serve(tt, ['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'), '--service-accounts', 'examples/service-accounts.yaml', '--log-level=error']);
  tt.type(quiet.port, 'number');
  tt.type(quiet.metricsPort, 'number');
  tt.equal(await quiet.stop(), 0);
  tt.same(quiet.logs().map((l) => l.msg), ['listening', 'stopped']);
});
