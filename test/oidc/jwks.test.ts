// `oidc jwks` through the built CLI: kids and members computed independently
// here with node:crypto, for RSA 2048/3072/4096 and EC P-256/384/521 in every
// PEM form kube-apiserver reads; no private member ever; several blocks and
// files; a key given twice appears once.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test as Tap } from 'tap';
import { jwksOf } from '../../src/oidc/jwks.js';
import { readPublicKeys } from '../../src/oidc/keys.js';
import { looksLikeStackTrace, runCli } from '../helpers/cli.js';
import { ecPair, expectedJwk, expectedKid, pemForms, rsaPair, tempDir, type Pair } from './support.js';

const dir = tempDir(t);
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const pairs: Pair[] = [rsaPair(2048), rsaPair(3072), rsaPair(4096), ecPair('P-256'), ecPair('P-384'), ecPair('P-521')];
const files = new Map<Pair, Array<{ form: string; file: string }>>();
for (const [i, p] of pairs.entries()) {
  files.set(p, pemForms(p).map(({ form, pem }, j) => {
    const file = join(dir, `key-${i}-${j}.pem`);
    writeFileSync(file, pem);
    return { form, file };
  }));
}

async function jwks(tt: Tap, args: string[]): Promise<{ keys: Array<Record<string, unknown>> }> {
  const r = await runCli(['oidc', 'jwks', ...args]);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  tt.equal(r.stderr, '', 'nothing on stderr');
  tt.ok(r.stdout.endsWith('}\n'), 'pretty JSON with a trailing newline');
  tt.equal(r.stdout, `${JSON.stringify(JSON.parse(r.stdout), null, 2)}\n`, 'indented by two spaces');
  return JSON.parse(r.stdout);
}

for (const p of pairs) {
  t.test(`${p.label}: every PEM form gives kube-apiserver's kid and JWK`, async (tt) => {
    const want = expectedJwk(p);
    tt.equal(want.kid, expectedKid(p.publicKey));
    // The library, form by form (no process start per form)...
    for (const { form, file } of files.get(p)!) {
      const read = readPublicKeys(readFileSync(file, 'utf8'), file);
      if (!read.ok) throw new Error(read.error.message);
      const built = jwksOf(read.value.map((k) => k.key));
      if (!built.ok) throw new Error(built.error);
      tt.same(built.value.keys, [want], `${form}: kid ${want.kid}`);
    }
    // ...and the CLI with every form at once: one key, since they all have the same kid.
    const out = await jwks(tt, files.get(p)!.flatMap(({ file }) => ['--public-key', file]));
    tt.equal(out.keys.length, 1);
    // Same members, same values, same order as kube-apiserver's JSON.
    tt.same(Object.keys(out.keys[0]!), Object.keys(want), 'members and their order');
    tt.same(out.keys[0], want);
    for (const m of PRIVATE_MEMBERS) tt.notOk(m in out.keys[0]!, `no private member ${m}`);
  });
}

t.test('several files and several blocks per file, in order; the same key twice appears once', async (tt) => {
  const [r2048, r3072, , p256, , p521] = pairs as [Pair, Pair, Pair, Pair, Pair, Pair];
  const forms = (p: Pair) => pemForms(p);
  // One file holding a private key, unrelated text, EC PARAMETERS as `openssl ecparam -genkey` writes them,
  // and another key: as a --service-account-key-file during a rotation.
  const bundle = join(dir, 'bundle.pem');
  writeFileSync(bundle, [
    'old key, retire after 2026-12-01',
    forms(r2048)[3]!.pem,
    '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----',
    forms(p256)[2]!.pem,
  ].join('\n'));
  const out = await jwks(tt, [
    '--public-key', bundle,
    '--public-key', files.get(r3072)![0]!.file,
    '--public-key', files.get(r2048)![0]!.file, // the 2048 key again, as SPKI
    '--public-key', files.get(p521)![1]!.file,
    '--public-key', bundle, // the whole file again
  ]);
  tt.same(out.keys.map((k) => k.kid), [r2048, p256, r3072, p521].map((p) => expectedKid(p.publicKey)));
  const text = JSON.stringify(out);
  for (const m of PRIVATE_MEMBERS) tt.notMatch(text, new RegExp(`"${m}":`), `no "${m}" anywhere`);
});

t.test('the private key material never reaches stdout', async (tt) => {
  const p = pairs[0]!;
  const priv = p.privateKey.export({ format: 'jwk' }) as Record<string, string>;
  const r = await runCli(['oidc', 'jwks', '--public-key', files.get(p)![3]!.file]);
  tt.equal(r.code, 0);
  for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) tt.notMatch(r.stdout, priv[m] as string, `the value of ${m} is absent`);
});

t.test('usage errors exit 2 with one line', async (tt) => {
  for (const [args, pattern] of [
    [['oidc', 'jwks'], /needs --public-key FILE/],
    [['oidc', 'jwks', files.get(pairs[0]!)![0]!.file], /takes no positional argument/],
    [['oidc', 'jwks', '--public-key'], /--public-key needs a value/],
  ] as const) {
    const r = await runCli([...args]);
    tt.equal(r.code, 2, args.join(' '));
    tt.equal(r.stdout, '');
    tt.match(r.stderr, pattern);
    tt.equal(r.stderr.trim().split('\n').length, 1);
    tt.notOk(looksLikeStackTrace(r.stderr));
  }
});
