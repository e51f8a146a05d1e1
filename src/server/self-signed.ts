// --self-signed and --dev: a private CA and a serving certificate signed by it,
// so the webhook runs without cert-manager. The CA outlives many serving
// certificates: renewing the serving certificate keeps the CA bundle (and the
// MutatingWebhookConfiguration's caBundle) unchanged.

import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { checkPair, type ServingPair } from './certificates.js';

const DAY = 24 * 3600 * 1000;

export interface SelfSignedOptions {
  /** DNS names and IP addresses the serving certificate is valid for. */
  readonly names: readonly string[];
  readonly caLifetimeMs?: number;
  readonly certLifetimeMs?: number;
}

export interface CertificateAuthority {
  readonly cert: string;
  readonly key: string;
  readonly notAfter: Date;
}

export interface SelfSigned {
  readonly ca: CertificateAuthority;
  readonly pair: ServingPair;
  /** When the serving certificate (or the CA, when it is close to its end) should be replaced. */
  readonly renewAt: Date;
}

export const DEFAULT_CA_LIFETIME_MS = 10 * 365 * DAY;
export const DEFAULT_CERT_LIFETIME_MS = 365 * DAY;

/** The names kube-apiserver may use to reach the service (it uses <service>.<namespace>.svc). */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

export async function createCertificateAuthority(lifetimeMs = DEFAULT_CA_LIFETIME_MS, now = new Date()): Promise<Result<CertificateAuthority>> {
  try {
    const notAfter = new Date(now.getTime() + lifetimeMs);
    const { generate } = await import('selfsigned');
    // Unique per CA, not just per millisecond: replicas started together share one
    // caBundle, and a client that picks the issuer by name (OpenSSL does) fails
    // the signature check when two CAs in it have the same subject.
    const cn = `pod-identity-webhook-ca-${now.getTime()}-${randomBytes(4).toString('hex')}`;
    const pems = await generate([{ name: 'commonName', value: cn }], {
      keyType: 'ec', curve: 'P-256', algorithm: 'sha256',
      notBeforeDate: new Date(now.getTime() - 60_000), notAfterDate: notAfter,
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    });
    return ok({ cert: pems.cert, key: pems.private, notAfter });
  } catch (err) {
    return fail(E.selfSignedFailed((err as Error).message));
  }
}

export async function issueServingCertificate(
  ca: CertificateAuthority, names: readonly string[], lifetimeMs = DEFAULT_CERT_LIFETIME_MS, now = new Date(),
): Promise<Result<ServingPair>> {
  try {
    // Never outlive the CA: a chain with an expired CA fails verification anyway.
    const notAfter = new Date(Math.min(now.getTime() + lifetimeMs, ca.notAfter.getTime()));
    const dns = names.filter((n) => isIP(n) === 0);
    const { generate } = await import('selfsigned');
    const pems = await generate([{ name: 'commonName', value: dns[0] ?? names[0] ?? 'pod-identity-webhook' }], {
      keyType: 'ec', curve: 'P-256', algorithm: 'sha256',
      notBeforeDate: new Date(now.getTime() - 60_000), notAfterDate: notAfter,
      ca: { cert: ca.cert, key: ca.key },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: names.map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })) },
      ],
    });
    return checkPair(pems.cert, pems.private, 'self-signed certificate', 'self-signed key');
  } catch (err) {
    return fail(E.selfSignedFailed((err as Error).message));
  }
}

/**
 * A new serving certificate from `ca`, or from a fresh CA when there is none or
 * when the CA would expire before the next renewal.
 */
export async function selfSigned(opts: SelfSignedOptions, previous?: CertificateAuthority, now = new Date()): Promise<Result<SelfSigned>> {
  const caLifetime = opts.caLifetimeMs ?? DEFAULT_CA_LIFETIME_MS;
  const certLifetime = opts.certLifetimeMs ?? DEFAULT_CERT_LIFETIME_MS;
  let ca = previous;
  if (!ca || ca.notAfter.getTime() - now.getTime() < certLifetime) {
    const created = await createCertificateAuthority(caLifetime, now);
    if (!created.ok) return created;
    ca = created.value;
  }
  const pair = await issueServingCertificate(ca, opts.names, certLifetime, now);
  if (!pair.ok) return pair;
  // Renew with a third of the lifetime left, so a missed renewal (process asleep, clock jump) still has slack.
  const lifetime = pair.value.notAfter.getTime() - now.getTime();
  return ok({ ca, pair: pair.value, renewAt: new Date(now.getTime() + (lifetime * 2) / 3) });
}

/** setTimeout for dates further away than its 24.8-day limit. */
export function runAt(when: Date, fn: () => void): { cancel(): void } {
  const MAX = 2 ** 31 - 1;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const wait = when.getTime() - Date.now();
    timer = setTimeout(wait > MAX ? arm : fn, Math.max(0, Math.min(wait, MAX)));
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
