// Merging CA bundles for --self-signed with several replicas: each replica has
// its own CA, so each adds its CA to the webhook's caBundle instead of
// replacing it (replacing made replicas break each other's TLS). Expired CAs
// are dropped and the bundle is capped, so restarts do not grow it forever.

import { X509Certificate } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
/** Enough for a rollout of a few replicas plus renewals in flight. */
export const MAX_BUNDLE_CAS = 8;

/** The bundle to write: ours first, then the other unexpired CAs, newest first, at most `max`. */
export function mergeCaBundle(existingPem: string, oursPem: string, now: Date, max = MAX_BUNDLE_CAS): string {
  const ours = certificates(oursPem);
  const seen = new Set(ours.map((c) => c.fingerprint256));
  const others: X509Certificate[] = [];
  for (const c of certificates(existingPem)) {
    if (seen.has(c.fingerprint256) || new Date(c.validTo).getTime() <= now.getTime()) continue;
    seen.add(c.fingerprint256);
    others.push(c);
  }
  others.sort((a, b) => new Date(b.validFrom).getTime() - new Date(a.validFrom).getTime());
  return [...ours, ...others].slice(0, Math.max(max, ours.length)).map((c) => c.toString().trim()).join('\n') + '\n';
}

function certificates(pem: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const block of pem.match(PEM_BLOCK) ?? []) {
    try {
      out.push(new X509Certificate(block));
    } catch {
      // Not a certificate we can read: it cannot be what a replica serves with, so it goes.
    }
  }
  return out;
}
