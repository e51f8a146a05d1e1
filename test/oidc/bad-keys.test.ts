// Every key file kube-apiserver would refuse, or could not sign with, through
// the built CLI: one line on stderr naming the file and the problem (with
// what to run instead), exit 1, nothing on stdout, no stack trace.

import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { looksLikeStackTrace, runCli } from '../helpers/cli.js';
import { rsaPair, tempDir } from './support.js';

const dir = tempDir(t);
const file = (name: string, text: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { cwd: dir, stdio: 'pipe' });

const good = rsaPair(2048);
const goodFile = file('good.pub', good.publicKey.export({ type: 'spki', format: 'pem' }));
const pkcs8 = (type: string, opts: object = {}): { privateKey: string; publicKey: string } =>
  (generateKeyPairSync as any)(type, { ...opts, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

sh('ssh-keygen', '-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', 'id_rsa');
sh('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', 'id_ed25519');
file('ssh2.pub', sh('ssh-keygen', '-e', '-f', 'id_rsa.pub'));
const small = pkcs8('rsa', { modulusLength: 1024 });
const ed25519 = pkcs8('ed25519');
const dsa = pkcs8('dsa', { modulusLength: 2048, divisorLength: 256 });
file('dsa8.pem', dsa.privateKey);
file('dsa-traditional.pem', sh('openssl', 'pkey', '-in', 'dsa8.pem', '-traditional'));
const certKey = file('cert.key', good.privateKey.export({ type: 'pkcs8', format: 'pem' }));
sh('openssl', 'req', '-x509', '-key', certKey, '-subj', '/CN=sa', '-days', '1', '-out', 'cert.pem');
sh('openssl', 'req', '-new', '-key', certKey, '-subj', '/CN=sa', '-out', 'csr.pem');
file('encrypted8.pem', good.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }));
file('encrypted-traditional.pem', good.privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }));
const spki = good.publicKey.export({ type: 'spki', format: 'pem' }) as string;
mkdirSync(join(dir, 'a-directory'));

const cases: ReadonlyArray<{ name: string; path: string; want: RegExp }> = [
  { name: 'an OpenSSH public key (ssh-rsa ...)', path: join(dir, 'id_rsa.pub'), want: /id_rsa\.pub: an OpenSSH public key, not PEM; convert it with: ssh-keygen -e -m PKCS8 -f \S*id_rsa\.pub > sa\.pub/ },
  { name: 'an OpenSSH private key', path: join(dir, 'id_rsa'), want: /id_rsa: an OpenSSH private key, not PEM; write its public half as PEM with: ssh-keygen -e -m PKCS8 -f \S*id_rsa/ },
  { name: 'an RFC 4716 SSH2 public key', path: join(dir, 'ssh2.pub'), want: /ssh2\.pub: an OpenSSH public key, not PEM; convert it with: ssh-keygen -e -m PKCS8/ },
  { name: 'an OpenSSH Ed25519 public key', path: join(dir, 'id_ed25519.pub'), want: /id_ed25519\.pub: an OpenSSH Ed25519 public key; kube-apiserver cannot sign service account tokens with it/ },
  { name: 'an OpenSSH Ed25519 private key', path: join(dir, 'id_ed25519'), want: /id_ed25519: an OpenSSH Ed25519 private key; kube-apiserver cannot sign/ },
  { name: 'RSA 1024 (private)', path: file('rsa1024.key', small.privateKey), want: /rsa1024\.key: its PRIVATE KEY block is a 1024-bit RSA key, below the 2048-bit minimum; make a new one with openssl genrsa -out sa\.key 2048/ },
  { name: 'RSA 1024 (public)', path: file('rsa1024.pub', small.publicKey), want: /rsa1024\.pub: its PUBLIC KEY block is a 1024-bit RSA key, below the 2048-bit minimum/ },
  { name: 'Ed25519 (PKCS#8)', path: file('ed25519.key', ed25519.privateKey), want: /ed25519\.key: its PRIVATE KEY block is an Ed25519 key; kube-apiserver cannot sign service account tokens with it \(only RSA of 2048 bits or more, or ECDSA P-256, P-384, P-521\)/ },
  { name: 'Ed25519 (SPKI)', path: file('ed25519.pub', ed25519.publicKey), want: /ed25519\.pub: its PUBLIC KEY block is an Ed25519 key; kube-apiserver cannot sign/ },
  { name: 'Ed448', path: file('ed448.key', pkcs8('ed448').privateKey), want: /ed448\.key: its PRIVATE KEY block is an Ed448 key; kube-apiserver cannot sign/ },
  { name: 'X25519', path: file('x25519.key', pkcs8('x25519').privateKey), want: /x25519\.key: its PRIVATE KEY block is an X25519 key; kube-apiserver cannot sign/ },
  { name: 'DSA (PKCS#8)', path: join(dir, 'dsa8.pem'), want: /dsa8\.pem: its PRIVATE KEY block is a DSA key; kube-apiserver cannot sign/ },
  { name: 'DSA (DSA PRIVATE KEY)', path: join(dir, 'dsa-traditional.pem'), want: /dsa-traditional\.pem: its DSA PRIVATE KEY block is a DSA key; kube-apiserver cannot sign/ },
  { name: 'EC secp256k1', path: file('k1.key', pkcs8('ec', { namedCurve: 'secp256k1' }).privateKey), want: /k1\.key: its PRIVATE KEY block is an EC key on curve secp256k1; kube-apiserver cannot sign/ },
  { name: 'RSA-PSS', path: file('pss.key', pkcs8('rsa-pss', { modulusLength: 2048 }).privateKey), want: /pss\.key: its PRIVATE KEY block is an RSA-PSS key; kube-apiserver cannot sign/ },
  { name: 'a certificate', path: join(dir, 'cert.pem'), want: /cert\.pem: its CERTIFICATE block is a certificate, not a key; .*openssl x509 -in \S*cert\.pem -pubkey -noout > sa\.pub/ },
  { name: 'a certificate request', path: join(dir, 'csr.pem'), want: /csr\.pem: its CERTIFICATE REQUEST block is not a key type kube-apiserver reads/ },
  { name: 'an encrypted PKCS#8 key', path: join(dir, 'encrypted8.pem'), want: /encrypted8\.pem: its ENCRYPTED PRIVATE KEY block is an encrypted private key.*openssl pkey -in \S*encrypted8\.pem -pubout -out sa\.pub/ },
  { name: 'an encrypted traditional key (Proc-Type)', path: join(dir, 'encrypted-traditional.pem'), want: /encrypted-traditional\.pem: its RSA PRIVATE KEY block is an encrypted private key/ },
  { name: 'a file with no key', path: file('notes.txt', 'the key is on the control plane\n'), want: /notes\.txt: no PEM key in this file; expected a -----BEGIN PUBLIC KEY-----/ },
  { name: 'only EC PARAMETERS', path: file('params.pem', '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n'), want: /params\.pem: no PEM key in this file/ },
  { name: 'an empty file', path: file('empty.pem', ''), want: /empty\.pem: the file is empty/ },
  { name: 'a missing file', path: join(dir, 'missing.pem'), want: /missing\.pem: cannot read: no such file/ },
  { name: 'a directory', path: join(dir, 'a-directory'), want: /a-directory: cannot read: is a directory/ },
  { name: 'a cut-off PEM block', path: file('cut.pem', spki.slice(0, spki.length - 30)), want: /cut\.pem: the PUBLIC KEY block at line 1 has no -----END PUBLIC KEY----- line/ },
  { name: 'a damaged PEM block', path: file('damaged.pem', spki.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA')), want: /damaged\.pem: its PUBLIC KEY block does not decode as a key/ },
  { name: 'a bad block after a good one', path: file('mixed.pem', `${spki}${readFileSync(join(dir, 'cert.pem'), 'utf8')}`), want: new RegExp(`mixed\\.pem: the CERTIFICATE block at line ${spki.split('\n').length} is a certificate, not a key`) },
];

function oneLine(tt: Test, r: { code: number | null; stdout: string; stderr: string }, want: RegExp, code = 1): void {
  tt.equal(r.code, code, `exit ${code}`);
  tt.equal(r.stdout, '', 'nothing on stdout');
  tt.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  tt.match(r.stderr, want);
  tt.notOk(looksLikeStackTrace(r.stderr), 'no stack trace');
}

t.test('each bad key file: one line naming the file and what to do, exit 1', async (tt) => {
  // Three processes at a time: the machine is shared.
  const queue = [...cases];
  await Promise.all([0, 1, 2].map(async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const r = await runCli(['oidc', 'jwks', '--public-key', goodFile, '--public-key', c.path]);
      tt.test(c.name, async (ct) => oneLine(ct, r, c.want));
    }
  }));
});

t.test('several bad files: one line each, in order, nothing on stdout', async (tt) => {
  const picked = [cases[0]!, cases[5]!, cases[15]!];
  const r = await runCli(['oidc', 'jwks', ...picked.flatMap((c) => ['--public-key', c.path])]);
  tt.equal(r.code, 1);
  tt.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  tt.equal(lines.length, picked.length);
  for (const [i, c] of picked.entries()) tt.match(lines[i], c.want, c.name);
});

t.test('discovery and publish refuse bad keys the same way, and publish writes nothing', async (tt) => {
  const out = join(dir, 'publish-out');
  const d = await runCli(['oidc', 'discovery', '--issuer', 'https://oidc.example.com', '--public-key', cases[7]!.path]);
  oneLine(tt, d, cases[7]!.want);
  const p = await runCli(['oidc', 'publish', '--issuer', 'https://oidc.example.com', '--public-key', cases[0]!.path, '--out', out]);
  oneLine(tt, p, cases[0]!.want);
  tt.throws(() => readFileSync(join(out, '.well-known/openid-configuration')), 'no file written');
});
