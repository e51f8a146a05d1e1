// Shared by the server tests: certificates made on the fly, the built CLI as a
// child process, and HTTPS requests with a CA bundle and the service DNS name as SNI.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from '../helpers/cli.js';

export { CLI, ROOT };
import { generate } from 'selfsigned';
import type { Test } from 'tap';

export const SERVICE_NAME = 'pod-identity-webhook.eks.svc';
export const REVIEW_FILE = join(ROOT, 'examples', 'admission-review.json');

export interface Pem { cert: string; key: string }

export async function makeCa(cn = 'test-ca'): Promise<Pem> {
  const p = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec', algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, digitalSignature: true, cRLSign: true, critical: true }],
  });
  return { cert: p.cert, key: p.private };
}

export async function makeLeaf(ca: Pem, cn: string, usage: 'server' | 'client', names: string[] = [cn]): Promise<Pem> {
  const p = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec', algorithm: 'sha256', ca,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: usage === 'client' },
      { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2 as const, value })) },
    ],
  });
  return { cert: p.cert, key: p.private };
}

export function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'piw-server-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export interface HttpsOptions extends Omit<RequestOptions, 'host' | 'port' | 'path'> {
  port: number;
  path?: string;
  body?: string | Buffer;
  ca?: string;
}

export function https(opts: HttpsOptions): Promise<Reply> {
  const { body, port, path = '/mutate?timeout=10s', ...rest } = opts;
  return new Promise((resolveReply, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1', port, path, servername: SERVICE_NAME, method: 'POST', agent: false, ...rest,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolveReply({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.end(body);
  });
}

export function httpGet(port: number, path: string): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    httpRequest({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolveReply({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
      });
    }).on('error', reject).end();
  });
}

export interface Served {
  proc: ChildProcess;
  port: number;
  metricsPort: number;
  stdout: () => string;
  stderr: () => string;
  /** JSON log lines so far. */
  logs: () => any[];
  /** Send a signal and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `serve` with --port 0 --metrics-port 0 and waits for the "listening" line. */
export function serve(t: Test, args: string[], opts: { cwd?: string } = {}): Promise<Served> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--metrics-port', '0', ...args], {
    cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  proc.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  const logs = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return new Promise((resolveServed, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}\n${err}`)), 20_000);
    const check = () => {
      const line = logs().find((l) => l.msg === 'listening');
      if (!line) return;
      clearTimeout(timer);
      proc.stdout.off('data', check);
      resolveServed({
        proc, port: line.port, metricsPort: line.metricsPort,
        stdout: () => out, stderr: () => err, logs,
        async stop(signal = 'SIGTERM') {
          if (proc.exitCode !== null) return proc.exitCode;
          proc.kill(signal);
          return exited;
        },
      });
    };
    proc.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${err}`));
    });
  });
}
