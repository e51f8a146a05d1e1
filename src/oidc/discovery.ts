// The OIDC discovery document kube-apiserver serves at
// /.well-known/openid-configuration, with the jwks_uri pointing at the public
// copy of the JWKS (the API server's own default is its often internal address).

import { ok, type Result } from '../errors.js';
import { isObject } from '../util/json.js';
import type { Jwks } from './jwks.js';

export interface DiscoveryDocument {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly response_types_supported: readonly string[];
  readonly subject_types_supported: readonly string[];
  readonly id_token_signing_alg_values_supported: readonly string[];
}

export function discoveryDocument(issuer: string, jwksUri: string, jwks: Jwks): DiscoveryDocument {
  const algs = [...new Set(jwks.keys.map((k) => k.alg))].sort();
  return {
    issuer,
    jwks_uri: jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs,
  };
}

/** The two members a verifier needs from a discovery document read back. */
export function readDiscovery(doc: unknown): Result<{ issuer: string; jwksUri: string }, string> {
  if (!isObject(doc)) return { ok: false, error: 'not a JSON object' };
  if (typeof doc.issuer !== 'string' || doc.issuer === '') return { ok: false, error: 'no "issuer" string' };
  if (typeof doc.jwks_uri !== 'string' || doc.jwks_uri === '') return { ok: false, error: 'no "jwks_uri" string' };
  return ok({ issuer: doc.issuer, jwksUri: doc.jwks_uri });
}
