// No Docker engine here, so the Dockerfile is read: the properties the
// Deployment relies on (numeric non-root user, nothing written at run time,
// `serve` as the entry point, upstream's `/webhook`) and a small image (build
// tools stay behind). What the image runs is also executed here: `/webhook` is
// a link to the package's bin, so that file is run through a link of that name.

import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { looksLikeStackTrace } from '../helpers/cli.js';
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
  engines: { node: string }; scripts: Record<string, string>;
};
const BIN = (pkg.bin['pod-identity-webhook'] ?? '').replace(/^\.?\//, '');
const final = dockerfile[dockerfile.length - 1] as Stage;
const build = dockerfile.find((s) => s.name !== undefined && s !== final);
const steps = (s: Stage | undefined, op: string) => (s?.steps ?? []).filter((i) => i.op === op).map((i) => i.args);

/** Whether one `||` alternative of an engines range (`^20.19.0`, `>=22`, `24`) admits Node `major`. */
function admitsMajor(range: string, major: number): boolean {
  return range.split('||').map((r) => r.trim()).some((r) => {
    const m = /^(\^|>=)?\s*(\d+)(?:\.\d+){0,2}$/.exec(r);
    if (!m) return false;
    const n = Number(m[2]);
    return m[1] === '>=' ? major >= n : major === n;
  });
}

t.test('multi-stage on a small base of a supported Node LTS line, the one engines admits', async (t) => {
  t.ok(dockerfile.length >= 2, 'at least a build and a runtime stage');
  const majors = new Set<number>();
  for (const s of dockerfile) {
    const m = /^node:(\d+)-slim(@sha256:[0-9a-f]{64})?$/.exec(s.from);
    t.ok(m, `${s.name}: ${s.from} is node:<major>-slim`);
    if (m) majors.add(Number(m[1]));
  }
  t.equal(majors.size, 1, 'build and runtime on the same Node');
  const [major = 0] = majors;
  // Node 20 reached its end of life in April 2026; 24 is the LTS line in support.
  t.ok(major >= 24 && major % 2 === 0, `Node ${major} is an LTS line (even) no older than 24`);
  t.ok(admitsMajor(pkg.engines.node, major), `engines "${pkg.engines.node}" admits the image's Node ${major}`);
  t.ok(admitsMajor(pkg.engines.node, 20), `engines "${pkg.engines.node}" still admits Node 20, which the machines run`);
  t.ok(build, 'a named build stage');
});

t.test('the engines check reads ranges as npm does for whole majors', async (t) => {
  t.ok(admitsMajor('^20.19.0 || ^24.0.0', 24));
  t.ok(admitsMajor('^20.19.0 || ^24.0.0', 20));
  t.notOk(admitsMajor('^20.19.0 || ^24.0.0', 22));
  t.ok(admitsMajor('>=22', 26));
  t.notOk(admitsMajor('>=22', 20));
  t.notOk(admitsMajor('~24.1 - 25', 24), 'a form it does not know admits nothing');
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
  t.ok(BIN !== '' && script.endsWith(BIN), `${script} is the package's bin`);
  t.equal(steps(final, 'CMD').length, 0, 'no CMD: Deployment args are appended after serve');
  t.equal(steps(final, 'VOLUME').length, 0, 'no VOLUME: nothing is written at run time');
});

t.test("/webhook, as upstream's image has it: a link to the package's bin", async (t) => {
  const links = steps(final, 'RUN').map((r) => /^ln -s (\S+) \/webhook$/.exec(r)?.[1]).filter((x) => x !== undefined);
  t.equal(links.length, 1, 'one `ln -s <bin> /webhook` in the runtime stage');
  const workdir = steps(final, 'WORKDIR').at(-1) ?? '';
  t.equal(links[0], `${workdir}/${BIN}`, 'it points at the bin inside the image (WORKDIR + package.json bin)');
  const entry = JSON.parse(steps(final, 'ENTRYPOINT')[0] ?? '[]') as string[];
  t.ok(entry.includes(links[0] ?? '-'), 'the same file the ENTRYPOINT runs');
  // The link is made as root: / belongs to root, and USER comes after.
  const order = final.steps.map((s) => s.op === 'RUN' && / \/webhook$/.test(s.args) ? 'link' : s.op);
  t.ok(order.indexOf('link') < order.indexOf('USER'), 'linked before USER drops root');
  // It must be executable on its own: the build stage's `npm run build` marks it, COPY keeps the mode.
  t.match(pkg.scripts.build, new RegExp(`chmod \\+x ${BIN.replace(/[.]/g, '\\.')}`), 'the build marks the bin executable');
  t.ok((statSync(repoPath(BIN)).mode & 0o111) !== 0, `${BIN} is executable here`);
  t.match(readFileSync(repoPath(BIN), 'utf8').split('\n')[0], /^#!\/usr\/bin\/env node$/, 'its #! finds node on PATH, as the image has it');
});

t.test('/webhook with upstream\'s flags only starts serve (the bin run through a link named webhook)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'piw-webhook-link-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const webhook = join(dir, 'webhook');
  symlinkSync(repoPath(BIN), webhook);
  // Not `node webhook`: the kernel runs the file, its #! finds node on PATH (this
  // test's node first, so a run on Node 24 runs it on Node 24).
  const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
  const child = spawn(webhook, [
    '--in-cluster=false', '--namespace=default', '--service-name=pod-identity-webhook',
    '--annotation-prefix=eks.amazonaws.com', '--token-audience=sts.amazonaws.com', '--logtostderr',
    // Ports and certificates substituted; static identities instead of a cluster.
    '--port=0', '--metrics-port=0', '--self-signed', `--service-accounts=${repoPath('examples/service-accounts.yaml')}`,
  ], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const listening = await new Promise<Record<string, any> | undefined>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      try {
        const j = JSON.parse(l) as Record<string, any>;
        if (j.msg === 'listening') resolve(j);
      } catch { /* not JSON */ }
    });
    void exited.then(() => resolve(undefined));
  });
  t.ok(listening, `serve started and listens (stderr: ${stderr})`);
  t.equal(listening?.source, 'static', 'the serve command, with the identities given');
  t.equal(listening?.certificate, 'self-signed');
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'clean exit on SIGTERM');
  t.equal(stderr, '', 'nothing on stderr');
  t.notOk(looksLikeStackTrace(stderr), 'no stack trace');
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
