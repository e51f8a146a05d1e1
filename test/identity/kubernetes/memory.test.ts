// Issue 14 item 5, measured on the built `serve` as deployed: peak RSS (VmHWM
// in /proc/<pid>/status) when the API server ignores `limit` and sends 100k
// ServiceAccounts (~120 MB of JSON) in one page, and when a watch then sends
// 64 MiB without a newline. Before streaming the list and bounding watch
// lines this took 349–522 MB and 417 MB. Bound: the peak of a `serve` that
// listed nothing, plus 150 MB (the trimmed cache of 100k is ~24 MB of heap;
// the rest is one item at a time, the 16 MiB line bound and GC slack).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t, { type Test } from 'tap';
import { CLI } from '../../helpers/cli.js';
import { makeTls, serviceAccount, type FakeKubeApiServer } from '../../helpers/fake-kube-apiserver.js';
import { ARN, ROLE, startFake, tempDir, until, writeKubeconfig } from './setup.js';

const COUNT = 100_000;
const BOUND_MB = 150;
const tls = makeTls();

const peakMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    https.get({ host: '127.0.0.1', port, path: '/readyz', ca: tls.caPem, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

async function serve(t: Test, fake: FakeKubeApiServer) {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'tls.crt'), tls.certPem);
  writeFileSync(join(dir, 'tls.key'), tls.keyPem);
  const child = spawn(process.execPath, [CLI, 'serve', '--kubeconfig', writeKubeconfig(t, fake), '--port', '0', '--metrics-port', '0',
    '--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'), '--resync-period', '0s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const lines: Array<Record<string, any>> = [];
  createInterface({ input: child.stdout }).on('line', (l) => { try { lines.push(JSON.parse(l)); } catch { /* not JSON */ } });
  const listening = await until(() => lines.find((l) => l.msg === 'listening'), `"listening" (stderr: ${stderr})`, 30_000);
  await until(async () => (await readyz(listening?.port)) === 200, '/readyz 200', 60_000);
  return { child, lines, pid: child.pid! };
}

t.test('peak RSS stays bounded: a 100k-item page that ignores limit, then a watch line with no end', async (t) => {
  const empty = await startFake(t);
  const base = await serve(t, empty);
  const basePeak = peakMb(base.pid);
  base.child.kill('SIGTERM');

  const fake = await startFake(t, { recordLimit: 100 });
  fake.ignoreLimit = true;
  // One shared padding string keeps this process small; on the wire every item carries its own copy.
  const pad = JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { labels: { team: 'x'.repeat(700) } } });
  fake.seed('serviceaccounts', (function* () {
    for (let i = 0; i < COUNT; i++) {
      yield serviceAccount(`team-${i % 2000}`, `app-${i}`, {
        ...(i % 5 === 0 ? { [ROLE]: ARN(i) } : {}),
        'kubectl.kubernetes.io/last-applied-configuration': pad,
      }, { uid: `0b6a${String(i).padStart(8, '0')}-1c2d-4e5f-8a9b-0c1d2e3f4a5b`, labels: { app: `app-${i}` } });
    }
  })());
  const started = Date.now();
  const s = await serve(t, fake);
  const listMs = Date.now() - started;
  const lists = fake.requests.filter((r) => r.verb === 'list');
  t.equal(lists.length, 1, 'all 100k came in one page');
  const afterList = peakMb(s.pid);
  t.ok(afterList < basePeak + BOUND_MB, `peak RSS after the one-page list: ${afterList.toFixed(0)} MB (bare serve ${basePeak.toFixed(0)} MB, bound +${BOUND_MB} MB; ready in ${listMs} ms)`);

  await until(() => fake.openWatches === 1, 'watch');
  const sent = await fake.floodWatches(64 << 20, 1 << 20);
  await until(() => s.lines.some((l) => l.code === 'E_KUBE_WATCH_LINE_TOO_LONG'), 'the over-long line to be logged', 20_000);
  t.ok(sent[0]! < 32 << 20, `the webhook hung up after ${(sent[0]! / 1048576).toFixed(0)} MiB of the 64 MiB`);
  const afterFlood = peakMb(s.pid);
  t.ok(afterFlood < basePeak + BOUND_MB, `peak RSS after the over-long line: ${afterFlood.toFixed(0)} MB`);
  t.comment(`bare serve ${basePeak.toFixed(0)} MB; after a 100k page ${afterList.toFixed(0)} MB; after a 64 MiB line ${afterFlood.toFixed(0)} MB`);
  s.child.kill('SIGTERM');
});
