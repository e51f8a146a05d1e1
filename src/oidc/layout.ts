// Where `oidc publish` puts each file under --out, so that DIR uploaded as it
// is to the issuer's location serves both URLs. Paths are relative to the
// issuer's path: for https://bucket.s3.amazonaws.com/cluster-1 the discovery
// document is DIR/.well-known/openid-configuration and goes to
// cluster-1/.well-known/openid-configuration in the bucket.

import { ok, type Result } from '../errors.js';

export interface Layout {
  /** Path segments under DIR. */
  readonly discovery: readonly string[];
  readonly jwks: readonly string[];
  /** False when jwks_uri is on another host or outside the issuer's path: DIR holds it at its full URL path. */
  readonly jwksUnderIssuer: boolean;
}

export const DISCOVERY_SEGMENTS: readonly string[] = ['.well-known', 'openid-configuration'];

export function publishLayout(issuer: string, jwksUri: string): Result<Layout, string> {
  const iss = new URL(issuer);
  const jwks = new URL(jwksUri);
  const base = iss.pathname === '/' ? '' : iss.pathname;
  const under = jwks.host === iss.host && jwks.pathname.startsWith(`${base}/`);
  const segments = segmentsOf(under ? jwks.pathname.slice(base.length + 1) : jwks.pathname.slice(1));
  if (!segments.ok) return segments;
  const a = DISCOVERY_SEGMENTS;
  const b = segments.value;
  const shorter = Math.min(a.length, b.length);
  if (a.slice(0, shorter).every((s, i) => s === b[i])) {
    return { ok: false, error: 'its file would be written where the discovery document goes (.well-known/openid-configuration); choose another path' };
  }
  return ok({ discovery: DISCOVERY_SEGMENTS, jwks: b, jwksUnderIssuer: under });
}

function segmentsOf(path: string): Result<string[], string> {
  const out: string[] = [];
  for (const raw of path.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { ok: false, error: `its path segment "${raw}" is not valid percent-encoding` };
    }
    if (seg === '' || seg === '.' || seg === '..' || /[/\\\0]/.test(seg)) {
      return { ok: false, error: `its path segment "${raw}" cannot be a file or directory name` };
    }
    out.push(seg);
  }
  return ok(out);
}
