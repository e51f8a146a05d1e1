// The list/watch loop client-go's reflector runs, on node:https. Not the
// @kubernetes/client-node 1.x informer because (a) it stops for good on a watch
// error and must be rebuilt by the caller, (b) its fetch-based transport does not
// take a custom CA for https (it only works with http:// + skipTLSVerify), and (c)
// it keeps every full object in its cache; here each list item is parsed on its
// own and trimmed by the target as it arrives (list-stream.ts), so 100k
// ServiceAccounts with last-applied annotations never sit in memory at once,
// not even when a server ignores `limit` and sends them in one page. Watch
// lines and list items are bounded by MAX_OBJECT_BYTES.
//
// Cycle: paginated list (limit/continue) → target reconciles → watch from the
// list's resourceVersion with bookmarks → on end/error re-watch from the last
// resourceVersion seen, with backoff → on 410 Gone or when --resync-period is
// due, list again. The target's data stays in place through outages.

import type http from 'node:http';
import { errors as E, type Message } from '../errors.js';
import { isObject } from '../util/json.js';
import { describeNetError, formatBytes, MAX_OBJECT_BYTES, type KubeConnection } from './client.js';
import { readList } from './list-stream.js';
import { WatchLines } from './watch-lines.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** What the loop feeds; the target owns the data and its trimming. */
export interface WatchTarget {
  beginList(): void;
  listItems(items: readonly unknown[]): void;
  /** The list is complete: anything not seen since beginList() is gone. */
  endList(): void;
  event(type: WatchEventType, object: unknown): void;
}

export interface Backoff {
  readonly minMs: number;
  readonly maxMs: number;
}

export interface ListWatchOptions {
  readonly conn: KubeConnection;
  /** Collection path, e.g. /api/v1/serviceaccounts. */
  readonly path: string;
  /** "list ServiceAccounts", for messages. */
  readonly what: string;
  readonly fieldSelector?: string;
  readonly limit: number;
  /** Re-list this often (0: never). */
  readonly resyncMs: number;
  readonly backoff: Backoff;
  /** Server-side watch timeout; the server ends the stream and we re-watch. */
  readonly watchTimeoutSeconds: number;
  readonly listTimeoutMs: number;
  readonly target: WatchTarget;
  readonly onSynced: (ms: number) => void;
  readonly onProblem: (problem: Message, phase: 'list' | 'watch') => void;
  readonly onRestart: (reason: string) => void;
  readonly now?: () => number;
  /** Largest watch line or list item read (tests lower it). */
  readonly maxObjectBytes?: number;
}

export interface ListWatch {
  stop(): Promise<void>;
}

type WatchOutcome =
  | { kind: 'gone' }
  | { kind: 'resync' }
  | { kind: 'stopped' }
  | { kind: 'ended'; healthy: boolean }
  | { kind: 'failed'; problem: Message; healthy: boolean }
  /** The stream broke the protocol (a line past the bound): re-watching from the same resourceVersion would meet it again. */
  | { kind: 'broken'; problem: Message };

class Gone extends Error {}

export function startListWatch(o: ListWatchOptions): ListWatch {
  const now = o.now ?? Date.now;
  let stopped = false;
  let wake: (() => void) | undefined;
  let sleepTimer: NodeJS.Timeout | undefined;
  let current: http.IncomingMessage | undefined;
  let listing: http.IncomingMessage | undefined;
  const maxObjectBytes = o.maxObjectBytes ?? MAX_OBJECT_BYTES;
  // Consecutive broken streams; not reset by the re-list in between, so a
  // peer that keeps sending over-long lines meets a growing backoff.
  let broken = 0;
  let abortWatch: ((outcome: WatchOutcome) => void) | undefined;
  let resourceVersion = '';
  let lastList = 0;
  let failures = 0;
  const started = now();
  let synced = false;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    if (stopped || ms <= 0) return resolve();
    wake = resolve;
    sleepTimer = setTimeout(resolve, ms);
  });
  const delay = (n = failures) => Math.min(o.backoff.maxMs, o.backoff.minMs * 2 ** Math.max(0, n - 1));
  const watchWhat = `watch ${o.what.replace(/^list /, '')}`;

  const list = async (): Promise<Message | undefined> => {
    let cont: string | undefined;
    let rv = '';
    let restarts = 0;
    o.target.beginList();
    for (;;) {
      let res: http.IncomingMessage;
      try {
        res = await o.conn.open({
          path: o.path, timeoutMs: o.listTimeoutMs,
          query: { limit: o.limit, continue: cont, fieldSelector: o.fieldSelector },
        });
      } catch (err) {
        return E.kubeApiUnreachable(o.what, o.conn.server, (err as Error).message);
      }
      if (stopped) {
        res.destroy();
        return undefined;
      }
      const status = res.statusCode ?? 0;
      if (status === 410 && cont !== undefined && restarts < 3) {
        // The continue token expired (the list took longer than etcd compaction): start over.
        res.resume();
        restarts++;
        cont = undefined;
        o.target.beginList();
        continue;
      }
      if (status !== 200) return E.kubeApiRefused(o.what, o.conn.server, status, statusMessage(await readSome(res)) || (res.statusMessage ?? ''));
      // Items go to the target as they are parsed: the page is never held whole.
      listing = res;
      const page = await readList(res, maxObjectBytes, {
        item: (item) => o.target.listItems([item]),
        oversized: (bytes) => o.onProblem(E.kubeListItemTooLarge(o.what, o.conn.server, bytes, formatBytes(maxObjectBytes)), 'list'),
      });
      listing = undefined;
      if (stopped) return undefined;
      if (!page.ok) {
        return page.error.kind === 'network'
          ? E.kubeApiUnreachable(o.what, o.conn.server, page.error.message)
          : E.kubeApiRefused(o.what, o.conn.server, status, `response is not a JSON list: ${page.error.message}`);
      }
      const meta = isObject(page.metadata) ? page.metadata : {};
      if (typeof meta.resourceVersion === 'string') rv = meta.resourceVersion;
      if (typeof meta.continue === 'string' && meta.continue !== '') {
        cont = meta.continue;
        continue;
      }
      o.target.endList();
      resourceVersion = rv;
      return undefined;
    }
  };

  const watch = (): Promise<WatchOutcome> => new Promise((resolve) => {
    let settled = false;
    let healthy = false;
    const finish = (outcome: WatchOutcome) => {
      if (settled) return;
      settled = true;
      abortWatch = undefined;
      clearTimeout(resyncTimer);
      current?.destroy();
      current = undefined;
      resolve(outcome);
    };
    abortWatch = finish;
    const resyncTimer = o.resyncMs > 0
      ? setTimeout(() => finish({ kind: 'resync' }), Math.max(0, lastList + o.resyncMs - now()))
      : undefined;
    o.conn.open({
      path: o.path,
      query: {
        watch: 1, resourceVersion, allowWatchBookmarks: true,
        timeoutSeconds: o.watchTimeoutSeconds, fieldSelector: o.fieldSelector,
      },
      // No byte for this long means a dead peer (bookmarks arrive about once a minute).
      timeoutMs: (o.watchTimeoutSeconds + 30) * 1000,
    }).then(async (res) => {
      if (settled) {
        res.destroy();
        return;
      }
      current = res;
      if (res.statusCode === 410) return finish({ kind: 'gone' });
      if (res.statusCode !== 200) {
        const text = await readSome(res);
        return finish({ kind: 'failed', healthy: false, problem: E.kubeApiRefused(watchWhat, o.conn.server, res.statusCode ?? 0, statusMessage(text)) });
      }
      const lines = new WatchLines(maxObjectBytes);
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const read = lines.push(chunk, (raw) => {
          const line = raw.trim();
          if (line === '') return true;
          try {
            handleLine(line);
            healthy = true;
            return true;
          } catch (err) {
            if (err instanceof Gone) finish({ kind: 'gone' });
            else finish({ kind: 'failed', healthy, problem: E.kubeApiUnreachable(watchWhat, o.conn.server, (err as Error).message) });
            return false;
          }
        });
        if (read === 'too-long') finish({ kind: 'broken', problem: E.kubeWatchLineTooLong(watchWhat, o.conn.server, formatBytes(maxObjectBytes)) });
      });
      res.once('end', () => finish({ kind: 'ended', healthy }));
      res.once('aborted', () => finish({ kind: 'failed', healthy, problem: E.kubeApiUnreachable(watchWhat, o.conn.server, 'stream dropped') }));
      res.once('error', (err) => finish({ kind: 'failed', healthy, problem: E.kubeApiUnreachable(watchWhat, o.conn.server, describeNetError(err).message) }));
      res.once('close', () => finish({ kind: 'ended', healthy }));
    }, (err: Error) => finish(stopped ? { kind: 'stopped' }
      : { kind: 'failed', healthy: false, problem: E.kubeApiUnreachable(watchWhat, o.conn.server, err.message) }));
  });

  const handleLine = (line: string) => {
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      throw new Error('watch stream sent a line that is not JSON');
    }
    if (!isObject(ev) || typeof ev.type !== 'string') throw new Error('watch stream sent an event without a type');
    const obj = ev.object;
    if (ev.type === 'ERROR') {
      if (isObject(obj) && obj.code === 410) throw new Gone();
      throw new Error(`watch error: ${isObject(obj) ? String(obj.message ?? obj.reason ?? '') : ''}`);
    }
    const rv = isObject(obj) && isObject(obj.metadata) && typeof obj.metadata.resourceVersion === 'string' ? obj.metadata.resourceVersion : undefined;
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') o.target.event(ev.type, obj);
    if (rv) resourceVersion = rv;
  };

  const run = async () => {
    let needList = true;
    while (!stopped) {
      if (needList || (o.resyncMs > 0 && now() - lastList >= o.resyncMs)) {
        const problem = await list();
        if (stopped) break;
        if (problem) {
          failures++;
          o.onProblem(problem, 'list');
          await sleep(delay());
          continue;
        }
        needList = false;
        failures = 0;
        lastList = now();
        if (!synced) {
          synced = true;
          o.onSynced(now() - started);
        }
      }
      const outcome = await watch();
      if (stopped) break;
      if (outcome.kind !== 'broken') broken = 0;
      switch (outcome.kind) {
        case 'gone':
          o.onRestart('410 Gone: resourceVersion too old, re-listing');
          needList = true;
          break;
        case 'resync':
          needList = true;
          break;
        case 'ended':
          if (outcome.healthy) {
            failures = 0;
          } else {
            failures++;
            o.onRestart('watch ended without events');
            await sleep(delay());
          }
          break;
        case 'failed':
          if (outcome.healthy) failures = 0;
          failures++;
          o.onProblem(outcome.problem, 'watch');
          await sleep(delay());
          break;
        case 'broken':
          // The event past the bound cannot be read, so its resourceVersion is
          // unknown and a re-watch would resume before it and meet it again;
          // a list (which skips an over-long item) moves past it.
          broken++;
          o.onProblem(outcome.problem, 'watch');
          needList = true;
          await sleep(delay(broken));
          break;
        case 'stopped':
          break;
      }
    }
  };

  const done = run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(sleepTimer);
      wake?.();
      abortWatch?.({ kind: 'stopped' });
      listing?.destroy();
      await done;
    },
  };
}

/** The start of an error body, for its message; the rest is discarded unread. */
function readSome(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      text += c;
      if (text.length >= 2000) {
        res.destroy();
        resolve(text);
      }
    });
    res.once('end', () => resolve(text));
    res.once('error', () => resolve(text));
    res.once('close', () => resolve(text));
  });
}

function statusMessage(text: string): string {
  try {
    const v = JSON.parse(text) as unknown;
    if (isObject(v) && typeof v.message === 'string') return v.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 200).trim();
}
