// The checks STS makes on a web identity token before it reads the trust
// policy, one function per step so the command can fetch keys between them and
// stop at the first failure. The JWS work (decoding, the signature) is jose's;
// the claim checks are here because their messages must say what to fix.

import { decodeProtectedHeader } from 'jose/decode/protected_header';
import { decodeJwt } from 'jose/jwt/decode';
import { compactVerify } from 'jose/jws/compact/verify';
import { importJWK } from 'jose/key/import';
import { errors as E, fail, ok, type Result } from '../errors.js';
import type { Jwk, Jwks } from './jwks.js';

export interface ParsedToken {
  readonly compact: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** The algorithms STS verifies. kube-apiserver signs with RS256 or ES256/384/512. */
export const STS_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];

/** Clocks drift: nbf and iat may be this far ahead of ours. exp is strict. */
export const CLOCK_SKEW_SECONDS = 60;

export function parseToken(text: string, file: string): Result<ParsedToken> {
  const compact = text.trim();
  if (compact === '') return fail(E.tokenEmpty(file));
  const parts = compact.split('.');
  if (parts.length === 5) return fail(E.tokenNotJwt(file, 'it has 5 parts: an encrypted JWE, not a signed token'));
  if (parts.length !== 3) return fail(E.tokenNotJwt(file, `it has ${parts.length} dot-separated part${parts.length === 1 ? '' : 's'}, a JWT has 3`));
  if (!parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) return fail(E.tokenNotJwt(file, 'a part is not base64url'));
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(compact) as Record<string, unknown>;
  } catch {
    return fail(E.tokenNotJwt(file, 'its header is not a base64url JSON object'));
  }
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(compact) as Record<string, unknown>;
  } catch {
    return fail(E.tokenNotJwt(file, 'its payload is not a base64url JSON object of claims'));
  }
  return ok({ compact, header, claims });
}

export function checkHeader(t: ParsedToken): Result<{ alg: string; kid: string }> {
  const alg = t.header.alg;
  if (typeof alg !== 'string' || !STS_ALGORITHMS.includes(alg)) return fail(E.tokenAlg(String(alg)));
  const kid = t.header.kid;
  if (typeof kid !== 'string' || kid === '') return fail(E.tokenNoKid());
  return ok({ alg, kid });
}

/** STS finds the IAM provider by `iss`: the first thing that must match. */
export function checkIssuer(t: ParsedToken, issuer: string): Result<void> {
  const iss = t.claims.iss;
  if (typeof iss !== 'string') return fail(E.tokenClaimType('iss'));
  return iss === issuer ? ok(undefined) : fail(E.tokenIssuer(iss, issuer));
}

export function findKey(jwks: Jwks, kid: string, where: string): Result<Jwk> {
  const key = jwks.keys.find((k) => k.kid === kid);
  return key ? ok(key) : fail(E.tokenKidMissing(kid, where, jwks.keys.map((k) => k.kid)));
}

export async function checkSignature(t: ParsedToken, jwk: Jwk, alg: string): Promise<Result<void>> {
  if (jwk.alg !== alg) return fail(E.tokenKeyUnusable(jwk.kid, alg, `the key is published for ${jwk.alg}`));
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK({ ...jwk }, alg);
  } catch (err) {
    return fail(E.tokenKeyUnusable(jwk.kid, alg, firstLine(err)));
  }
  try {
    await compactVerify(t.compact, key, { algorithms: [alg] });
    return ok(undefined);
  } catch (err) {
    if ((err as { code?: string })?.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return fail(E.tokenSignature(jwk.kid));
    return fail(E.tokenKeyUnusable(jwk.kid, alg, firstLine(err)));
  }
}

export interface TokenSummary {
  readonly subject: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly audiences: readonly string[];
  readonly expiresAt: number;
  /** kubernetes.io.pod.name, when the token is bound to a pod. */
  readonly pod?: string;
}

/** aud, exp, nbf, iat, sub, in that order, at `now` (seconds since the epoch). */
export function checkClaims(t: ParsedToken, audience: string, now: number): Result<TokenSummary> {
  const c = t.claims;
  const aud = typeof c.aud === 'string' ? [c.aud] : Array.isArray(c.aud) && c.aud.every((a) => typeof a === 'string') ? c.aud as string[] : undefined;
  if (c.aud !== undefined && aud === undefined) return fail(E.tokenClaimType('aud'));
  if (!(aud ?? []).includes(audience)) return fail(E.tokenAudience(aud ?? [], audience));
  if (c.exp === undefined) return fail(E.tokenNoExp());
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    if (c[claim] !== undefined && (typeof c[claim] !== 'number' || !Number.isFinite(c[claim]))) return fail(E.tokenClaimType(claim));
  }
  const exp = c.exp as number;
  if (exp <= now) return fail(E.tokenExpired(isoTime(exp), duration(now - exp)));
  for (const claim of ['nbf', 'iat'] as const) {
    const at = c[claim];
    if (typeof at === 'number' && at > now + CLOCK_SKEW_SECONDS) return fail(E.tokenNotYetValid(claim, isoTime(at), duration(at - now)));
  }
  if (typeof c.sub !== 'string') return fail(E.tokenClaimType('sub'));
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(c.sub);
  if (!m) return fail(E.tokenSubject(c.sub));
  const k8s = c['kubernetes.io'];
  const pod = typeof k8s === 'object' && k8s !== null ? (k8s as { pod?: { name?: unknown } }).pod?.name : undefined;
  return ok({
    subject: c.sub, namespace: m[1] as string, serviceAccount: m[2] as string, audiences: aud ?? [], expiresAt: exp,
    ...(typeof pod === 'string' ? { pod } : {}),
  });
}

export function isoTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString().replace(/\.000Z$/, 'Z');
}

/** 90061 → "1d 1h 1m"; under a minute in seconds. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const parts: string[] = [];
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m && !d) parts.push(`${m}m`);
  return parts.join(' ') || '0m';
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0] ?? '';
}
