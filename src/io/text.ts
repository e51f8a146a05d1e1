// Reading a user's file or stdin as text, errors as values naming the file.
// Apart from documents.ts so commands that only read JSON (check-trust) do not
// load the YAML parser: they answer in CI pipelines, where start-up time counts.

import { readFile } from 'node:fs/promises';
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
