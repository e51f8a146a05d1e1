// The oidc commands run in CI pipelines: they must not load the server, the
// YAML parser or the Kubernetes client (only publish --from-cluster uses the
// client). A module resolve hook in the child process lists every module the
// command loaded.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CLI, ROOT } from '../helpers/cli.js';
import { kubeClaims, rsaPair, signToken, tempDir } from './support.js';

const dir = tempDir(t);
const log = join(dir, 'loaded.txt');
const hooks = join(dir, 'hooks.mjs');
writeFileSync(hooks, [
  "import { appendFileSync } from 'node:fs';",
  'export async function resolve(specifier, context, next) {',
  '  const r = await next(specifier, context);',
  `  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');`,
  '  return r;',
  '}',
].join('\n'));
const register = join(dir, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);

const pair = rsaPair(2048);
const key = join(dir, 'sa.pub');
writeFileSync(key, pair.publicKey.export({ type: 'spki', format: 'pem' }));
const issuer = 'https://oidc.example.com';
const token = join(dir, 'token');
writeFileSync(token, signToken(pair, kubeClaims(issuer)));
const jwksFile = join(dir, 'jwks.json');

function loaded(args: string[]): string[] {
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', `file://${register}`, CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  if (args[1] === 'jwks') writeFileSync(jwksFile, r.stdout);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

// The flag table reads its defaults from two constant-only modules
// (engine/config.js, server/connection-limits.js); nothing else of the
// engine or the server may load.
const DEFAULTS_ONLY = /\/dist\/(engine\/config|server\/connection-limits)\.js$/;
const FORBIDDEN = [/\/node_modules\/fastify\//, /\/node_modules\/pino\//, /\/node_modules\/@kubernetes\/client-node\//, /\/node_modules\/yaml\//,
  /\/dist\/server\//, /\/dist\/identity\//, /\/dist\/engine\//];

for (const args of [
  ['oidc', 'jwks', '--public-key', key],
  ['oidc', 'discovery', '--issuer', issuer, '--public-key', key],
  ['oidc', 'publish', '--issuer', issuer, '--public-key', key, '--out', join(dir, 'out')],
  ['oidc', 'verify-token', token, '--issuer', issuer, '--jwks', jwksFile],
]) {
  t.test(`${args.slice(0, 2).join(' ')} loads neither the server, YAML nor the Kubernetes client`, async (tt) => {
    const urls = loaded(args);
    tt.ok(urls.some((u) => u.endsWith('/dist/cli/main.js')), 'the hook saw the CLI');
    for (const bad of FORBIDDEN) tt.same(urls.filter((u) => bad.test(u) && !DEFAULTS_ONLY.test(u)), [], String(bad));
    const jose = urls.filter((u) => u.includes('/node_modules/jose/'));
    if (args[1] === 'verify-token') tt.ok(jose.length > 0, 'the hook sees packages too (jose)');
    else tt.same(jose, [], 'jose only for verify-token');
  });
}
