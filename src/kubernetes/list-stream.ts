// A Kubernetes list response read as a stream: the top-level object is
// tokenized by hand and each element of `items` is parsed on its own, from a
// buffer bounded per item, and handed over at once. `limit` is only a request:
// a server (or a proxy) that ignores it can send 100k items in one page, which
// read whole took 349–522 MB of RSS (issue 14). Read this way, memory is one
// item plus whatever the caller keeps of it, however large the page.
//
// Only the shape of a list is understood: one object whose members are
// skipped (kind, apiVersion, anything unknown) except `metadata` (parsed; it
// carries resourceVersion and continue) and `items` (an array, element by
// element). Each captured value is checked by JSON.parse; the scanner itself
// only finds where values end (strings, escapes, nesting).

import type http from 'node:http';
import { describeNetError } from './client.js';

export interface ListHandlers {
  /** One element of `items`, parsed. */
  item(value: unknown): void;
  /** An element larger than the bound was skipped unread. */
  oversized(bytes: number): void;
}

export class ListFormatError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const MAX_KEY_BYTES = 4096;

type State =
  | 'start' | 'key-or-close' | 'key' | 'colon' | 'value' | 'after-member'
  | 'items-first' | 'items-after' | 'items-next' | 'capture' | 'done';

/** Where a value being captured stands. */
interface Capture {
  started: boolean;
  kind: 'container' | 'string' | 'literal';
  depth: number;
  inString: boolean;
  escaped: boolean;
  /** Keep the bytes (parse them at the end) or only find the end. */
  keep: boolean;
  max: number;
  parts: Buffer[];
  size: number;
  oversized: boolean;
  done: (bytes: Buffer | undefined, size: number) => void;
}

export class ListScanner {
  /** The list's `metadata`, once seen. */
  metadata: unknown;
  private state: State = 'start';
  private key = '';
  private sawItems = false;
  private cap: Capture | undefined;
  private after: State = 'after-member';

  constructor(private readonly maxItemBytes: number, private readonly handlers: ListHandlers) {}

  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.state === 'capture') {
        i = this.continueCapture(chunk, i);
        continue;
      }
      const b = chunk[i]!;
      if (isSpace(b)) {
        i++;
        continue;
      }
      switch (this.state) {
        case 'start':
          if (b !== OPEN_BRACE) throw new ListFormatError('response is not a JSON object');
          this.state = 'key-or-close';
          i++;
          break;
        case 'key-or-close':
        case 'key':
          if (b === CLOSE_BRACE && this.state === 'key-or-close') {
            this.state = 'done';
            i++;
            break;
          }
          if (b !== QUOTE) throw new ListFormatError('expected a member name');
          this.begin(true, MAX_KEY_BYTES, 'colon', (bytes) => {
            this.key = bytes ? String(parse(bytes, 'a member name')) : '';
          });
          break;
        case 'colon':
          if (b !== COLON) throw new ListFormatError('expected ":"');
          this.state = 'value';
          i++;
          break;
        case 'value':
          if (this.key === 'items' && b === OPEN_BRACKET) {
            this.sawItems = true;
            this.state = 'items-first';
            i++;
          } else if (this.key === 'items') {
            throw new ListFormatError('"items" is not an array');
          } else if (this.key === 'metadata') {
            this.begin(true, this.maxItemBytes, 'after-member', (bytes) => {
              if (!bytes) throw new ListFormatError('list metadata is too large');
              this.metadata = parse(bytes, 'the list metadata');
            });
          } else {
            this.begin(false, 0, 'after-member', () => undefined);
          }
          break;
        case 'items-first':
        case 'items-next':
          if (b === CLOSE_BRACKET && this.state === 'items-first') {
            this.state = 'after-member';
            i++;
            break;
          }
          this.begin(true, this.maxItemBytes, 'items-after', (bytes, size) => {
            if (bytes) this.handlers.item(parse(bytes, 'an item'));
            else this.handlers.oversized(size);
          });
          break;
        case 'items-after':
          if (b === COMMA) this.state = 'items-next';
          else if (b === CLOSE_BRACKET) this.state = 'after-member';
          else throw new ListFormatError('expected "," or "]" in items');
          i++;
          break;
        case 'after-member':
          if (b === COMMA) this.state = 'key';
          else if (b === CLOSE_BRACE) this.state = 'done';
          else throw new ListFormatError('expected "," or "}"');
          i++;
          break;
        case 'done':
          throw new ListFormatError('data after the end of the list');
      }
    }
  }

  /** The response ended: it must have been one whole list. */
  end(): void {
    if (this.state !== 'done') throw new ListFormatError('response ended before the list did');
    if (!this.sawItems) throw new ListFormatError('response has no "items"');
  }

  /** Starts capturing the value whose first byte is the next one to read. */
  private begin(keep: boolean, max: number, after: State, done: Capture['done']): void {
    this.cap = { started: false, kind: 'literal', depth: 0, inString: false, escaped: false, keep, max, parts: [], size: 0, oversized: false, done };
    this.after = after;
    this.state = 'capture';
  }

  private continueCapture(chunk: Buffer, from: number): number {
    const c = this.cap!;
    let i = from;
    if (!c.started) {
      // First byte of the value decides its kind.
      c.started = true;
      const b = chunk[i]!;
      if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        c.kind = 'container';
        c.depth = 1;
        i++;
      } else if (b === QUOTE) {
        c.kind = 'string';
        c.inString = true;
        i++;
      } else {
        c.kind = 'literal';
      }
    }
    const n = chunk.length;
    let end = -1; // index just past the value's last byte
    // Next quote and backslash at or after i (n: none in this chunk).
    let nextQuote = -1;
    let nextSlash = -1;
    if (c.kind === 'literal') {
      for (; i < n; i++) {
        const b = chunk[i]!;
        if (b === COMMA || b === CLOSE_BRACE || b === CLOSE_BRACKET || isSpace(b)) {
          end = i;
          break;
        }
      }
    } else {
      for (; i < n; i++) {
        if (c.inString) {
          // Strings are most of the bytes: jump to the next quote natively.
          if (c.escaped) {
            c.escaped = false;
            continue;
          }
          if (nextQuote < i) nextQuote = indexIn(chunk, QUOTE, i);
          if (nextSlash < i) nextSlash = indexIn(chunk, BACKSLASH, i);
          const q = nextQuote;
          if (nextSlash < q) {
            // Skip the escaped byte (a quote or a backslash among them) and look again.
            i = nextSlash + 1;
            if (i < n) continue;
            c.escaped = true;
            break;
          }
          if (q === n) {
            i = n;
            break;
          }
          i = q;
          c.inString = false;
          if (c.kind === 'string') {
            end = i + 1;
            break;
          }
          continue;
        }
        const b = chunk[i]!;
        if (b === QUOTE) {
          c.inString = true;
        } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          c.depth++;
        } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
          if (--c.depth === 0) {
            end = i + 1;
            break;
          }
        }
      }
    }
    const stop = end < 0 ? n : end;
    this.append(chunk.subarray(from, stop));
    if (end < 0) return n;
    this.finishCapture();
    return end;
  }

  private append(piece: Buffer): void {
    const c = this.cap!;
    c.size += piece.length;
    if (!c.keep || c.oversized) return;
    if (c.size > c.max) {
      // Past the bound: forget what was kept and only look for the end.
      c.oversized = true;
      c.parts = [];
      return;
    }
    // A view into the chunk; the chunk stays alive only until the value ends.
    c.parts.push(piece);
  }

  private finishCapture(): void {
    const c = this.cap!;
    this.cap = undefined;
    this.state = this.after;
    if (!c.keep || c.oversized) return c.done(undefined, c.size);
    c.done(c.parts.length === 1 ? c.parts[0]! : Buffer.concat(c.parts, c.size), c.size);
  }
}

function indexIn(chunk: Buffer, byte: number, from: number): number {
  const at = chunk.indexOf(byte, from);
  return at < 0 ? chunk.length : at;
}

function parse(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ListFormatError(`${what} is not valid JSON`);
  }
}

export type ListReadError = { kind: 'format' | 'network'; message: string };

/** Feeds a 200 list response through a scanner; resolves with its metadata. */
export function readList(res: http.IncomingMessage, maxItemBytes: number, handlers: ListHandlers): Promise<{ ok: true; metadata: unknown } | { ok: false; error: ListReadError }> {
  return new Promise((resolve) => {
    const scanner = new ListScanner(maxItemBytes, handlers);
    let settled = false;
    const settle = (r: { ok: true; metadata: unknown } | { ok: false; error: ListReadError }) => {
      if (settled) return;
      settled = true;
      if (!r.ok) res.destroy();
      resolve(r);
    };
    const format = (err: unknown) => {
      if (err instanceof ListFormatError) return settle({ ok: false, error: { kind: 'format', message: err.message } });
      throw err;
    };
    res.on('data', (chunk: Buffer) => {
      if (settled) return;
      try {
        scanner.push(chunk);
      } catch (err) {
        format(err);
      }
    });
    res.once('end', () => {
      try {
        scanner.end();
        settle({ ok: true, metadata: scanner.metadata });
      } catch (err) {
        format(err);
      }
    });
    res.once('aborted', () => settle({ ok: false, error: { kind: 'network', message: 'connection dropped mid-response' } }));
    res.once('error', (err) => settle({ ok: false, error: { kind: 'network', message: describeNetError(err).message } }));
    res.once('close', () => settle({ ok: false, error: { kind: 'network', message: 'connection closed mid-response' } }));
  });
}
