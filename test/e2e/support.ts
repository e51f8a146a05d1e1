// Shared plumbing for the end-to-end tests: the built CLI as a subprocess,
// throwaway directories, and small loopback HTTP servers that record what
// they were asked.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(REPO, 'dist/cli/main.js');

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; kills it (and fails loudly) after `timeoutMs`. */
export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 30000} ms; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 30000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => { clearTimeout(timer); resolveRun({ code, stdout, stderr }); });
    child.stdin.end(opts.input ?? '');
  });
}

/** `replay` on one AdmissionReview; returns the parsed responses (one per line). */
export async function replay(dir: string, flags: readonly string[], review: unknown): Promise<{ responses: any[]; run: Run }> {
  const file = join(dir, `review-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(review));
  const r = await run(process.execPath, [CLI, 'replay', ...flags, file]);
  if (r.code !== 0) throw new Error(`replay exited ${r.code}: ${r.stderr}`);
  const responses = r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  return { responses, run: r };
}

export async function tempDir(t: { teardown(fn: () => unknown): void }, prefix = 'piw-e2e-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface FakeServer {
  readonly port: number;
  readonly url: string;
  readonly requests: Recorded[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (never any other address) that records every request before answering. */
export async function fakeServer(
  answer: (req: Recorded, res: ServerResponse) => void,
): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      answer(rec, res);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

export { podReview } from '../helpers/review.js';
