// --client-ca-file: the CA that must have signed the API server's client
// certificate. Read and checked at start (a bad file stops `serve` with one
// line); afterwards watched like the serving pair, since the CA behind the API
// server's client certificate is rotated too. A file that stops being a CA is
// reported and the previous CA keeps being required.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { watchLoaded, type FileWatch } from '../util/watch-files.js';

function checkClientCa(file: string, text: string): Result<string> {
  try {
    if (!new X509Certificate(text).ca) return fail(E.clientCaBad(file, 'the certificate is not a CA (basicConstraints CA:FALSE)'));
  } catch (err) {
    return fail(E.clientCaBad(file, (err as Error).message));
  }
  return ok(text);
}

/** At start: '' means no client certificates are asked for. */
export function readClientCa(file: string): Result<string | undefined> {
  if (file === '') return ok(undefined);
  try {
    return checkClientCa(file, readFileSync(file, 'utf8'));
  } catch (err) {
    return unreadable(file, err);
  }
}

async function loadClientCa(file: string): Promise<Result<string>> {
  try {
    return checkClientCa(file, await readFile(file, 'utf8'));
  } catch (err) {
    return unreadable(file, err);
  }
}

function unreadable(file: string, err: unknown): Result<never> {
  return fail(E.clientCaBad(file, (err as NodeJS.ErrnoException).code ?? (err as Error).message));
}

export interface ClientCaWatchEvents {
  /** A new, checked CA (different from the one required now). */
  onCa(pem: string): void;
  /** The file changed but is not a usable CA; the old one stays. */
  onBroken(reason: string): void;
}

export function watchClientCa(file: string, initial: string, events: ClientCaWatchEvents): FileWatch {
  return watchLoaded([file], initial, () => loadClientCa(file), (a, b) => a === b, { onValue: events.onCa, onBroken: events.onBroken });
}
