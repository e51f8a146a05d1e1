// The metrics port: /debug/alpha/cache streamed so a 100k-ServiceAccount dump
// neither builds one 8.6 MB string nor holds the event loop (issue 14), and
// --metrics-bind-address.
import http from 'node:http';
import { networkInterfaces } from 'node:os';
import t, { type Test } from 'tap';
import { PodIdentitySet } from '../../src/identity/pod-identity-file.js';
import { ServiceAccountCache } from '../../src/identity/service-account-cache.js';
import { storesSource } from '../../src/identity/source.js';
import { MAX_CONCURRENT_DUMPS, startMetricsServer } from '../../src/server/metrics-server.js';
import { looksLikeStackTrace, runCli } from '../helpers/cli.js';
import { serve } from './helpers.js';

const ROLE = 'eks.amazonaws.com/role-arn';
const COUNT = 100_000;

function bigSource() {
  const cache = new ServiceAccountCache();
  for (let i = 0; i < COUNT; i++) {
    cache.set({ namespace: `team-${i % 2000}`, name: `app-${i}`, resourceVersion: String(i),
      annotations: { [ROLE]: `arn:aws:iam::111122223333:role/team-${i % 2000}-app-${i}`, 'eks.amazonaws.com/audience': 'sts.amazonaws.com' } });
  }
  cache.set({ namespace: 'plain', name: 'no-role', annotations: {} });
  return { cache, source: storesSource({ serviceAccounts: cache, podIdentity: new PodIdentitySet() }) };
}

type Got = { status: number; headers: http.IncomingHttpHeaders; body: string; chunks: number };
function get(port: number, path: string, opts: { method?: string; paused?: (res: http.IncomingMessage) => void } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', agent: false }, (res) => {
      if (opts.paused) return opts.paused(res);
      let body = '';
      let chunks = 0;
      res.setEncoding('utf8').on('data', (c: string) => { body += c; chunks++; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, chunks }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function start(t: Test, snapshot: () => unknown) {
  const r = await startMetricsServer({ host: '127.0.0.1', port: 0, collect: async () => ({ contentType: 'text/plain', text: '' }), snapshot });
  if (!r.ok) throw new Error(r.error.message);
  t.teardown(() => r.value.close());
  return r.value.port;
}

t.test('/debug/alpha/cache at 100k ServiceAccounts: streamed in pieces, whole and exact, without holding the event loop', async (t) => {
  const { source } = bigSource();
  const port = await start(t, () => source.snapshot());
  await get(port, '/debug/alpha/cache'); // warm up (JIT), not measured
  // What an admission arriving meanwhile waits for: the CPU the process spends
  // between two turns of the event loop. CPU time, not wall time, so a busy
  // shared machine descheduling the test does not count.
  let turns = 0;
  let longestMs = 0;
  let probing = true;
  let last = process.cpuUsage();
  const probe = () => {
    const now = process.cpuUsage();
    longestMs = Math.max(longestMs, (now.user - last.user + now.system - last.system) / 1000);
    last = now;
    turns++;
    if (probing) setImmediate(probe);
  };
  probe();
  const [a, b] = await Promise.all([get(port, '/debug/alpha/cache'), get(port, '/debug/alpha/cache')]);
  probing = false;
  t.equal(a.status, 200);
  t.equal(a.headers['content-length'], undefined, 'no content-length: the length is not known up front');
  t.equal(a.headers['transfer-encoding'], 'chunked');
  t.ok(a.body.length > 8e6, `the whole dump (${(a.body.length / 1e6).toFixed(1)} MB)`);
  t.equal(a.body, b.body, 'both dumps alike');
  const dumped = JSON.parse(a.body);
  t.equal(Object.keys(dumped.serviceAccounts).length, COUNT, 'every annotated ServiceAccount');
  t.same(dumped.serviceAccounts['team-7/app-7'], { [ROLE]: 'arn:aws:iam::111122223333:role/team-7-app-7', 'eks.amazonaws.com/audience': 'sts.amazonaws.com' });
  t.notOk('plain/no-role' in dumped.serviceAccounts, 'ServiceAccounts without annotations under the prefix are left out');
  t.same(dumped.podIdentity, []);
  t.equal(a.body, JSON.stringify(JSON.parse(a.body)), 'plain compact JSON, as JSON.stringify writes it');
  // Measured here: one JSON.stringify of the dump held the loop for 720–780 ms of
  // CPU across 11–13 turns; in 64 KB pieces, 12–31 ms at most, one turn per piece.
  const pieces = Math.ceil(a.body.length / 65536);
  t.ok(turns >= pieces, `the event loop turned ${turns} times while two dumps of ${pieces} pieces were written`);
  t.ok(longestMs < 150, `at most ${longestMs.toFixed(1)} ms of CPU between two turns`);
});

t.test('more than two dumps at once: 429 with Retry-After; a slow reader is waited for, not buffered', async (t) => {
  const { source } = bigSource();
  const port = await start(t, () => source.snapshot());
  const held: http.IncomingMessage[] = [];
  for (let i = 0; i < MAX_CONCURRENT_DUMPS; i++) {
    await new Promise<void>((resolve) => void get(port, '/debug/alpha/cache', { paused: (res) => { res.pause(); held.push(res); resolve(); } }));
  }
  await new Promise((r) => setTimeout(r, 200));
  const busy = await get(port, '/debug/alpha/cache');
  t.equal(busy.status, 429);
  t.equal(busy.headers['retry-after'], '1');
  t.same(JSON.parse(busy.body), { code: 'E_HTTP_DEBUG_BUSY', message: '2 /debug/alpha/cache dumps are already being written; retry in a second' });
  t.equal((await get(port, '/metrics')).status, 200, '/metrics is not held up');
  for (const res of held) res.destroy();
  await new Promise((r) => setTimeout(r, 200));
  t.equal((await get(port, '/debug/alpha/cache', { method: 'HEAD' })).status, 200, 'a closed reader frees its slot');
  const head = await get(port, '/debug/alpha/cache', { method: 'HEAD' });
  t.equal(head.body, '', 'HEAD: headers only');
  t.equal(head.headers['content-type'], 'application/json');
});

t.test('a dump that fails before its first byte is a 500; after it, the connection is cut', async (t) => {
  const port = await start(t, () => { throw new Error('no cache'); });
  const r = await get(port, '/debug/alpha/cache');
  t.equal(r.status, 500);
  t.equal(r.body, 'cache dump failed: no cache\n');
});

const otherAddress = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

t.test('--metrics-bind-address: the metrics port listens there only', { skip: otherAddress ? false : 'no non-loopback IPv4 address here' }, async (t) => {
  const reach = (host: string, port: number) => new Promise<number>((resolve) => {
    http.get({ host, port, path: '/metrics', agent: false, timeout: 2000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0); })
      .on('error', () => resolve(0)).on('timeout', function (this: http.ClientRequest) { this.destroy(); });
  });
  const sa = ['--self-signed', '--service-accounts', 'examples/service-accounts.yaml'];
  const bound = await serve(t, [...sa, '--metrics-bind-address', '127.0.0.1']);
  t.equal(await reach('127.0.0.1', bound.metricsPort), 200, 'reachable on 127.0.0.1');
  t.equal(await reach(otherAddress!, bound.metricsPort), 0, `not on ${otherAddress}`);
  t.equal(bound.logs().find((l) => l.msg === 'listening')?.metricsHost, '127.0.0.1', 'the listening line says where');
  t.equal(await bound.stop(), 0);
  const every = await serve(t, sa);
  t.equal(await reach(otherAddress!, every.metricsPort), 200, `by default every interface, ${otherAddress} too`);
  t.equal(every.logs().find((l) => l.msg === 'listening')?.metricsHost, '::');
  t.equal(await every.stop(), 0);
  const bracketed = await serve(t, [...sa, '--metrics-bind-address', '[::1]']);
  t.equal(await reach('::1', bracketed.metricsPort), 200, 'IPv6 in brackets');
  t.equal(await bracketed.stop(), 0);
});

t.test('--metrics-bind-address that is not an IP address: one line, exit 2', async (t) => {
  for (const bad of ['localhost', '127.0.0.1:9999', '10.0.0']) {
    const r = await runCli(['serve', '--port', '0', '--metrics-port', '0', '--metrics-bind-address', bad]);
    t.equal(r.code, 2, `${bad}: usage error`);
    t.equal(r.stdout, '');
    t.equal(r.stderr, `pod-identity-webhook serve: invalid --metrics-bind-address "${bad}": expected an IP address such as 127.0.0.1, 10.0.0.5, ::1 or 0.0.0.0 (the port is --metrics-port), or empty for every interface\n`);
    t.notOk(looksLikeStackTrace(r.stderr));
  }
});
