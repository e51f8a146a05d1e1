// Upstream's TLS flags (Go names) → Node's TLS options. Pure, so every
// accepted and refused spelling is a table row in the tests.

import { getCiphers, type SecureVersion } from 'node:tls';
import { errors as E, fail, ok, type Result } from '../errors.js';

const VERSIONS: Record<string, SecureVersion> = {
  '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3',
  versiontls10: 'TLSv1', versiontls11: 'TLSv1.1', versiontls12: 'TLSv1.2', versiontls13: 'TLSv1.3',
};

export function parseTlsMinVersion(text: string): Result<SecureVersion> {
  const v = VERSIONS[text.trim().toLowerCase()];
  return v ? ok(v) : fail(E.tlsMinVersionBad(text));
}

// Go's crypto/tls names (its IANA spellings and the short CHACHA20 aliases) →
// OpenSSL names, which is what Node's `ciphers` option speaks.
const GO_TO_OPENSSL: Record<string, string> = {
  TLS_RSA_WITH_RC4_128_SHA: 'RC4-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: 'ECDHE-ECDSA-RC4-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: 'ECDHE-RSA-RC4-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};

const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/**
 * The value for Node's `ciphers` option, or undefined for Node's defaults.
 * Go does not let TLS 1.3 suites be configured (they are always on); Node turns
 * TLS 1.3 off when the list names none, so the TLS 1.3 suites are added back.
 */
export function parseCipherSuites(text: string, minVersion: SecureVersion): Result<string | undefined> {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) return ok(undefined);
  const known = new Set(getCiphers().map((c) => c.toUpperCase()));
  const out: string[] = [];
  for (const name of names) {
    const upper = name.toUpperCase();
    const openssl = GO_TO_OPENSSL[upper] ?? (TLS13_SUITES.includes(upper) ? upper : undefined)
      ?? (known.has(upper) ? upper : undefined);
    if (!openssl) return fail(E.tlsCipherUnknown(name));
    if (!out.includes(openssl)) out.push(openssl);
  }
  const tls12 = out.filter((c) => !TLS13_SUITES.includes(c));
  if (tls12.length === 0 && minVersion !== 'TLSv1.3') return fail(E.tlsCipherNoneForVersion());
  const tls13 = out.filter((c) => TLS13_SUITES.includes(c));
  return ok([...(tls13.length > 0 ? tls13 : TLS13_SUITES), ...tls12].join(':'));
}

/**
 * Without --tls-cipher-suites: TLS 1.3 as Node has it, and for TLS 1.2 only
 * forward-secret ECDHE key exchange with AEAD ciphers (Node's default list
 * also offers CBC-SHA1, CCM8 and ARIA suites, which nothing here needs: the
 * API server's Go client prefers exactly these).
 */
export const DEFAULT_CIPHERS = [
  ...TLS13_SUITES,
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface TlsPolicy {
  readonly minVersion: SecureVersion;
  /** Node's cipher list; absent: DEFAULT_CIPHERS. */
  readonly ciphers?: string;
  /** PEM of the CA that must have signed client certificates (mutual TLS). */
  readonly clientCa?: string;
}

/** Options every secure context of the server is built with, whichever pair it serves. */
export function contextOptions(policy: TlsPolicy, pair: { cert: string; key: string }) {
  return {
    cert: pair.cert,
    key: pair.key,
    minVersion: policy.minVersion,
    ciphers: policy.ciphers ?? DEFAULT_CIPHERS,
    ...(policy.clientCa ? { ca: policy.clientCa } : {}),
  };
}

/** Server-level options (not part of a secure context): client certificate checking. */
export function serverOptions(policy: TlsPolicy) {
  return policy.clientCa ? { requestCert: true, rejectUnauthorized: true } : { requestCert: false, rejectUnauthorized: false };
}
