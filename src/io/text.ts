// Reading a user's file or stdin as text, errors as values naming the file.
// Apart from documents.ts so commands that only read JSON (check-trust) do not
// load the YAML parser: they answer in CI pipelines, where start-up time counts.
//
// Text is UTF-8, or UTF-16 with a byte-order mark (PowerShell's `>` writes
// UTF-16LE with a BOM; Windows editors save "UTF-8 with BOM"): both are decoded.
// Anything else (invalid UTF-8, NUL bytes) is refused rather than parsed into
// replacement characters and echoed back.

import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import { errors as E, fail, ok, type Result, type Message } from '../errors.js';
import { describeFsError } from './fs-errors.js';

export { describeFsError };

export interface ReadOptions {
  /** Refuse input longer than this many bytes (without reading all of it). */
  readonly maxBytes?: number;
  /** The error for input over maxBytes; default: the file is too large. */
  readonly tooLarge?: (file: string, maxBytes: number) => Message;
}

export async function readText(path: string, opts: ReadOptions = {}): Promise<Result<string>> {
  const bytes = path === '-' ? await (stdinBytes ??= readAll(path, opts)) : await readAll(path, opts);
  if (!bytes.ok) return bytes;
  return decodeText(bytes.value, displayName(path));
}

/** Whole input as text (a BOM or UTF-16 decoded; anything that is not text refused). */
export function decodeText(bytes: Uint8Array, name: string): Result<string> {
  const decoder = new TextChunkDecoder(name);
  const text = decoder.push(bytes);
  if (!text.ok) return text;
  const last = decoder.end();
  if (!last.ok) return last;
  return ok(text.value + last.value);
}

// stdin can be read once; "-" given twice (replay - -) sees the same bytes.
let stdinBytes: Promise<Result<Buffer>> | undefined;

async function readAll(path: string, opts: ReadOptions): Promise<Result<Buffer>> {
  const chunks: Buffer[] = [];
  for await (const chunk of readChunks(path, opts)) {
    if (!chunk.ok) return chunk;
    chunks.push(chunk.value);
  }
  return ok(Buffer.concat(chunks));
}

/**
 * The bytes of a file or of stdin ("-"), chunk by chunk; a read error ends the
 * stream as one failed result naming the file.
 */
export async function* readChunks(path: string, opts: ReadOptions = {}): AsyncGenerator<Result<Buffer>> {
  const name = displayName(path);
  const stream = path === '-' ? process.stdin : createReadStream(path);
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      total += buf.length;
      if (opts.maxBytes !== undefined && total > opts.maxBytes) {
        if (path !== '-') (stream as ReturnType<typeof createReadStream>).destroy();
        yield fail((opts.tooLarge ?? E.fileTooLarge)(name, opts.maxBytes));
        return;
      }
      yield ok(buf);
    }
  } catch (err) {
    yield fail(E.fileUnreadable(name, describeFsError(err)));
  }
}

export function displayName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/**
 * Bytes to text, chunk by chunk (a character may straddle two chunks): sniffs
 * the byte-order mark from the first bytes, then decodes strictly.
 */
export class TextChunkDecoder {
  private decoder: TextDecoder | undefined;
  private head = Buffer.alloc(0);

  constructor(private readonly name: string) {}

  push(bytes: Uint8Array): Result<string> {
    if (!this.decoder) {
      // A BOM is at most 3 bytes: wait for them before choosing the encoding.
      this.head = Buffer.concat([this.head, bytes]);
      if (this.head.length < 3) return ok('');
      const head = this.head;
      this.decoder = new TextDecoder(sniff(head), { fatal: true });
      this.head = Buffer.alloc(0);
      return this.decode(head, true);
    }
    return this.decode(bytes, true);
  }

  end(): Result<string> {
    if (!this.decoder) {
      this.decoder = new TextDecoder(sniff(this.head), { fatal: true });
      return this.decode(this.head, false);
    }
    return this.decode(new Uint8Array(0), false);
  }

  private decode(bytes: Uint8Array, stream: boolean): Result<string> {
    let text: string;
    try {
      // TextDecoder drops the BOM of the encoding it was made for (ignoreBOM: false).
      text = (this.decoder as TextDecoder).decode(bytes, { stream });
    } catch {
      return fail(E.fileNotText(this.name, 'it holds bytes that are not UTF-8 (a binary file?)'));
    }
    if (text.includes('\0')) return fail(E.fileNotText(this.name, 'it holds NUL characters (binary data, or UTF-16 without a byte-order mark?)'));
    return ok(text);
  }
}

function sniff(head: Uint8Array): Encoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}
