// npm run bench:instructions — instructions per admission under valgrind's
// callgrind, for the floor, the ceiling and the webhook (and COMPARE=DIR, a
// build from another checkout). Instruction counts do not move with what
// else the machine is doing, so a change of a few percent shows here when
// req/s (bench-server.js) cannot tell it from noise. They do not see the
// kernel, cache misses or the other core: confirm a gain with `npm run bench`.
//
// Each server runs twice, answering WARMUP + N and WARMUP + 2N reviews sent
// over 4 keep-alive connections; the difference over N is the cost of one
// review once the JIT has settled, with start-up and shutdown taken out.
//
//   N=3000 WARMUP=2000 COMPARE=/tmp/before npm run bench:instructions   (needs valgrind)
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:https';
import { CEILING, FLOOR, SNI, body, certificateDir, startServer, webhookArgs } from './bench-servers.js';

const N = Number(process.env.N ?? 3000);
const WARMUP = Number(process.env.WARMUP ?? 2000);
const COMPARE = process.env.COMPARE;
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('bench:instructions needs valgrind (apt-get install valgrind)');
  process.exit(2);
}

const { dir, ca } = await certificateDir();
const servers = {
  floor: ['--input-type=module', '-e', FLOOR, dir],
  ceiling: ['--input-type=module', '-e', CEILING, dir],
  webhook: webhookArgs(dir),
  ...(COMPARE ? { [`webhook built in ${COMPARE}`]: webhookArgs(dir, COMPARE) } : {}),
};

/** Total instructions of one server process that answered `n` reviews. */
async function instructions(args, n) {
  const server = await startServer('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...args]);
  const agent = new Agent({ keepAlive: true, maxSockets: 4, ca, servername: SNI });
  const once = () => new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: '/mutate?timeout=10s', method: 'POST', agent, servername: SNI,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
  for (let i = 0; i < n; i += 4) await Promise.all([once(), once(), once(), once()]);
  agent.destroy();
  const exited = new Promise((resolve) => server.proc.once('exit', resolve));
  server.proc.kill('SIGINT');
  await exited;
  const collected = /Collected : (\d+)/.exec(server.stderr());
  if (!collected) throw new Error(`no callgrind total in:\n${server.stderr()}`);
  return Number(collected[1]);
}

console.log(`# instructions per review (callgrind): ${WARMUP} + ${N} and ${WARMUP} + ${2 * N} reviews of ${Buffer.byteLength(body)} bytes, node ${process.version}`);
const perReview = {};
for (const [name, args] of Object.entries(servers)) {
  const [one, two] = await Promise.all([instructions(args, WARMUP + N), instructions(args, WARMUP + 2 * N)]);
  perReview[name] = (two - one) / N;
  const vs = name === 'floor' ? '' : ` (${(perReview[name] / perReview.floor).toFixed(2)}x the floor)`;
  console.log(`${name.padEnd(12)} ${(perReview[name] / 1000).toFixed(1).padStart(7)}k${vs}`);
}
