// Shared by the Kubernetes source tests: a fake API server, a kubeconfig that
// trusts it, and a started source with short backoffs, all torn down by tap.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseArgs } from '../../../src/cli/parse-args.js';
import { startBackend, type Backend, type BackendOptions } from '../../../src/cli/serve-start.js';
import type { SourceEvent } from '../../../src/identity/source.js';
import type { Result } from '../../../src/errors.js';
import { FakeKubeApiServer, type FakeKubeOptions } from '../../helpers/fake-kube-apiserver.js';

type T = { teardown(fn: () => unknown): void; fail(msg: string): void };

export const FAST: BackendOptions = {
  backoff: { minMs: 20, maxMs: 200 }, watchTimeoutSeconds: 60, listTimeoutMs: 5000, imdsTimeoutMs: 500,
};

export function tempDir(t: T): string {
  const dir = mkdtempSync(join(tmpdir(), 'piw-kube-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startFake(t: T, opts: FakeKubeOptions = {}): Promise<FakeKubeApiServer> {
  const fake = await new FakeKubeApiServer(opts).start();
  t.teardown(() => fake.stop());
  return fake;
}

export function writeKubeconfig(t: T, fake: FakeKubeApiServer, text = fake.kubeconfigYaml()): string {
  const file = join(tempDir(t), 'kubeconfig');
  writeFileSync(file, text);
  return file;
}

export interface Started {
  readonly running: Backend;
  readonly logs: Array<Record<string, any>>;
  readonly events: SourceEvent[];
}

export function collectingLogger() {
  const logs: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  return { logs, logger: pino({ level: 'debug' }, stream) };
}

export async function tryStart(args: string[], options: BackendOptions = {}): Promise<{ result: Result<Backend>; logs: Array<Record<string, any>>; events: SourceEvent[] }> {
  const parsed = parseArgs('serve', args);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const { logs, logger } = collectingLogger();
  const events: SourceEvent[] = [];
  const result = await startBackend(parsed.value.values, { logger, onEvent: (e) => events.push(e) }, { ...FAST, ...options });
  return { result, logs, events };
}

export async function startSource(t: T, fake: FakeKubeApiServer, args: string[] = [], options: BackendOptions = {}): Promise<Started> {
  const kubeconfig = writeKubeconfig(t, fake);
  const { result, logs, events } = await tryStart(['--kubeconfig', kubeconfig, ...args], options);
  if (!result.ok) throw new Error(result.error.message);
  t.teardown(() => result.value.stop());
  return { running: result.value, logs, events };
}

/** Starts with exactly these args, asserts that it started, stops it on teardown, and waits for the first sync. */
export async function startSynced(t: T & { ok(...args: any[]): unknown }, args: string[], options: BackendOptions, what: string): Promise<Started | undefined> {
  const { result, logs, events } = await tryStart(args, options);
  t.ok(result.ok, result.ok ? 'source started' : result.error.message);
  if (!result.ok) return undefined;
  t.teardown(() => result.value.stop());
  await until(() => result.value.source.synced(), what);
  return { running: result.value, logs, events };
}

/** Polls until fn() is truthy; fails after timeoutMs. */
export async function until<V>(fn: () => V | Promise<V>, what: string, timeoutMs = 5000): Promise<V> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const ROLE = 'eks.amazonaws.com/role-arn';
export const ARN = (n: string | number) => `arn:aws:iam::111122223333:role/r${n}`;
