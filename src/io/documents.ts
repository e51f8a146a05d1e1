// Reading user files: JSON or (multi-document) YAML, a path or "-" for stdin.
// Errors come back as values naming the file, never as stack traces.

import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { describeFsError } from './fs-errors.js';

export { describeFsError };

export async function readText(path: string, stdin: () => Promise<string> = readStdin): Promise<Result<string>> {
  try {
    return ok(path === '-' ? await stdin() : await readFile(path, 'utf8'));
  } catch (err) {
    return fail(E.fileUnreadable(displayName(path), describeFsError(err)));
  }
}

/** Parses JSON or multi-document YAML; empty documents are dropped. */
export function parseDocuments(text: string, name: string): Result<unknown[]> {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return ok([JSON.parse(text)]);
    } catch {
      // YAML is a superset of JSON-ish flow style; fall through for a better message.
    }
  }
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: unknown[] = [];
  for (const doc of list) {
    const first = doc.errors[0];
    if (first) {
      // yaml's message ends with "at line L, column C:" and a code frame; keep the sentence only.
      const sentence = (first.message.split('\n')[0] ?? '').replace(/:$/, '');
      return fail(E.fileNotParseable(name, sentence));
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return ok(out);
}

export async function readDocuments(path: string, stdin?: () => Promise<string>): Promise<Result<unknown[]>> {
  const text = await readText(path, stdin);
  if (!text.ok) return text;
  return parseDocuments(text.value, displayName(path));
}

export function displayName(path: string): string {
  return path === '-' ? '<stdin>' : path;
}

let stdinText: Promise<string> | undefined;
/** stdin can be read once; "-" given twice sees the same text. */
export function readStdin(): Promise<string> {
  stdinText ??= new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
  return stdinText;
}
