// Shared by the oidc commands: messages on stderr in one line each, JSON on
// stdout, key files read and checked, the --issuer / --jwks-uri rules.
// Nothing here loads YAML, the server or the Kubernetes client.

import { readFile } from 'node:fs/promises';
import { errors as E, fail, ok, type Result, type Message } from '../errors.js';
import { describeFsError } from '../io/fs-errors.js';
import { checkIssuer, checkJwksUri, defaultJwksUri } from '../oidc/issuer.js';
import { readPublicKeys, type PublicKeyInfo } from '../oidc/keys.js';
import type { Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';

export function say(io: Io, command: string, message: string, code: number): number {
  io.err(`pod-identity-webhook ${command}: ${message}\n`);
  return code;
}

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

export async function readInput(path: string): Promise<Result<string>> {
  try {
    return ok(path === '-' ? await stdinText() : await readFile(path, 'utf8'));
  } catch (err) {
    return fail(E.fileUnreadable(path === '-' ? '<stdin>' : path, describeFsError(err)));
  }
}

function stdinText(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.once('error', reject);
  });
}

/** Every key of every file, in order; every bad file reported, one line each. */
export async function readKeyFiles(files: readonly string[]): Promise<Result<PublicKeyInfo[], Message[]>> {
  const keys: PublicKeyInfo[] = [];
  const problems: Message[] = [];
  for (const file of files) {
    const text = await readInput(file);
    if (!text.ok) {
      problems.push(text.error);
      continue;
    }
    const read = readPublicKeys(text.value, file === '-' ? '<stdin>' : file);
    if (read.ok) keys.push(...read.value);
    else problems.push(read.error);
  }
  return problems.length > 0 ? { ok: false, error: problems } : ok(keys);
}

/** --issuer: given and valid. */
export function issuerFlag(args: ParsedArgs): Result<string> {
  const raw = String(args.values.issuer ?? '');
  if (!args.given.has('issuer')) return fail(E.oidcNeedsIssuer(args.command));
  const checked = checkIssuer(raw);
  return checked.ok ? ok(checked.value) : fail(E.issuerBad(raw, checked.error));
}

/** --jwks-uri, or the issuer + /openid/v1/jwks. */
export function jwksUriFlag(args: ParsedArgs, issuer: string): Result<string> {
  if (!args.given.has('jwks-uri')) return ok(defaultJwksUri(issuer));
  const raw = String(args.values['jwks-uri'] ?? '');
  const checked = checkJwksUri(raw);
  return checked.ok ? ok(checked.value) : fail(E.jwksUriBad(raw, checked.error));
}

export function noPositionals(args: ParsedArgs): Result<void> {
  const [first] = args.positionals;
  return first === undefined ? ok(undefined) : fail(E.unexpectedArgument(first, args.command));
}
