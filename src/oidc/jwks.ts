// The JWKS exactly as kube-apiserver serves it at /openid/v1/jwks, so that
// the published `kid` equals the `kid` header of every token the cluster signs.
//
// Every JWK is built from a *public* KeyObject, member by member: whatever the
// input held (a private key file, a JWKS with "d"), no private member can reach
// the output.

import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ok, type Result } from '../errors.js';
import { isObject } from '../util/json.js';
import { signingAlgorithm } from './keys.js';

/** Members in go-jose's order, which is what kube-apiserver's JSON shows. */
export type Jwk =
  | { readonly use: 'sig'; readonly kty: 'RSA'; readonly kid: string; readonly alg: string; readonly n: string; readonly e: string }
  | { readonly use: 'sig'; readonly kty: 'EC'; readonly kid: string; readonly crv: string; readonly alg: string; readonly x: string; readonly y: string };

export interface Jwks {
  readonly keys: readonly Jwk[];
}

/** kube-apiserver's keyIDFromPublicKey: unpadded base64url of SHA-256 over the DER SubjectPublicKeyInfo. */
export function keyId(publicKey: KeyObject): string {
  const der = canonical(publicKey).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * The key re-made from its bare public numbers: Go marshals EC points
 * uncompressed with a named curve, whatever form the input file used, and the
 * kid is a hash of that encoding.
 */
function canonical(key: KeyObject): KeyObject {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  const j = pub.export({ format: 'jwk' });
  const bare = j.kty === 'RSA' ? { kty: 'RSA', n: j.n, e: j.e } : { kty: j.kty, crv: j.crv, x: j.x, y: j.y };
  return createPublicKey({ key: bare as JsonWebKey, format: 'jwk' });
}

/** The JWK of a key kube-apiserver can sign with; `kid` and `alg` may be given (a JWKS read back keeps its own). */
export function publicJwk(key: KeyObject, given: { kid?: string; alg?: string } = {}): Result<Jwk, string> {
  const pub = canonical(key);
  const alg = signingAlgorithm(pub);
  if (!alg.ok) return refuse('rsaBits' in alg.error ? `a ${alg.error.rsaBits}-bit RSA key, below the 2048-bit minimum` : `${alg.error.kind}, which kube-apiserver cannot sign with`);
  const kid = given.kid ?? keyId(pub);
  const j = pub.export({ format: 'jwk' });
  if (j.kty === 'RSA') {
    const chosen = given.alg ?? alg.value;
    if (!RSA_ALGS.includes(chosen)) return refuse(`alg "${chosen}" does not fit an RSA key (RS256, RS384 or RS512)`);
    return ok({ use: 'sig', kty: 'RSA', kid, alg: chosen, n: String(j.n), e: String(j.e) });
  }
  if (given.alg !== undefined && given.alg !== alg.value) return refuse(`alg "${given.alg}" does not fit an EC ${String(j.crv)} key (${alg.value})`);
  return ok({ use: 'sig', kty: 'EC', kid, crv: String(j.crv), alg: alg.value, x: String(j.x), y: String(j.y) });
}

const RSA_ALGS: readonly string[] = ['RS256', 'RS384', 'RS512'];

function refuse(reason: string): Result<never, string> {
  return { ok: false, error: reason };
}

/** The JWKS of these keys, in the order given; a key given twice (same kid) appears once. */
export function jwksOf(keys: readonly KeyObject[]): Result<Jwks, string> {
  const out: Jwk[] = [];
  for (const key of keys) {
    const jwk = publicJwk(key);
    if (!jwk.ok) return jwk;
    if (!out.some((k) => k.kid === jwk.value.kid)) out.push(jwk.value);
  }
  return ok({ keys: out });
}

/**
 * A JWKS read back (the API server's, a --jwks file): each key re-imported from
 * its public members only and re-encoded. The document's own `kid` is kept,
 * because that is what its tokens carry.
 */
export function readJwks(doc: unknown): Result<Jwks, string> {
  if (!isObject(doc)) return refuse('not a JSON object');
  const keys = doc.keys;
  if (!Array.isArray(keys)) return refuse('no "keys" array');
  const out: Jwk[] = [];
  for (const [i, k] of keys.entries()) {
    const at = `key ${i + 1}${isObject(k) && typeof k.kid === 'string' ? ` (kid "${k.kid}")` : ''}`;
    if (!isObject(k)) return refuse(`${at} is not an object`);
    if (k.kty !== 'RSA' && k.kty !== 'EC') return refuse(`${at}: kty ${JSON.stringify(k.kty)} is not RSA or EC`);
    if (k.kid !== undefined && typeof k.kid !== 'string') return refuse(`${at}: kid is not a string`);
    if (k.alg !== undefined && typeof k.alg !== 'string') return refuse(`${at}: alg is not a string`);
    const members = k.kty === 'RSA' ? ['n', 'e'] : ['crv', 'x', 'y'];
    const missing = members.filter((m) => typeof k[m] !== 'string');
    if (missing.length > 0) return refuse(`${at}: ${missing.join(', ')} missing or not strings`);
    let key: KeyObject;
    try {
      const bare = Object.fromEntries([['kty', k.kty], ...members.map((m) => [m, k[m]])]);
      key = createPublicKey({ key: bare as JsonWebKey, format: 'jwk' });
    } catch (err) {
      return refuse(`${at}: not a valid ${k.kty} key (${String((err as Error)?.message ?? err).split('\n')[0]})`);
    }
    const jwk = publicJwk(key, { ...(typeof k.kid === 'string' ? { kid: k.kid } : {}), ...(typeof k.alg === 'string' ? { alg: k.alg } : {}) });
    if (!jwk.ok) return refuse(`${at}: ${jwk.error}`);
    if (!out.some((o) => o.kid === jwk.value.kid)) out.push(jwk.value);
  }
  if (out.length === 0) return refuse('"keys" is empty');
  return ok({ keys: out });
}
