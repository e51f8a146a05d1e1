// The built `serve` as a child process on loopback, over TLS, plus a
// keep-alive HTTPS client for it. `--dev` is passed only because it is the one
// way to bind 127.0.0.1 instead of every interface; every other dev default
// (port, certificate, example identities) is overridden by explicit flags.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { CLI, REPO, run } from './support.js';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** A throwaway serving certificate for 127.0.0.1 (self-signed, so it is also its own CA). */
export async function loopbackCertificate(dir: string): Promise<TlsFiles> {
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  const r = await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ]);
  if (r.code !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { cert, key, ca: await readFile(cert, 'utf8') };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface RunningServer {
  readonly port: number;
  readonly metricsPort: number;
  readonly child: ChildProcess;
  /** stderr and non-JSON stdout of the child, for failure messages. */
  readonly output: () => string;
  /** POST to /mutate over the keep-alive agent. */
  post(body: string | Buffer, headers?: Record<string, string>, path?: string): Promise<HttpAnswer>;
  /** Resident set size of the server process, from /proc (Linux). */
  rss(): Promise<number>;
  metrics(): Promise<string>;
  alive(): boolean;
  stop(): Promise<void>;
}

export async function startServer(tls: TlsFiles, flags: readonly string[]): Promise<RunningServer> {
  const child = spawn(process.execPath, [
    CLI, 'serve', '--dev', '--port', '0', '--metrics-port', '0', '--tls-cert', tls.cert, '--tls-key', tls.key, ...flags,
  ], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  child.on('exit', () => { exited = true; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { output += d; });

  const ports = await new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not log "listening" within 15 s: ${output}`));
    }, 15000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const entry = JSON.parse(line);
          if (entry.msg === 'listening' && typeof entry.port === 'number') {
            clearTimeout(timer);
            resolve({ port: entry.port, metricsPort: entry.metricsPort });
          }
        } catch {
          output += `${line}\n`;
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before listening: ${output}`));
    });
  });

  // One connection reused for everything, as kube-apiserver does (HTTP/1.1 keep-alive).
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: tls.ca });
  const post = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, path = '/mutate?timeout=10s'): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: ports.port, method: 'POST', path, agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(15000, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });

  return {
    ...ports,
    child,
    output: () => output,
    post,
    rss: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
      if (!kb) throw new Error('no VmRSS in /proc status');
      return Number(kb) * 1024;
    },
    metrics: async () => {
      const res = await fetch(`http://127.0.0.1:${ports.metricsPort}/metrics`);
      return res.text();
    },
    alive: () => !exited && child.exitCode === null,
    stop: async () => {
      agent.destroy();
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
