// --client-ca-file: the CA that must have signed the API server's client
// certificate. Read and checked at start (a bad file stops `serve` with one
// line); afterwards watched like the serving pair, since the CA behind the API
// server's client certificate is rotated too. A file that stops being a CA is
// reported and the previous CA keeps being required.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { watchFiles, type FileWatch } from '../util/watch-files.js';

export function checkClientCa(file: string, text: string): Result<string> {
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return fail(E.clientCaBad(file, (err as NodeJS.ErrnoException).code ?? (err as Error).message));
  }
  return checkClientCa(file, text);
}

export interface ClientCaWatchEvents {
  /** A new, checked CA (different from the one required now). */
  onCa(pem: string): void;
  /** The file changed but is not a usable CA; the old one stays. */
  onBroken(reason: string): void;
}

export function watchClientCa(file: string, initial: string, events: ClientCaWatchEvents): FileWatch {
  let current = initial;
  let lastBroken = '';
  const reload = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      return report(E.clientCaBad(file, (err as NodeJS.ErrnoException).code ?? (err as Error).message).message);
    }
    const checked = checkClientCa(file, text);
    if (!checked.ok) return report(checked.error.message);
    lastBroken = '';
    if (checked.value !== current) {
      current = checked.value;
      events.onCa(current);
    }
  };
  // The safety-net poll re-reads every few seconds: a broken file is reported once.
  const report = (reason: string) => {
    if (reason !== lastBroken) events.onBroken(reason);
    lastBroken = reason;
  };
  return watchFiles([file], () => void reload());
}
