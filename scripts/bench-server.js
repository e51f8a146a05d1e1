// npm run bench — the webhook over HTTP/1.1 keep-alive TLS, beside a bare Node
// https server that only reads, JSON.parses and answers (the floor), measured
// in the same run with the same ~9 KB review (examples/admission-review.json).
// Each server is its own process; rounds alternate so machine noise hits both.
//
//   DURATION=10 ROUNDS=2 CONNECTIONS=16 npm run bench
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { selfSigned } from '../dist/server/self-signed.js';

const DURATION = Number(process.env.DURATION ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const SEQUENTIAL = Number(process.env.SEQUENTIAL ?? 5000);
const SNI = 'pod-identity-webhook.eks.svc';
const root = new URL('..', import.meta.url).pathname;
const body = readFileSync(join(root, 'examples', 'admission-review.json'), 'utf8');

const dir = mkdtempSync(join(tmpdir(), 'piw-bench-'));
const certs = await selfSigned({ names: [SNI] });
if (!certs.ok) throw new Error(certs.error.message);
writeFileSync(join(dir, 'tls.crt'), certs.value.pair.cert);
writeFileSync(join(dir, 'tls.key'), certs.value.pair.key);
const ca = certs.value.ca.cert;

// The floor: what any Node webhook pays for TLS, HTTP parsing and JSON.parse.
const FLOOR = `
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
const server = createServer({ cert: readFileSync(process.argv[1] + '/tls.crt'), key: readFileSync(process.argv[1] + '/tls.key'), minVersion: 'TLSv1.2' }, (req, res) => {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (d) => { text += d; });
  req.on('end', () => {
    const review = JSON.parse(text);
    const out = JSON.stringify({ apiVersion: review.apiVersion, kind: review.kind, response: { uid: review.request.uid, allowed: true } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.keepAliveTimeout = 120000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', port: server.address().port })));
`;

function startProcess(args, env = {}) {
  const proc = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) resolve({ proc, port: JSON.parse(line).port });
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

const webhookArgs = [join(root, 'dist', 'cli', 'main.js'), 'serve', '--port', '0', '--metrics-port', '0',
  '--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'),
  '--service-accounts', join(root, 'examples', 'service-accounts.yaml'), '--aws-default-region', 'us-west-2', '--log-level', 'warn'];
const WORKERS = Number(process.env.WORKERS ?? 2);
const servers = {
  floor: await startProcess(['--input-type=module', '-e', FLOOR, dir]),
  webhook: await startProcess(webhookArgs),
  // Same process, young generation capped: what NODE_OPTIONS does for RSS under load.
  'semi4': await startProcess(webhookArgs, { NODE_OPTIONS: '--max-semi-space-size=4' }),
  ...(WORKERS > 1 ? { [`workers=${WORKERS}`]: await startProcess([...webhookArgs, '--workers', String(WORKERS)]) } : {}),
};
const names = Object.keys(servers);

/** CPU seconds (user + system) the process has used: per-request cost, robust to a busy machine. */
function cpuSeconds(pid) {
  return family(pid).reduce((sum, p) => {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100;
  }, 0);
}

/** RSS of the server, its cluster workers included. */
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
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, rssMb(proc.pid)); }, 200);
  const cpu0 = cpuSeconds(proc.pid);
  const result = await autocannon({
    url: `https://127.0.0.1:${port}/mutate?timeout=10s`, servername: SNI, tlsOptions: { ca },
    method: 'POST', headers: { 'content-type': 'application/json' }, body,
    connections, pipelining: 1, duration: DURATION,
  });
  clearInterval(sampler);
  const cpuUs = ((cpuSeconds(proc.pid) - cpu0) * 1e6) / result.requests.total;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { reqPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, peakRss, cpuUs };
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
    cpuUs: median(runs[name].map((r) => r.cpuUs)),
  });
  const sum = Object.fromEntries(names.map((n) => [n, summary(n)]));
  const floor = sum.floor;
  const row = (label, cell) => console.log(`| ${label} | ${names.map((n) => cell(n, sum[n])).join(' | ')} |`);
  console.log('');
  console.log(`| | ${names.map((n) => (n === 'floor' ? 'floor (bare https + JSON.parse)' : n === 'webhook' ? 'webhook (1 process)' : n === 'semi4' ? 'webhook, NODE_OPTIONS=--max-semi-space-size=4' : `webhook --${n}`)).join(' | ')} |`);
  console.log(`| --- | ${names.map(() => '---').join(' | ')} |`);
  row(`req/s, ${CONNECTIONS} connections (median of ${ROUNDS})`, (n, r) => `${r.reqPerSec.toFixed(0)}${n === 'floor' ? '' : ` (${(r.reqPerSec / floor.reqPerSec).toFixed(2)}x)`}`);
  row('server CPU per request, µs (all processes)', (n, r) => `${r.cpuUs.toFixed(0)}${n === 'floor' ? '' : ` (${(r.cpuUs / floor.cpuUs).toFixed(2)}x)`}`);
  row(`p50 / p99, ${CONNECTIONS} connections (autocannon, ms)`, (_n, r) => `${r.p50} / ${r.p99}`);
  row(`p50 / p99, 1 connection (${SEQUENTIAL} sequential requests, ms)`, (n) => `${seq[n].p50.toFixed(3)} / ${seq[n].p99.toFixed(3)}`);
  row('peak RSS under load (MB, all processes)', (_n, r) => r.peakRss.toFixed(1));
  console.log('');
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  for (const n of names.filter((x) => x !== 'floor')) {
    const r = sum[n];
    console.log(`${n}: throughput >= 0.9x floor: ${verdict(r.reqPerSec >= 0.9 * floor.reqPerSec)}; p99 <= 1 ms at 1 connection: ${verdict(seq[n].p99 <= 1)}; RSS <= 100 MB: ${verdict(r.peakRss <= 100)}`);
  }
} finally {
  for (const { proc } of Object.values(servers)) proc.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
