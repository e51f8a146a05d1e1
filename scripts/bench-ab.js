// npm run bench:ab — the same review against several builds of the webhook,
// rounds alternating their order, to tell one change's cost from this shared
// machine's noise (single runs here swing by ±30%). Each build runs as the
// image runs it (NODE_OPTIONS=--max-semi-space-size=4); medians of ROUNDS.
//
//   git worktree add /tmp/before HEAD~1 && (cd /tmp/before && npm ci)
//   BUILDS=before=/tmp/before,head=. ROUNDS=6 npm run bench:ab
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { SNI, body, certificateDir, startServer, webhookArgs } from './bench-servers.js';

const ROUNDS = Number(process.env.ROUNDS ?? 6);
const DURATION = Number(process.env.DURATION ?? 6);
const builds = Object.fromEntries((process.env.BUILDS ?? 'head=.').split(',').map((pair) => {
  const [name, dir] = pair.split('=');
  return [name, resolve(dir ?? '.')];
}));
const { dir, ca } = await certificateDir();
const servers = {};
for (const [name, root] of Object.entries(builds)) {
  servers[name] = await startServer(process.execPath, webhookArgs(dir, root), { NODE_OPTIONS: '--max-semi-space-size=4' });
}
/** User + system CPU of a process, in ms (from /proc, 10 ms ticks). */
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const results = Object.fromEntries(Object.keys(servers).map((n) => [n, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = Object.keys(servers);
  if (round % 2) order.reverse();
  for (const name of order) {
    const s = servers[name];
    const before = cpuMs(s.proc.pid);
    const r = await autocannon({
      url: `https://127.0.0.1:${s.port}/mutate?timeout=10s`, method: 'POST', body, headers: { 'content-type': 'application/json' },
      connections: 16, duration: DURATION, tlsOptions: { ca, servername: SNI },
    });
    results[name].push({ rps: r.requests.average, us: ((cpuMs(s.proc.pid) - before) * 1000) / r.requests.total, p99: r.latency.p99 });
  }
}
for (const { proc } of Object.values(servers)) proc.kill('SIGTERM');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const first = Object.keys(results)[0];
const base = median(results[first].map((x) => x.rps));
console.log(`# ${ROUNDS} rounds of ${DURATION}s, 16 connections, alternating; node ${process.version}; medians`);
console.log(`| build | req/s | vs ${first} | CPU µs/req | p99 ms (16 connections) | req/s per round |`);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name, rows] of Object.entries(results)) {
  const rps = median(rows.map((x) => x.rps));
  console.log(`| ${name} | ${rps.toFixed(0)} | ${(rps / base).toFixed(2)}x | ${median(rows.map((x) => x.us)).toFixed(0)} | ${median(rows.map((x) => x.p99))} | ${rows.map((x) => Math.round(x.rps)).join(', ')} |`);
}
