// The serving certificate from --tls-cert/--tls-key: loaded, checked, and
// reloaded when the files change (cert-manager and the kubelet swap a
// symlinked directory). A pair that fails the checks never reaches the server:
// the previous one keeps being served.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { watchLoaded, type FileWatch } from '../util/watch-files.js';

export interface ServingPair {
  readonly cert: string;
  readonly key: string;
  readonly notAfter: Date;
  readonly fingerprint: string;
  readonly subject: string;
}

/** Checks that cert parses, key parses, they belong together, and OpenSSL accepts them. */
export function checkPair(cert: string, key: string, certFile: string, keyFile: string): Result<ServingPair> {
  try {
    const x509 = new X509Certificate(cert);
    const keyObject = createPrivateKey(key);
    if (!x509.checkPrivateKey(keyObject)) {
      return fail(E.tlsPairBad(certFile, keyFile, 'the private key does not match the certificate'));
    }
    createSecureContext({ cert, key });
    return ok({ cert, key, notAfter: new Date(x509.validTo), fingerprint: x509.fingerprint256, subject: x509.subject.replace(/\n/g, ', ') });
  } catch (err) {
    return fail(E.tlsPairBad(certFile, keyFile, (err as Error).message));
  }
}

export async function loadPair(certFile: string, keyFile: string): Promise<Result<ServingPair>> {
  const texts: string[] = [];
  for (const file of [certFile, keyFile]) {
    try {
      texts.push(await readFile(file, 'utf8'));
    } catch (err) {
      return fail(E.tlsPairUnreadable(file, (err as NodeJS.ErrnoException).code ?? (err as Error).message));
    }
  }
  return checkPair(texts[0] as string, texts[1] as string, certFile, keyFile);
}

export interface PairWatchEvents {
  /** A new, checked pair (different from the one served). */
  onPair(pair: ServingPair): void;
  /** The files changed but do not form a usable pair; the old pair stays. */
  onBroken(error: string): void;
}

export function watchPair(certFile: string, keyFile: string, initial: ServingPair, events: PairWatchEvents): FileWatch {
  return watchLoaded([certFile, keyFile], initial, () => loadPair(certFile, keyFile),
    (a, b) => a.fingerprint === b.fingerprint && a.key === b.key, { onValue: events.onPair, onBroken: events.onBroken });
}
