// Child of bench-scale.js, one measurement per process so RSS figures are its own.
//   baseline URL CA TOKEN keep|drop: fetch every page (limit 500) and JSON.parse it;
//     "keep" holds every full object, as an untrimmed informer cache would.
//   source KUBECONFIG: the webhook's Kubernetes source, until synced.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { pino } from 'pino';

const [mode, ...args] = process.argv.slice(2);
const rssMb = () => {
  globalThis.gc?.();
  return Math.round(process.memoryUsage().rss / 1048576);
};

function get(agent, url, token) {
  return new Promise((resolve, reject) => {
    https.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    }).on('error', reject);
  });
}

if (mode === 'baseline') {
  const [url, caFile, token, keep] = args;
  const agent = new https.Agent({ keepAlive: true, ca: readFileSync(caFile) });
  const kept = [];
  const started = performance.now();
  let cont = '';
  let n = 0;
  do {
    const body = JSON.parse(await get(agent, `${url}/api/v1/serviceaccounts?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, token));
    n += body.items.length;
    if (keep === 'keep') kept.push(...body.items);
    cont = body.metadata.continue ?? '';
  } while (cont);
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`${JSON.stringify({ ms, items: n, rssMb: rssMb(), kept: kept.length })}\n`);
  agent.destroy();
} else if (mode === 'source') {
  const { startBackend } = await import('../dist/cli/serve-start.js');
  const { parseArgs } = await import('../dist/cli/parse-args.js');
  const parsed = parseArgs('serve', ['--kubeconfig', args[0]]);
  const started = performance.now();
  const r = await startBackend(parsed.value.values, { logger: pino({ level: 'silent' }) });
  if (!r.ok) throw new Error(r.error.message);
  while (!r.value.source.synced()) await new Promise((res) => setTimeout(res, 5));
  const ms = Math.round(performance.now() - started);
  const rss = rssMb();
  const heapMb = Math.round(process.memoryUsage().heapUsed / 1048576);
  const annotated = [...r.value.source.snapshot().serviceAccounts.entries()].length;
  process.stdout.write(`${JSON.stringify({ ms, rssMb: rss, heapMb, annotated })}\n`);
  await r.value.stop();
} else {
  throw new Error(`unknown mode ${mode}`);
}
