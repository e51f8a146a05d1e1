// SIGTERM while requests are flowing: every request the server accepted is
// answered, new connections are refused, the process exits 0.

import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import t from 'tap';
import { admit } from '../helpers/apiserver.js';
import { REVIEW_FILE, SERVICE_NAME, makeCa, makeLeaf, serve, tempDir, writeFiles, type Served } from './helpers.js';

const body = readFileSync(REVIEW_FILE, 'utf8');
const review = JSON.parse(body);
const dir = tempDir(t);
const ca = await makeCa();
const leaf = await makeLeaf(ca, SERVICE_NAME, 'server');
writeFiles(dir, { 'tls.crt': leaf.cert, 'tls.key': leaf.key });
const args = (grace: string) => ['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'), '--service-accounts', 'examples/service-accounts.yaml', `--shutdown-grace=${grace}`];

type Outcome = 'ok' | 'refused' | string;

/** One request on a keep-alive agent; a refused connection means the server no longer accepts. */
function post(port: number, agent: Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/mutate?timeout=10s', method: 'POST', servername: SERVICE_NAME, ca: ca.cert, agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(`status ${res.statusCode}`);
        try {
          admit(review, JSON.parse(text));
          resolve('ok');
        } catch (err) {
          resolve(`bad answer: ${(err as Error).message}`);
        }
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : `error ${err.code ?? err.message}`));
    req.end(body);
  });
}

t.test('SIGTERM under concurrent keep-alive load: no accepted request fails', async (tt) => {
  const server = await serve(tt, args('5s'));
  const outcomes: Outcome[] = [];
  const loops = Array.from({ length: 8 }, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (;;) {
      const outcome = await post(server.port, agent);
      outcomes.push(outcome);
      if (outcome !== 'ok') break;
    }
    agent.destroy();
  });
  // Until requests flow on every connection (fixed 400 ms was too short on a loaded machine).
  for (const deadline = Date.now() + 10_000; outcomes.length <= 16 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
  const served = outcomes.length;
  const code = server.stop('SIGTERM');
  await Promise.all(loops);
  tt.equal(await code, 0, 'exit 0');
  const failures = outcomes.filter((o) => o !== 'ok' && o !== 'refused');
  tt.same(failures, [], 'no accepted request failed');
  tt.ok(served > 8, `requests were flowing (${served} before SIGTERM)`);
  tt.equal(outcomes.filter((o) => o === 'refused').length, 8, 'each loop ended on a refused new connection');
});

t.test('a request in flight at SIGTERM is still answered', async (tt) => {
  const server = await serve(tt, args('5s'));
  const answer = new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: '/mutate', method: 'POST', servername: SERVICE_NAME, ca: ca.cert, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => resolve(`${res.statusCode} ${res.headers.connection} ${text}`));
    });
    req.on('error', reject);
    req.write(body.slice(0, 1000));
    void waitForRequestStart(server).then(async () => {
      exited = server.stop('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      req.end(body.slice(1000));
    });
  });
  let exited: Promise<number | null> = Promise.resolve(null);
  const text = await answer;
  tt.equal(await exited, 0);
  tt.match(text, /^200 close /);
  admit(review, JSON.parse(text.replace(/^200 close /, '')));
});

t.test('a request that never finishes is cut at --shutdown-grace and the exit is still 0', async (tt) => {
  const server = await serve(tt, args('300ms'));
  const req = request({ host: '127.0.0.1', port: server.port, path: '/mutate', method: 'POST', servername: SERVICE_NAME, ca: ca.cert, agent: false,
    headers: { 'content-type': 'application/json', 'content-length': 100_000 } });
  req.on('error', () => undefined);
  req.write('{"apiVersion":');
  await waitForRequestStart(server);
  const started = Date.now();
  tt.equal(await server.stop('SIGTERM'), 0);
  tt.ok(Date.now() - started < 3000, 'stopped soon after the grace period');
  tt.ok(server.logs().some((l) => l.msg === 'stopped' && l.forcedClose === true));
  req.destroy();
});

/** The TLS handshake and headers take a moment; give the server time to see the request. */
async function waitForRequestStart(_server: Served): Promise<void> {
  await new Promise((r) => setTimeout(r, 250));
}
