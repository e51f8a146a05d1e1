// npm run bench — the webhook over HTTP/1.1 keep-alive TLS, beside a bare Node
// https server that only reads, JSON.parses and answers (the floor), measured
// in the same run with the same review (examples/admission-review.json sent
// compact, 4.4 KB, as kube-apiserver sends it). A third reference, the
// ceiling, is the least any handler can do and still give this pod its patch:
// the patch built from string templates for exactly this pod shape, no engine,
// no validation, no metrics. It shows how much of the floor's throughput is
// left to reach once a correct answer has to be computed at all.
// Each server is its own process; rounds alternate so machine noise hits all.
//
//   DURATION=10 ROUNDS=2 CONNECTIONS=16 WORKERS=2 npm run bench
//
// COMPARE=DIR adds the webhook built in another checkout (DIR/dist), e.g. the
// commit before a change, as one more server in the same run:
//   git worktree add /tmp/before HEAD~1 && (cd /tmp/before && npm ci)
//   COMPARE=/tmp/before WORKERS=1 npm run bench
import { readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import autocannon from 'autocannon';
import { CEILING, FLOOR, SNI, body, certificateDir, startServer, webhookArgs as argsFor } from './bench-servers.js';

const DURATION = Number(process.env.DURATION ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const SEQUENTIAL = Number(process.env.SEQUENTIAL ?? 5000);
const { dir, ca } = await certificateDir();
const startProcess = (args, env) => startServer(process.execPath, args, env);

const webhookArgs = argsFor(dir);
const WORKERS = Number(process.env.WORKERS ?? 2);
const COMPARE = process.env.COMPARE;
const servers = {
  floor: await startProcess(['--input-type=module', '-e', FLOOR, dir]),
  ceiling: await startProcess(['--input-type=module', '-e', CEILING, dir]),
  webhook: await startProcess(webhookArgs),
  // Same process, young generation capped: what NODE_OPTIONS does for RSS under load.
  'semi4': await startProcess(webhookArgs, { NODE_OPTIONS: '--max-semi-space-size=4' }),
  ...(WORKERS > 1 ? { [`workers=${WORKERS}`]: await startProcess([...webhookArgs, '--workers', String(WORKERS)]) } : {}),
  ...(COMPARE ? { compare: await startProcess(argsFor(dir, COMPARE)) } : {}),
};
const names = Object.keys(servers);

/** One request on a fresh connection: the answer's text. */
function answer(name) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: servers[name].port, path: '/mutate?timeout=10s', method: 'POST', ca, servername: SNI, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.end(body);
  });
}
// The ceiling is only a ceiling if it does the webhook's job for this review.
const [fromWebhook, fromCeiling] = await Promise.all([answer('webhook'), answer('ceiling')]);
if (fromWebhook !== fromCeiling) {
  for (const { proc } of Object.values(servers)) proc.kill('SIGTERM');
  throw new Error(`the ceiling's answer differs from the webhook's:\n${fromCeiling}\n${fromWebhook}`);
}

/** CPU seconds (user + system) the process has used: per-request cost, robust to a busy machine. */
function cpuSeconds(pid) {
  return family(pid).reduce((sum, p) => {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100;
  }, 0);
}

/** RSS of the server, its cluster workers included. */
/**
 * What the pod's memory would be charged: every process's anonymous memory,
 * plus file-backed pages (node's own code, which workers share) counted once.
 * Equal to RSS for one process; for --workers, summed RSS counts node's code
 * once per process. (PSS would divide those pages among every node process on
 * this machine, the load generator and the other servers included.)
 */
function podMb(pid) {
  let anon = 0;
  let file = 0;
  for (const p of family(pid)) {
    const rollup = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)[1]);
    anon += kb('Anonymous');
    file = Math.max(file, kb('Rss') - kb('Anonymous'));
  }
  return (anon + file) / 1024;
}

function rssMb(pid) {
  return family(pid).reduce((sum, p) => sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))[1]) / 1024, 0);
}

function family(pid) {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return [pid, ...(children ? children.split(/\s+/).map(Number) : [])];
}

async function load(name, connections) {
  const { proc, port } = servers[name];
  let peakRss = rssMb(proc.pid);
  let peakPod = podMb(proc.pid);
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMb(proc.pid));
    peakPod = Math.max(peakPod, podMb(proc.pid));
  }, 200);
  const cpu0 = cpuSeconds(proc.pid);
  const result = await autocannon({
    url: `https://127.0.0.1:${port}/mutate?timeout=10s`, servername: SNI, tlsOptions: { ca },
    method: 'POST', headers: { 'content-type': 'application/json' }, body,
    connections, pipelining: 1, duration: DURATION,
  });
  clearInterval(sampler);
  const cpuUs = ((cpuSeconds(proc.pid) - cpu0) * 1e6) / result.requests.total;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { reqPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, peakRss, peakPod, cpuUs };
}

/** One keep-alive connection, one request at a time, timed with hrtime: sub-millisecond percentiles. */
async function sequential(name, n) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca, servername: SNI });
  const times = [];
  const once = () => new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port: servers[name].port, path: '/mutate?timeout=10s', method: 'POST', agent, servername: SNI,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${name}: HTTP ${res.statusCode}`));
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        resolve();
      });
    });
    req.on('error', reject);
    req.end(body);
  });
  for (let i = 0; i < 200; i++) await once(); // warm-up
  times.length = 0;
  for (let i = 0; i < n; i++) await once();
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const runs = Object.fromEntries(names.map((n) => [n, []]));
try {
  console.log(`# ${CONNECTIONS} connections, ${DURATION}s x ${ROUNDS} rounds per server, ${Buffer.byteLength(body)} byte review, node ${process.version}`);
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const r = await load(name, CONNECTIONS);
      runs[name].push(r);
      console.log(`round ${round + 1} ${name.padEnd(9)} ${r.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  CPU ${r.cpuUs.toFixed(0)} µs/req  peak RSS ${r.peakRss.toFixed(1)} MB`);
    }
  }
  const seq = {};
  for (const name of names) seq[name] = await sequential(name, SEQUENTIAL);
  const summary = (name) => ({
    reqPerSec: median(runs[name].map((r) => r.reqPerSec)),
    p50: median(runs[name].map((r) => r.p50)),
    p99: median(runs[name].map((r) => r.p99)),
    peakRss: Math.max(...runs[name].map((r) => r.peakRss)),
    peakPod: Math.max(...runs[name].map((r) => r.peakPod)),
    cpuUs: median(runs[name].map((r) => r.cpuUs)),
  });
  const sum = Object.fromEntries(names.map((n) => [n, summary(n)]));
  const floor = sum.floor;
  const row = (label, cell) => console.log(`| ${label} | ${names.map((n) => cell(n, sum[n])).join(' | ')} |`);
  console.log('');
  const title = { floor: 'floor (bare https + JSON.parse)', ceiling: 'ceiling (hand-built patch, no engine)', webhook: 'webhook (1 process)', semi4: 'webhook, NODE_OPTIONS=--max-semi-space-size=4', compare: `webhook built in ${COMPARE}` };
  console.log(`| | ${names.map((n) => title[n] ?? `webhook --${n}`).join(' | ')} |`);
  console.log(`| --- | ${names.map(() => '---').join(' | ')} |`);
  row(`req/s, ${CONNECTIONS} connections (median of ${ROUNDS})`, (n, r) => `${r.reqPerSec.toFixed(0)}${n === 'floor' ? '' : ` (${(r.reqPerSec / floor.reqPerSec).toFixed(2)}x)`}`);
  row('server CPU per request, µs (all processes)', (n, r) => `${r.cpuUs.toFixed(0)}${n === 'floor' ? '' : ` (${(r.cpuUs / floor.cpuUs).toFixed(2)}x)`}`);
  row(`p50 / p99, ${CONNECTIONS} connections (autocannon, ms)`, (_n, r) => `${r.p50} / ${r.p99}`);
  row(`p50 / p99, 1 connection (${SEQUENTIAL} sequential requests, ms)`, (n) => `${seq[n].p50.toFixed(3)} / ${seq[n].p99.toFixed(3)}`);
  row('peak RSS under load (MB, all processes)', (_n, r) => r.peakRss.toFixed(1));
  row('peak pod memory under load (MB: anonymous memory of all processes + file pages once)', (_n, r) => r.peakPod.toFixed(1));
  console.log('');
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  for (const n of names.filter((x) => x !== 'floor' && x !== 'ceiling')) {
    const r = sum[n];
    console.log(`${n}: throughput >= 0.9x floor: ${verdict(r.reqPerSec >= 0.9 * floor.reqPerSec)} (${(r.reqPerSec / floor.reqPerSec).toFixed(2)}x; the ceiling ${(sum.ceiling.reqPerSec / floor.reqPerSec).toFixed(2)}x); p99 <= 1 ms at 1 connection: ${verdict(seq[n].p99 <= 1)}; RSS <= 100 MB: ${verdict(r.peakRss <= 100)} (pod memory ${r.peakPod.toFixed(0)} MB)`);
  }
} finally {
  for (const { proc } of Object.values(servers)) proc.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
