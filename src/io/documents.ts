// Reading user files: JSON or (multi-document) YAML, a path or "-" for stdin.
// Errors come back as values naming the file, never as stack traces.
//
// Every input is hostile until parsed: a YAML alias bomb, nesting deep enough
// to overflow the stack, a document too large to hold (yaml's syntax tree takes
// ~90 bytes of memory per character, measured in docs/benchmarks.md) are input
// errors naming the file, caught here at the parse boundary, so nothing above
// it meets a RangeError or a cyclic value.

import { Composer, LineCounter, Parser, type Document } from 'yaml';
import { errors as E, fail, ok, type Result, type Message } from '../errors.js';
import { TextChunkDecoder, displayName, readChunks, readText, type ReadOptions } from './text.js';

export { decodeText, describeFsError, displayName, readText } from './text.js';

/**
 * Deeper than any Kubernetes object (a CRD's schema nests a few dozen levels),
 * and well inside what the YAML printer and the engine can recurse through
 * (yaml's stringify overflowed the default stack at ~700 levels).
 */
export const MAX_DEPTH = 256;
/** Resolved aliases a document may expand to (yaml's maxAliasCount). */
const MAX_ALIAS_COUNT = 100;

export interface ReaderOptions {
  /** Refuse a document longer than this many characters, before it is held whole. */
  readonly maxDocumentChars?: number;
}

export interface ParsedDocument {
  /** 1-based position among the input's YAML documents (empty ones count). */
  readonly index: number;
  /** Never null: empty documents are dropped. */
  readonly value: unknown;
}

/**
 * JSON or multi-document YAML, fed text piece by piece; documents come out as
 * soon as they are complete, so a stream is never held whole. The first
 * problem ends the input (after a syntax error the rest cannot be trusted).
 */
export class DocumentReader {
  private mode: 'sniff' | 'json' | 'yaml' = 'sniff';
  private json: string[] = [];
  private jsonChars = 0;
  private readonly lines = new LineCounter();
  private readonly parser = new Parser(this.lines.addNewLine);
  private readonly composer = new Composer({ uniqueKeys: false });
  private fed = 0;
  /** The unfinished last line, held back from the parser (see yaml()). */
  private tail = '';
  private seen = 0;
  /** Documents the parser has finished (the composer hands each over one late). */
  private finished = 0;

  constructor(private readonly name: string, private readonly opts: ReaderOptions = {}) {}

  push(text: string): Result<ParsedDocument[]> {
    if (this.mode === 'sniff') {
      const start = text.search(/\S/);
      if (start < 0) {
        this.json.push(text);
        return ok([]);
      }
      this.mode = text[start] === '{' || text[start] === '[' ? 'json' : 'yaml';
      const held = this.json.join('') + text;
      this.json = [];
      if (this.mode === 'yaml') return this.yaml(held, true);
      return this.pushJson(held);
    }
    return this.mode === 'json' ? this.pushJson(text) : this.yaml(text, true);
  }

  end(): Result<ParsedDocument[]> {
    if (this.mode === 'sniff') return ok([]);
    if (this.mode === 'yaml') return this.yaml('', false);
    const text = this.json.join('');
    this.json = [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Flow-style YAML ({a: 1}) starts like JSON; YAML also gives the better message.
      this.mode = 'yaml';
      return this.yaml(text, false);
    }
    this.seen = 1;
    if (value === null) return ok([]);
    const accepted = this.accept(value, 1);
    return accepted.ok ? ok([{ index: 1, value }]) : accepted;
  }

  private pushJson(text: string): Result<ParsedDocument[]> {
    this.json.push(text);
    this.jsonChars += text.length;
    const max = this.opts.maxDocumentChars;
    if (max !== undefined && this.jsonChars > max) return fail(E.documentTooLarge(this.where(1), max));
    return ok([]);
  }

  private yaml(text: string, incomplete: boolean): Result<ParsedDocument[]> {
    const out: ParsedDocument[] = [];
    // yaml's incremental lexer misreads a piece that ends inside a line's
    // indentation ("a:\n " + " - x" fails as "nested mappings"), so it is only
    // ever given whole lines; the rest waits for the next piece.
    let whole = this.tail + text;
    this.tail = '';
    if (incomplete) {
      const cut = whole.lastIndexOf('\n') + 1;
      this.tail = whole.slice(cut);
      whole = whole.slice(0, cut);
    }
    try {
      this.fed += whole.length;
      for (const token of this.parser.parse(whole, incomplete)) {
        if (token.type === 'document') this.finished++;
        for (const doc of this.composer.next(token)) {
          const got = this.document(doc);
          if (!got.ok) return got;
          if (got.value) out.push(got.value);
        }
      }
      if (!incomplete) {
        for (const doc of this.composer.end()) {
          const got = this.document(doc);
          if (!got.ok) return got;
          if (got.value) out.push(got.value);
        }
      }
    } catch (err) {
      return fail(this.thrown(err, this.seen + 1));
    }
    const max = this.opts.maxDocumentChars;
    if (max !== undefined) {
      // The document being built starts at the parser's open document token
      // (or, between documents, where the parser has got to).
      const start = this.parser.stack[0]?.offset ?? this.parser.offset;
      if (this.fed + this.tail.length - start > max) return fail(E.documentTooLarge(this.where(this.finished + 1), max));
    }
    return ok(out);
  }

  private document(doc: Document.Parsed): Result<ParsedDocument | undefined> {
    const index = ++this.seen;
    const first = doc.errors[0];
    if (first) {
      // yaml's message ends with "at line L, column C:" and a code frame in
      // parseAllDocuments; here it has neither, so add the position ourselves.
      const sentence = (first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
      if (/^Maximum call stack size exceeded/.test(sentence)) return fail(E.documentTooDeep(this.where(index), MAX_DEPTH));
      const { line, col } = this.lines.linePos(first.pos[0]);
      return fail(E.fileNotParseable(this.name, line > 0 ? `${sentence} at line ${line}, column ${col}` : sentence));
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      return fail(this.thrown(err, index));
    }
    if (value === null || value === undefined) return ok(undefined);
    const accepted = this.accept(value, index);
    if (!accepted.ok) return accepted;
    return ok({ index, value });
  }

  private accept(value: unknown, index: number): Result<void> {
    return depthWithin(value, MAX_DEPTH) ? ok(undefined) : fail(E.documentTooDeep(this.where(index), MAX_DEPTH));
  }

  private thrown(err: unknown, index: number): Message {
    const message = err instanceof Error ? err.message : String(err);
    if (/alias/i.test(message)) return E.documentAliasBomb(this.where(index), MAX_ALIAS_COUNT);
    if (err instanceof RangeError) return /call stack/i.test(message) ? E.documentTooDeep(this.where(index), MAX_DEPTH) : E.documentTooLarge(this.where(index));
    return E.fileNotParseable(this.name, message);
  }

  private where(index: number): string {
    return `${this.name} (document ${index})`;
  }
}

/** False when `value` nests deeper than `max` (or is cyclic, which counts as endless nesting). */
export function depthWithin(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return false;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return true;
}

/** Parses JSON or multi-document YAML; empty documents are dropped. */
export function parseDocuments(text: string, name: string): Result<unknown[]> {
  const reader = new DocumentReader(name);
  const first = reader.push(text);
  if (!first.ok) return first;
  const rest = reader.end();
  if (!rest.ok) return rest;
  return ok([...first.value, ...rest.value].map((d) => d.value));
}

export async function readDocuments(path: string, opts: ReadOptions = {}): Promise<Result<unknown[]>> {
  const text = await readText(path, opts);
  if (!text.ok) return text;
  return parseDocuments(text.value, displayName(path));
}

export interface StreamOptions extends ReadOptions, ReaderOptions {}

/**
 * The documents of a file or of stdin, one at a time as they are read: the
 * input is never held whole. A failure is the last item.
 */
export async function* streamDocuments(path: string, opts: StreamOptions = {}): AsyncGenerator<Result<ParsedDocument>> {
  const name = displayName(path);
  const decoder = new TextChunkDecoder(name);
  const reader = new DocumentReader(name, opts);
  for await (const chunk of readChunks(path, opts)) {
    if (!chunk.ok) {
      yield chunk;
      return;
    }
    const text = decoder.push(chunk.value);
    if (!text.ok) {
      yield text;
      return;
    }
    const docs = reader.push(text.value);
    if (!docs.ok) {
      yield docs;
      return;
    }
    for (const d of docs.value) yield ok(d);
  }
  const last = decoder.end();
  const docs = last.ok ? reader.push(last.value) : last;
  const rest = docs.ok ? reader.end() : docs;
  if (!rest.ok) {
    yield rest;
    return;
  }
  for (const d of [...(docs.ok ? docs.value : []), ...rest.value]) yield ok(d);
}
