// The servers the benchmarks compare, shared by bench-server.js (req/s,
// latency, memory) and bench-instructions.js (instructions per request under
// callgrind): the review as the API server sends it, a certificate, the floor,
// the ceiling, and the arguments that start the webhook.
import { spawn } from 'node:child_process';
import { connect } from 'node:tls';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSigned } from '../dist/server/self-signed.js';

export const SNI = 'pod-identity-webhook.eks.svc';
export const root = new URL('..', import.meta.url).pathname;
// kube-apiserver sends compact JSON; the example file is indented for people.
export const body = JSON.stringify(JSON.parse(readFileSync(join(root, 'examples', 'admission-review.json'), 'utf8')));

/** A directory with tls.crt and tls.key for SNI; returns it and the CA that signed them. */
export async function certificateDir() {
  const dir = mkdtempSync(join(tmpdir(), 'piw-bench-'));
  const certs = await selfSigned({ names: [SNI] });
  if (!certs.ok) throw new Error(certs.error.message);
  writeFileSync(join(dir, 'tls.crt'), certs.value.pair.cert);
  writeFileSync(join(dir, 'tls.key'), certs.value.pair.key);
  return { dir, ca: certs.value.ca.cert };
}

// The floor: what any Node webhook pays for TLS, HTTP parsing and JSON.parse.
export const FLOOR = `
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
const server = createServer({ cert: readFileSync(process.argv[1] + '/tls.crt'), key: readFileSync(process.argv[1] + '/tls.key'), minVersion: 'TLSv1.2' }, (req, res) => {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (d) => { text += d; });
  req.on('end', () => {
    const review = JSON.parse(text);
    const out = JSON.stringify({ apiVersion: review.apiVersion, kind: review.kind, response: { uid: review.request.uid, allowed: true } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.keepAliveTimeout = 120000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', port: server.address().port })));
`;

// The ceiling: the floor plus the per-request work no handler can skip (look
// up the ServiceAccount, build this pod's patch, base64 it, answer with it),
// written as directly as possible for this one pod shape (every container
// already has env and volumeMounts arrays, none has the identity variables).
// bench-server.js checks that it answers exactly what the webhook answers.
export const CEILING = `
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
const roles = new Map([['default/s3-reader', 'arn:aws:iam::111122223333:role/s3-reader']]);
const q = (s) => JSON.stringify(s);
const server = createServer({ cert: readFileSync(process.argv[1] + '/tls.crt'), key: readFileSync(process.argv[1] + '/tls.key'), minVersion: 'TLSv1.2' }, (req, res) => {
  const chunks = [];
  req.on('data', (d) => chunks.push(d));
  req.on('end', () => {
    const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const r = review.request;
    const role = roles.get(r.namespace + '/' + r.object.spec.serviceAccountName);
    let patch = '[{"op":"add","path":"/spec/volumes/0","value":{"name":"aws-iam-token","projected":{"sources":[{"serviceAccountToken":{"audience":"sts.amazonaws.com","expirationSeconds":3600,"path":"token"}}]}}}';
    const containers = r.object.spec.containers;
    for (let i = 0; i < containers.length; i++) {
      let sts = false, region = false;
      for (const e of containers[i].env) {
        if (e.name === 'AWS_STS_REGIONAL_ENDPOINTS') sts = true;
        else if (e.name === 'AWS_REGION' || e.name === 'AWS_DEFAULT_REGION') region = true;
      }
      const at = ',{"op":"add","path":"/spec/containers/' + i;
      if (!sts) patch += at + '/env/-","value":{"name":"AWS_STS_REGIONAL_ENDPOINTS","value":"regional"}}';
      if (!region) patch += at + '/env/-","value":{"name":"AWS_DEFAULT_REGION","value":"us-west-2"}}' + at + '/env/-","value":{"name":"AWS_REGION","value":"us-west-2"}}';
      patch += at + '/env/-","value":{"name":"AWS_ROLE_ARN","value":' + q(role) + '}}'
        + at + '/env/-","value":{"name":"AWS_WEB_IDENTITY_TOKEN_FILE","value":"/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}}'
        + at + '/volumeMounts/-","value":{"name":"aws-iam-token","readOnly":true,"mountPath":"/var/run/secrets/eks.amazonaws.com/serviceaccount"}}';
    }
    const out = Buffer.from('{"apiVersion":' + q(review.apiVersion) + ',"kind":"AdmissionReview","response":{"uid":' + q(r.uid)
      + ',"allowed":true,"patchType":"JSONPatch","patch":"' + Buffer.from(patch + ']').toString('base64') + '"}}');
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
    res.end(out);
  });
});
server.keepAliveTimeout = 120000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', port: server.address().port })));
`;

/** `serve` in static mode with the example ServiceAccounts, from the build in distRoot (default: this checkout). */
export function webhookArgs(dir, distRoot = root) {
  return [join(distRoot, 'dist', 'cli', 'main.js'), 'serve', '--port', '0', '--metrics-port', '0',
    '--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'),
    '--service-accounts', join(root, 'examples', 'service-accounts.yaml'), '--aws-default-region', 'us-west-2', '--log-level', 'warn'];
}

/** Spawns `command args`, resolves once it prints its "listening" line. */
export function startServer(command, args, env = {}) {
  const proc = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) resolve({ proc, port: JSON.parse(line).port, stderr: () => err });
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

/** Opens a TLS connection to 127.0.0.1:port; resolves with the socket, or undefined if the server refused it. */
export function openTls(port, ca) {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: SNI }, () => resolve(s));
    s.once('error', () => resolve(undefined));
    s.once('close', () => resolve(undefined));
  });
}
