// Shared by the oidc tests: keys in every PEM form kube-apiserver reads, kids
// and JWKs computed here with node:crypto alone (not with the code under
// test), tokens signed the way kube-apiserver signs them, and a plain static
// HTTPS file server on port 443 of a loopback address (STS's issuer rules
// forbid a port in the issuer URL) with its own test CA.

import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';

type T = { teardown(fn: () => unknown): void };

export function tempDir(t: T, prefix = 'piw-oidc-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Pair {
  readonly label: string;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
  readonly alg: string;
}

export function rsaPair(bits: number): Pair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { label: `RSA ${bits}`, publicKey, privateKey, alg: 'RS256' };
}

const EC_ALG: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

export function ecPair(curve: 'P-256' | 'P-384' | 'P-521'): Pair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return { label: `EC ${curve}`, publicKey, privateKey, alg: EC_ALG[curve] as string };
}

/** Every PEM form of the pair that kube-apiserver's --service-account-key-file accepts. */
export function pemForms(p: Pair): Array<{ form: string; pem: string }> {
  const forms = [
    { form: 'PUBLIC KEY (SPKI)', pem: p.publicKey.export({ type: 'spki', format: 'pem' }) as string },
    { form: 'PRIVATE KEY (PKCS#8)', pem: p.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
  ];
  if (p.publicKey.asymmetricKeyType === 'rsa') {
    forms.push({ form: 'RSA PUBLIC KEY (PKCS#1)', pem: p.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string });
    forms.push({ form: 'RSA PRIVATE KEY (PKCS#1)', pem: p.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string });
  } else {
    forms.push({ form: 'EC PRIVATE KEY (SEC1)', pem: p.privateKey.export({ type: 'sec1', format: 'pem' }) as string });
  }
  return forms;
}

/** kube-apiserver's kid: unpadded base64url(SHA-256(DER SubjectPublicKeyInfo)). */
export function expectedKid(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The JWK kube-apiserver serves for this key. */
export function expectedJwk(p: Pair): Record<string, string> {
  const j = p.publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const kid = expectedKid(p.publicKey);
  return j.kty === 'RSA'
    ? { use: 'sig', kty: 'RSA', kid, alg: p.alg, n: j.n as string, e: j.e as string }
    : { use: 'sig', kty: 'EC', kid, crv: j.crv as string, alg: p.alg, x: j.x as string, y: j.y as string };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** A compact JWS as kube-apiserver signs it (header alg and kid; ES* signatures in JOSE's r||s form). */
export function signToken(p: Pair, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const head = b64url(JSON.stringify({ alg: p.alg, kid: expectedKid(p.publicKey), ...header }));
  const body = b64url(JSON.stringify(claims));
  const input = `${head}.${body}`;
  const hash = { RS256: 'sha256', ES256: 'sha256', ES384: 'sha384', ES512: 'sha512' }[p.alg] as string;
  const signature = sign(hash, Buffer.from(input), p.alg.startsWith('ES') ? { key: p.privateKey, dsaEncoding: 'ieee-p1363' } : p.privateKey);
  return `${input}.${b64url(signature)}`;
}

/** The claims of a projected ServiceAccount token bound to a pod. */
export function kubeClaims(issuer: string, o: { namespace?: string; serviceAccount?: string; audience?: string | string[]; now?: number; lifetime?: number } = {}): Record<string, unknown> {
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const ns = o.namespace ?? 'default';
  const sa = o.serviceAccount ?? 's3-reader';
  return {
    aud: Array.isArray(o.audience) ? o.audience : [o.audience ?? 'sts.amazonaws.com'],
    exp: now + (o.lifetime ?? 86400),
    iat: now,
    iss: issuer,
    jti: 'c6f1f2e5-2b7a-4f8e-9a51-0c9d6b4e1a77',
    'kubernetes.io': {
      namespace: ns,
      node: { name: 'worker-1', uid: '5d0c3a8e-8b52-4a51-9f3c-6e2a7c1d9b10' },
      pod: { name: 's3-reader-7d9c8b6f5-x2k4q', uid: '0e8f6c2a-3b1d-4e5f-8a9b-7c6d5e4f3a2b' },
      serviceaccount: { name: sa, uid: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' },
    },
    nbf: now,
    sub: `system:serviceaccount:${ns}:${sa}`,
  };
}

export interface Tls {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** A CA and a serving certificate for one IP address, made with openssl. */
export function makeTlsFor(ip: string): Tls {
  const dir = mkdtempSync(join(tmpdir(), 'piw-oidc-tls-'));
  try {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
    run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=oidc-test-ca', '-days', '2', '-out', 'ca.crt');
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'tls.key');
    run('req', '-new', '-key', 'tls.key', '-subj', '/CN=oidc-issuer', '-out', 'tls.csr');
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
    run('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'tls.crt');
    return {
      caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
      certPem: readFileSync(join(dir, 'tls.crt'), 'utf8'),
      keyPem: readFileSync(join(dir, 'tls.key'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface StaticServer {
  readonly host: string;
  readonly tls: Tls;
  readonly requests: string[];
  /** Answer nothing at all for this long (a slow issuer). */
  delayMs: number;
}

/**
 * A plain static file server for `root` over HTTPS on <random 127.x.y.z>:443,
 * every file served as application/json, like an S3 bucket with public read.
 * Binding port 443 needs root or CAP_NET_BIND_SERVICE.
 */
export async function staticHttps(t: T, root: string): Promise<StaticServer> {
  for (let attempt = 0; ; attempt++) {
    const host = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const tls = makeTlsFor(host);
    const state: StaticServer = { host, tls, requests: [], delayMs: 0 };
    const sockets = new Set<Socket>();
    const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname);
      state.requests.push(path);
      const answer = async () => {
        const file = normalize(join(root, path));
        if (!file.startsWith(root)) return void res.writeHead(400).end();
        try {
          const body = await readFile(file);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
        } catch {
          res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
        }
      };
      if (state.delayMs > 0) setTimeout(() => void answer(), state.delayMs);
      else void answer();
    });
    server.on('secureConnection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    const listened = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen(443, host, () => resolve(undefined));
    });
    if (listened?.code === 'EADDRINUSE' && attempt < 5) continue;
    if (listened) throw new Error(`cannot serve the test issuer on ${host}:443 (${listened.code}): run the tests as root or with CAP_NET_BIND_SERVICE`);
    t.teardown(() => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
    return state;
  }
}
