// No Docker engine here, so the Dockerfile is read: the properties the
// Deployment relies on (numeric non-root user, nothing written at run time,
// `serve` as the entry point) and a small image (build tools stay behind).

import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { render, repoPath } from '../helpers/kustomize.js';
import { only, webhookContainer } from './variants.js';

interface Instruction {
  readonly op: string;
  readonly args: string;
}

interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly steps: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // comments inside a continuation
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s+(.*)$/.exec(l);
    if (!m) throw new Error(`Dockerfile line not understood: ${l}`);
    const op = (m[1] as string).toUpperCase();
    const args = m[2] as string;
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: f?.[1] as string, name: f?.[2], steps: [] });
    } else if (op === 'ARG' && stages.length === 0) {
      continue; // global ARGs before the first FROM
    } else {
      const stage = stages[stages.length - 1];
      if (!stage) throw new Error(`${op} before FROM`);
      stage.steps.push({ op, args });
    }
  }
  return stages;
}

const dockerfile = parseDockerfile(readFileSync(repoPath('Dockerfile'), 'utf8'));
const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
  version: string; bin: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string>;
};
const final = dockerfile[dockerfile.length - 1] as Stage;
const build = dockerfile.find((s) => s.name !== undefined && s !== final);
const steps = (s: Stage | undefined, op: string) => (s?.steps ?? []).filter((i) => i.op === op).map((i) => i.args);

t.test('multi-stage on a small Node 20 base', async (t) => {
  t.ok(dockerfile.length >= 2, 'at least a build and a runtime stage');
  for (const s of dockerfile) t.match(s.from, /^(node:20-slim|gcr\.io\/distroless\/nodejs20-debian\d+(:nonroot)?)(@sha256:[0-9a-f]{64})?$/, `${s.name}: ${s.from}`);
  t.ok(build, 'a named build stage');
});

t.test('build stage: dev dependencies from the lock file, then the TypeScript build', async (t) => {
  const runs = steps(build, 'RUN');
  t.ok(runs.some((r) => /^npm ci\b/.test(r) && !/--omit=dev|--production/.test(r)), 'npm ci with dev dependencies');
  t.ok(runs.some((r) => r.includes('npm run build')), 'npm run build');
  t.notOk(runs.some((r) => /npm (install|i)\b/.test(r)), 'npm ci, never npm install (the lock file decides)');
});

t.test('runtime stage: production dependencies and dist only', async (t) => {
  const runs = steps(final, 'RUN');
  t.ok(runs.some((r) => /npm ci\b.*--omit=dev/.test(r) && r.includes('--ignore-scripts')), 'npm ci --omit=dev --ignore-scripts');
  t.notOk(runs.some((r) => /npm (install|i)\b/.test(r)), 'no npm install');
  const copies = steps(final, 'COPY');
  t.ok(copies.some((c) => c.startsWith(`--from=${build?.name} `) && /\/dist\s/.test(c)), 'dist comes from the build stage');
  for (const c of copies.filter((x) => !x.startsWith('--from='))) {
    const sources = c.split(/\s+/).slice(0, -1);
    for (const src of sources) t.match(src, /^(package\.json|package-lock\.json)$/, `only package files copied from the context (${src})`);
  }
});

t.test('runs as a numeric non-root user, the same one the Deployment names', async (t) => {
  const users = steps(final, 'USER');
  t.equal(users.length, 1);
  const m = /^(\d+)(?::(\d+))?$/.exec(users[0] ?? '');
  t.ok(m, 'numeric USER (runAsNonRoot can only be checked for a number)');
  const uid = Number(m?.[1]);
  t.ok(uid > 0, 'not root');
  const deployment = only(render(repoPath('deploy/overlays/cert-manager')), 'Deployment');
  const sc = webhookContainer(deployment).securityContext;
  t.equal(sc.runAsUser, uid, 'Deployment runAsUser = image USER');
  if (m?.[2]) t.equal(sc.runAsGroup, Number(m[2]), 'Deployment runAsGroup = image group');
});

t.test('the runtime keeps a small young generation (memory and p99 targets, docs/benchmarks.md)', async (t) => {
  const envs = steps(final, 'ENV').join(' ');
  t.match(envs, /NODE_OPTIONS=--max-semi-space-size=4\b/);
});

t.test('ENTRYPOINT runs the CLI with serve, without npm', async (t) => {
  const entry = steps(final, 'ENTRYPOINT');
  t.equal(entry.length, 1);
  const argv = JSON.parse(entry[0] ?? '[]') as string[];
  t.ok(Array.isArray(argv), 'exec form, so SIGTERM reaches node');
  t.equal(argv[argv.length - 1], 'serve');
  t.match(argv[0], /(^|\/)node$/, 'node itself: npm needs a writable cache and does not forward signals well');
  const script = argv.find((a) => a.endsWith('.js')) ?? '';
  t.ok(script.endsWith(pkg.bin['pod-identity-webhook']?.replace(/^\.?\/?/, '') ?? '-'), `${script} is the package's bin`);
  t.equal(steps(final, 'CMD').length, 0, 'no CMD: Deployment args are appended after serve');
  t.equal(steps(final, 'VOLUME').length, 0, 'no VOLUME: nothing is written at run time');
});

t.test('OCI labels for source and version; the version follows package.json', async (t) => {
  const labels = steps(final, 'LABEL').join(' ');
  for (const key of ['org.opencontainers.image.source', 'org.opencontainers.image.version', 'org.opencontainers.image.title']) {
    t.match(labels, new RegExp(`${key.replace(/\./g, '\\.')}=`), key);
  }
  const version = steps(final, 'ARG').map((a) => /^VERSION=(.*)$/.exec(a)?.[1]).find((x) => x !== undefined);
  t.equal(version, pkg.version, 'default VERSION build arg = package.json version');
  t.match(labels, /org\.opencontainers\.image\.version="\$\{VERSION\}"/);
});

t.test('.dockerignore keeps the context to what the build copies', async (t) => {
  const ignored = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const p of ['node_modules', 'dist', '.git', '.dev']) t.ok(ignored.includes(p), `${p} is not sent to the daemon`);
  // Everything the Dockerfile copies from the context exists and is not ignored.
  for (const stage of dockerfile) {
    for (const c of steps(stage, 'COPY').filter((x) => !x.startsWith('--from='))) {
      for (const src of c.split(/\s+/).slice(0, -1)) {
        t.ok(existsSync(repoPath(src)), `${src} exists`);
        t.notOk(ignored.includes(src.replace(/\/$/, '')), `${src} is not ignored`);
      }
    }
  }
});

t.test('the compiled code imports only production dependencies (the image has no others)', async (t) => {
  const dist = repoPath('dist');
  t.ok(existsSync(dist), 'dist/ is built (npm test builds first)');
  const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  t.ok(files.length > 0, 'there is compiled code to check');
  const packages = new Set<string>();
  for (const f of files) {
    const text = readFileSync(join(dist, f), 'utf8');
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)) {
      const spec = m[1] as string;
      if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0] as string);
    }
  }
  t.ok(packages.size > 0, 'found the package imports');
  for (const p of packages) t.ok(Object.hasOwn(pkg.dependencies, p), `${p} is in dependencies, so npm ci --omit=dev installs it`);
});
