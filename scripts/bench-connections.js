// npm run bench:connections — what many idle or slow clients cost, beside a
// bare Node https server (the floor, Node's defaults) in the same run:
//   1. RSS before, while IDLE (default 5000) idle TLS connections are open, and
//      after they are closed again;
//   2. p50/p99 of SEQUENTIAL (default 30000) reviews on one keep-alive connection,
//      alone and while SLOW (default 2000) slowloris connections are held (each
//      sends a header byte every second and is reopened when the server closes it).
// The webhook runs as the image runs it (NODE_OPTIONS=--max-semi-space-size=4)
// with its defaults (--max-connections 1000, --read-header-timeout 10s).
//
//   IDLE=5000 SLOW=2000 SEQUENTIAL=30000 npm run bench:connections
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { FLOOR, SNI, body, certificateDir, openTls, startServer, webhookArgs } from './bench-servers.js';

const IDLE = Number(process.env.IDLE ?? 5000);
const SLOW = Number(process.env.SLOW ?? 2000);
// 30,000 reviews take 10-15 s: long enough to include one --read-header-timeout
// cycle, when the webhook closes every slowloris client and they all handshake again.
const SEQUENTIAL = Number(process.env.SEQUENTIAL ?? 30000);
const { dir, ca } = await certificateDir();
const servers = {
  floor: await startServer(process.execPath, ['--input-type=module', '-e', FLOOR, dir]),
  webhook: await startServer(process.execPath, webhookArgs(dir), { NODE_OPTIONS: '--max-semi-space-size=4' }),
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024 * 10) / 10;

async function idleConnections(name) {
  const { port, proc } = servers[name];
  const before = rssMb(proc.pid);
  const sockets = [];
  for (let i = 0; i < IDLE; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, IDLE - i) }, () => openTls(port, ca)));
    for (const s of batch) if (s) { s.on('error', () => undefined); sockets.push(s); }
  }
  await sleep(500);
  const open_ = sockets.filter((s) => !s.destroyed).length;
  const during = rssMb(proc.pid);
  for (const s of sockets) s.destroy();
  await sleep(3000);
  return { before, during, after: rssMb(proc.pid), accepted: open_ };
}

/** A keep-alive client with one connection, already open (as the API server's would be). */
async function client(port) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca, servername: SNI });
  const one = () => new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port, path: '/mutate?timeout=10s', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
    });
    req.on('error', reject);
    req.end(body);
  });
  await one();
  return {
    /** SEQUENTIAL reviews one at a time: "p50 / p99" in ms. */
    async run() {
      const out = [];
      for (let i = 0; i < SEQUENTIAL; i++) out.push(await one());
      out.sort((a, b) => a - b);
      const at = (q) => out[Math.min(out.length - 1, Math.floor(q * out.length))].toFixed(3);
      return `${at(0.5)} / ${at(0.99)}`;
    },
    close: () => agent.destroy(),
  };
}

/** SLOW slowloris clients in a child process (scripts/slowloris.js): their handshakes must not delay the timing loop here. */
function slowloris(port, count) {
  const child = fork(new URL('./slowloris.js', import.meta.url).pathname, [String(port), String(count)], { env: { ...process.env, CA_PEM: ca } });
  const stats = () => new Promise((resolve) => {
    child.once('message', resolve);
    child.send('stats');
  });
  const stop = () => new Promise((resolve) => {
    child.once('exit', resolve);
    child.send('stop');
  });
  return { stats, stop };
}

const results = {};
for (const name of Object.keys(servers)) {
  const idle = await idleConnections(name);
  const reviews = await client(servers[name].port);
  const alone = await reviews.run();
  const loris = slowloris(servers[name].port, SLOW);
  await sleep(3000);
  const before = await loris.stats();
  const started = Date.now();
  const under = await reviews.run();
  const after = await loris.stats();
  const held = before.held;
  const closed = `${after.reopened - before.reopened} in ${((Date.now() - started) / 1000).toFixed(1)} s`;
  await loris.stop();
  reviews.close();
  results[name] = { idle, alone, under, held, closed };
  await sleep(2000);
}
for (const { proc } of Object.values(servers)) proc.kill('SIGTERM');

console.log(`# ${IDLE} idle TLS connections; ${SEQUENTIAL} sequential reviews alone and beside ${SLOW} slowloris clients; node ${process.version}`);
console.log('| | floor (bare https, Node defaults) | webhook (defaults, semi-space 4) |');
console.log('| --- | --- | --- |');
const row = (label, f) => console.log(`| ${label} | ${f(results.floor)} | ${f(results.webhook)} |`);
row('RSS before (MB)', (r) => r.idle.before);
row(`RSS with ${IDLE} idle connections open (MB)`, (r) => `${r.idle.during} (${r.idle.accepted} accepted)`);
row('RSS after they closed (MB)', (r) => r.idle.after);
row('reviews p50 / p99, alone (ms)', (r) => r.alone);
row(`reviews p50 / p99, beside slowloris (ms)`, (r) => `${r.under} (${r.held} held)`);
row('slowloris connections the server closed while the reviews ran (each comes back with a new TLS handshake)', (r) => r.closed);
