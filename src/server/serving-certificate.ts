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
  /**
   * False while the cluster may not trust the pair yet (self-signed in Kubernetes
   * mode, until the CA is in the webhook's caBundle): /readyz stays 503 meanwhile,
   * so the API server's calls, which would fail TLS, are not routed here.
   */
  trusted(): boolean;
  /** Start reloading or renewing; `apply` installs a new pair in the server. */
  keepFresh(apply: (pair: ServingPair) => void): void;
  stop(): void;
}

export interface ServingCertificateDeps {
  readonly logger: Logger;
  /** Kubernetes mode: write the CA bundle into the MutatingWebhookConfiguration. */
  readonly patchCaBundle?: (pem: string) => Promise<Result<void>>;
  /** Told each time trusted() changes (a --workers primary passes it on to its workers). */
  readonly onTrust?: (trusted: boolean) => void;
}

export async function servingCertificate(spec: CertificateSpec, deps: ServingCertificateDeps): Promise<Result<ServingCertificate>> {
  return spec.kind === 'files' ? fromFiles(spec.certFile, spec.keyFile, deps.logger) : fromSelfSigned(spec, deps);
}

/**
 * A pair handed over by a cluster primary, which renews it and sends the new
 * one; whether the cluster trusts it yet is the primary's to say.
 */
export function fixedCertificate(pem: { cert: string; key: string }, trusted: () => boolean = () => true): Result<ServingCertificate> {
  const pair = checkPair(pem.cert, pem.key, 'certificate from the primary', 'key from the primary');
  if (!pair.ok) return pair;
  return ok({ pair: pair.value, trusted, keepFresh: () => undefined, stop: () => undefined });
}

async function fromFiles(certFile: string, keyFile: string, logger: Logger): Promise<Result<ServingCertificate>> {
  const initial = await loadPair(certFile, keyFile);
  if (!initial.ok) return initial;
  let stopWatch = () => undefined as void;
  return ok({
    pair: initial.value,
    trusted: () => true,
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
  const written = await writeCaBundle(first.value.ca, spec.caBundleOut, deps);
  if (!written.ok) return written;
  let ca = first.value.ca;
  let timer: { cancel(): void } | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  let trusted = !deps.patchCaBundle;
  const setTrusted = (now: boolean) => {
    if (now === trusted) return;
    trusted = now;
    deps.onTrust?.(now);
  };
  // Until the patch lands, retry: readiness waits for it (see trusted()).
  const patchUntilTrusted = async (pem: string): Promise<void> => {
    if (!deps.patchCaBundle || stopped) return;
    const patched = await deps.patchCaBundle(pem);
    if (patched.ok) {
      setTrusted(true);
      deps.logger.info('caBundle of the MutatingWebhookConfiguration patched');
      return;
    }
    setTrusted(false);
    deps.logger.error({ reason: patched.error.message, retryInSeconds: PATCH_RETRY_MS / 1000 },
      'caBundle of the MutatingWebhookConfiguration not patched; not ready until it is');
    if (stopped || pem !== ca.cert) return;
    retry = setTimeout(() => void patchUntilTrusted(pem), PATCH_RETRY_MS);
    retry.unref();
  };
  await patchUntilTrusted(ca.cert);
  return ok({
    pair: first.value.pair,
    caBundle: ca.cert,
    trusted: () => trusted,
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
          const done = await writeCaBundle(next.value.ca, spec.caBundleOut, deps);
          if (!done.ok) deps.logger.error({ reason: done.error.message }, 'new CA bundle not written');
          ca = next.value.ca;
          if (retry) clearTimeout(retry);
          await patchUntilTrusted(ca.cert);
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
      if (retry) clearTimeout(retry);
    },
  });
}

const PATCH_RETRY_MS = 10_000;

async function writeCaBundle(ca: CertificateAuthority, file: string | undefined, deps: ServingCertificateDeps): Promise<Result<void>> {
  if (file) {
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, ca.cert, { mode: 0o644 });
    } catch (err) {
      return fail(E.caBundleWriteFailed(file, (err as NodeJS.ErrnoException).code ?? (err as Error).message));
    }
    deps.logger.info({ file, notAfter: ca.notAfter.toISOString() }, 'CA bundle written');
  }
  return ok(undefined);
}
