// npm run bench:mutate — peak memory of `mutate` on a generated manifest stream
// (BENCH_MUTATE_MB, default 50) of Deployments, Services, ConfigMaps and the
// ServiceAccounts they use, beside baselines measured in the same run:
//   floor:     Node reading the same file through a stream and discarding it;
//   parse-all: yaml's parseAllDocuments + toJS of the whole stream, which is
//              what mutate did before it streamed (BENCH_MUTATE_BASELINE=0 skips
//              it: it takes minutes and gigabytes at 50 MB).
// Each row is its own process; peak RSS comes from the process itself
// (scripts/max-rss.js), output goes to /dev/null.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MB = Number(process.env.BENCH_MUTATE_MB ?? 50);
const BASELINE = process.env.BENCH_MUTATE_BASELINE !== '0';
const root = new URL('..', import.meta.url).pathname;
const hook = new URL('./max-rss.js', import.meta.url).href;
const cli = join(root, 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'piw-bench-mutate-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function stream(i) {
  const ns = `ns${i % 50}`;
  return [
    `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app${i}\n  namespace: ${ns}\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/app${i}\n`,
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app${i}\n  namespace: ${ns}\n  labels: {app.kubernetes.io/name: app${i}, app.kubernetes.io/part-of: bench}\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app.kubernetes.io/name: app${i}}\n  template:\n    metadata:\n      labels: {app.kubernetes.io/name: app${i}}\n      annotations: {prometheus.io/scrape: "true"}\n    spec:\n      serviceAccountName: app${i}\n      containers:\n        - name: app\n          image: registry.example.com/app:${i}\n          args: ["--port=8080", "--log-level=info"]\n          ports: [{containerPort: 8080, name: http}]\n          env:\n            - {name: LOG_FORMAT, value: json}\n            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}\n          readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 5}\n          livenessProbe: {httpGet: {path: /live, port: http}, periodSeconds: 10}\n        - name: sidecar\n          image: registry.example.com/proxy:1.2.3\n          resources: {requests: {cpu: 10m, memory: 32Mi}}\n`,
    `apiVersion: v1\nkind: Service\nmetadata: {name: app${i}, namespace: ${ns}}\nspec:\n  selector: {app.kubernetes.io/name: app${i}}\n  ports: [{port: 80, targetPort: http}]\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app${i}-config, namespace: ${ns}}\ndata:\n  config.yaml: |\n    server:\n      port: 8080\n      timeout: 30s\n    features: [a, b, c]\n`,
  ].join('---\n');
}

async function generate(path, mb) {
  const out = createWriteStream(path);
  let size = 0;
  for (let i = 0; size < mb * 1024 * 1024; i++) {
    const text = `${i > 0 ? '---\n' : ''}${stream(i)}`;
    size += text.length;
    if (!out.write(text)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}

function measure(args, stdinFile) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', hook, ...args], {
      cwd: root,
      stdio: [stdinFile ? openSync(stdinFile, 'r') : 'ignore', 'ignore', 'pipe', 'pipe'],
    });
    let report = '';
    let stderr = '';
    child.stdio[3].on('data', (d) => { report += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(0, 300)}`));
      resolve({ ...JSON.parse(report), wallS: (performance.now() - started) / 1000 });
    });
  });
}

const file = join(dir, 'stream.yaml');
await generate(file, MB);
const small = join(dir, 'small.yaml');
await generate(small, Math.max(1, Math.round(MB / 10)));
const size = (p) => `${(statSync(p).size / 1048576).toFixed(1)} MiB`;

const floorCode = `import { createReadStream } from 'node:fs'; for await (const _ of createReadStream(${JSON.stringify(file)})) {}`;
const parseAllCode = `import { readFileSync } from 'node:fs'; import { parseAllDocuments } from 'yaml';
const docs = parseAllDocuments(readFileSync(${JSON.stringify(file)}, 'utf8')); let n = 0; for (const d of docs) { d.toJS(); n++; }`;

const rows = [];
rows.push(['floor: read the stream, discard', size(file), await measure(['--input-type=module', '-e', floorCode])]);
rows.push([`mutate -f FILE (${size(small)})`, size(small), await measure([cli, 'mutate', '-f', small])]);
rows.push(['mutate -f FILE', size(file), await measure([cli, 'mutate', '-f', file])]);
rows.push(['mutate -f - (stdin)', size(file), await measure([cli, 'mutate', '-f', '-'], file)]);
if (BASELINE) rows.push(['parse-all: parseAllDocuments + toJS', size(file), await measure(['--input-type=module', '-e', parseAllCode], undefined)]);

console.log(`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| run | input | peak RSS | CPU | wall |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, input, r] of rows) {
  console.log(`| ${name} | ${input} | ${(r.maxRssKiB / 1024).toFixed(0)} MiB | ${r.cpuS.toFixed(1)} s | ${r.wallS.toFixed(1)} s |`);
}
