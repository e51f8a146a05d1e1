// npm run bench:scale — the Kubernetes source against 100k ServiceAccounts served
// by the test suite's fake kube-apiserver (paginated, limit 500). Prints the time
// from start to synced (and to /readyz 200 through `serve` when it is built) and
// RSS after sync, next to baselines measured in the same run.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const COUNT = Number(process.env.BENCH_SCALE_COUNT ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const root = new URL('..', import.meta.url).pathname;

function firstLine(child) {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (l) => resolve(l));
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
}

async function runChild(args) {
  const child = spawn(process.execPath, ['--expose-gc', join(root, 'scripts/bench-scale-child.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await firstLine(child);
  await new Promise((r) => child.once('exit', r));
  return JSON.parse(line);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function serveRun(kubeconfig, certDir, env = process.env) {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'serve', '--kubeconfig', kubeconfig, '--port', '0', '--metrics-port', '0',
    '--tls-cert', join(certDir, 'tls.crt'), '--tls-key', join(certDir, 'tls.key'), '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const port = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (l) => {
      try {
        const j = JSON.parse(l);
        if (j.msg === 'listening' && typeof j.port === 'number') resolve(j.port);
      } catch { /* not JSON */ }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr.trim().split('\n')[0]}`)));
  });
  const readyz = () => new Promise((resolve) => {
    https.get({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', () => resolve(0));
  });
  while ((await readyz()) !== 200) await new Promise((r) => setTimeout(r, 10));
  const ms = Math.round(performance.now() - started);
  await new Promise((r) => setTimeout(r, 500));
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { ms, rssMb: Math.round(Number(rss) / 1024) };
}

const server = spawn(process.execPath, ['--import', join(root, 'node_modules/@tapjs/typescript/dist/esm/import.mjs'), join(root, 'scripts/bench-scale-server.ts'), String(COUNT)],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' } });
const info = JSON.parse(await firstLine(server));
const certDir = mkdtempSync(join(tmpdir(), 'piw-bench-scale-tls-'));
try {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', join(certDir, 'tls.key'), '-out', join(certDir, 'tls.crt')], { stdio: 'ignore' });
  console.log(`bench:scale — ${info.count} ServiceAccounts (20 % annotated), pages of 500, ${RUNS} runs each, median`);
  const base = [];
  const kept = [];
  const src = [];
  for (let i = 0; i < RUNS; i++) {
    base.push(await runChild(['baseline', info.url, info.caFile, info.token, 'drop']));
    kept.push(await runChild(['baseline', info.url, info.caFile, info.token, 'keep']));
    src.push(await runChild(['source', info.kubeconfig]));
  }
  const row = (name, xs) => console.log(`${name.padEnd(52)} ${String(median(xs.map((x) => x.ms))).padStart(6)} ms ${String(median(xs.map((x) => x.rssMb))).padStart(6)} MB RSS`);
  row('baseline: fetch + JSON.parse all pages', base);
  row('baseline: same, keeping every full object', kept);
  row('Kubernetes source: start → synced (trimmed cache)', src);
  console.log(`  live heap after sync (after a full GC): ${median(src.map((x) => x.heapMb))} MB`);
  console.log(`  annotated ServiceAccounts cached: ${src[0].annotated}; time vs fetch+parse baseline: ${(median(src.map((x) => x.ms)) / median(base.map((x) => x.ms))).toFixed(2)}×`);
  try {
    const serve = [];
    for (let i = 0; i < RUNS; i++) serve.push(await serveRun(info.kubeconfig, certDir));
    row('serve: process start → /readyz 200', serve);
    // Most of the RSS above is V8's young generation grown to its 16 MB semi-spaces
    // during the list (it never shrinks back); a smaller cap is a deployment choice.
    const small = [];
    for (let i = 0; i < RUNS; i++) small.push(await serveRun(info.kubeconfig, certDir, { ...process.env, NODE_OPTIONS: '--max-semi-space-size=4' }));
    row('serve, NODE_OPTIONS=--max-semi-space-size=4', small);
  } catch (err) {
    console.log(`serve: not measured (${err.message})`);
  }
} finally {
  server.kill('SIGTERM');
  rmSync(certDir, { recursive: true, force: true });
  rmSync(info.dir, { recursive: true, force: true });
}
