// Where the serving pair comes from and how it stays fresh: files on disk
// (reloaded when they change) or --self-signed (renewed before expiry, the CA
// bundle written out and patched into the MutatingWebhookConfiguration).

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { checkPair, loadPair, watchPair, type ServingPair } from './certificates.js';
import { runAt, selfSigned, type CertificateAuthority, type SelfSignedOptions } from './self-signed.js';

export type CertificateSpec =
  | { readonly kind: 'files'; readonly certFile: string; readonly keyFile: string }
  | { readonly kind: 'self-signed'; readonly options: SelfSignedOptions; readonly caBundleOut?: string };

export interface ServingCertificate {
  readonly pair: ServingPair;
  /** PEM of the CA that signed the pair (self-signed only). */
  readonly caBundle?: string;
  /** Start reloading or renewing; `apply` installs a new pair in the server. */
  keepFresh(apply: (pair: ServingPair) => void): void;
  stop(): void;
}

export interface ServingCertificateDeps {
  readonly logger: Logger;
  /** Kubernetes mode: write the CA bundle into the MutatingWebhookConfiguration. */
  readonly patchCaBundle?: (pem: string) => Promise<Result<void>>;
}

export async function servingCertificate(spec: CertificateSpec, deps: ServingCertificateDeps): Promise<Result<ServingCertificate>> {
  return spec.kind === 'files' ? fromFiles(spec.certFile, spec.keyFile, deps.logger) : fromSelfSigned(spec, deps);
}

/** A pair handed over by a cluster primary, which renews it and sends the new one. */
export function fixedCertificate(pem: { cert: string; key: string }): Result<ServingCertificate> {
  const pair = checkPair(pem.cert, pem.key, 'certificate from the primary', 'key from the primary');
  if (!pair.ok) return pair;
  return ok({ pair: pair.value, keepFresh: () => undefined, stop: () => undefined });
}

async function fromFiles(certFile: string, keyFile: string, logger: Logger): Promise<Result<ServingCertificate>> {
  const initial = await loadPair(certFile, keyFile);
  if (!initial.ok) return initial;
  let stopWatch = () => undefined as void;
  return ok({
    pair: initial.value,
    keepFresh(apply) {
      const watch = watchPair(certFile, keyFile, initial.value, {
        onPair(pair) {
          apply(pair);
          logger.info({ subject: pair.subject, notAfter: pair.notAfter.toISOString(), fingerprint: pair.fingerprint }, 'serving certificate reloaded');
        },
        onBroken(reason) {
          logger.warn({ reason }, 'serving certificate changed on disk but is not usable; still serving the previous one');
        },
      });
      stopWatch = () => watch.close();
    },
    stop: () => stopWatch(),
  });
}

async function fromSelfSigned(spec: Extract<CertificateSpec, { kind: 'self-signed' }>, deps: ServingCertificateDeps): Promise<Result<ServingCertificate>> {
  const first = await selfSigned(spec.options);
  if (!first.ok) return first;
  const published = await publishCa(first.value.ca, spec.caBundleOut, deps);
  if (!published.ok) return published;
  let ca = first.value.ca;
  let timer: { cancel(): void } | undefined;
  let stopped = false;
  return ok({
    pair: first.value.pair,
    caBundle: ca.cert,
    keepFresh(apply) {
      const schedule = (when: Date) => {
        timer = runAt(when, () => void renew());
      };
      const renew = async () => {
        if (stopped) return;
        const next = await selfSigned(spec.options, ca);
        if (!next.ok) {
          deps.logger.error({ reason: next.error.message }, 'self-signed certificate renewal failed; retrying in a minute');
          return schedule(new Date(Date.now() + 60_000));
        }
        if (next.value.ca !== ca) {
          // The new CA must be trusted before a certificate it signed is served.
          const done = await publishCa(next.value.ca, spec.caBundleOut, deps);
          if (!done.ok) deps.logger.error({ reason: done.error.message }, 'new CA bundle not published');
          ca = next.value.ca;
        }
        apply(next.value.pair);
        deps.logger.info({ notAfter: next.value.pair.notAfter.toISOString(), renewAt: next.value.renewAt.toISOString() }, 'self-signed serving certificate renewed');
        schedule(next.value.renewAt);
      };
      schedule(first.value.renewAt);
    },
    stop() {
      stopped = true;
      timer?.cancel();
    },
  });
}

async function publishCa(ca: CertificateAuthority, file: string | undefined, deps: ServingCertificateDeps): Promise<Result<void>> {
  if (file) {
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, ca.cert, { mode: 0o644 });
    } catch (err) {
      return fail(E.caBundleWriteFailed(file, (err as NodeJS.ErrnoException).code ?? (err as Error).message));
    }
    deps.logger.info({ file, notAfter: ca.notAfter.toISOString() }, 'CA bundle written');
  }
  if (deps.patchCaBundle) {
    const patched = await deps.patchCaBundle(ca.cert);
    // Not fatal: the server still works for clients that trust the CA some other way.
    if (!patched.ok) deps.logger.error({ reason: patched.error.message }, 'caBundle of the MutatingWebhookConfiguration not patched');
    else deps.logger.info('caBundle of the MutatingWebhookConfiguration patched');
  }
  return ok(undefined);
}
