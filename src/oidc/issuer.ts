// The issuer URL as STS accepts it, and the JWKS URL beside it. STS compares
// the token's `iss` with the IAM OIDC provider's URL byte for byte and fetches
// `<issuer>/.well-known/openid-configuration` over HTTPS on port 443, so an
// issuer that breaks a rule here fails every AssumeRoleWithWebIdentity later.

import { ok, type Result } from '../errors.js';

/** kube-apiserver serves its JWKS here; also the default jwks_uri. */
export const JWKS_PATH = '/openid/v1/jwks';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** The issuer unchanged, or the rule it breaks (one phrase, for E.issuerBad). */
export function checkIssuer(raw: string): Result<string, string> {
  const common = checkHttpsUrl(raw);
  if (!common.ok) return common;
  const { authority } = common.value;
  if (hasPort(authority)) return refuse('must not have a port: STS fetches the discovery document from port 443 only');
  if (raw.endsWith('/')) return refuse('must not end with "/": the tokens\' iss must equal the IAM provider URL byte for byte; write it without the slash');
  return ok(raw);
}

/** A jwks_uri that can be uploaded as one static file. Another host than the issuer's is allowed. */
export function checkJwksUri(raw: string): Result<string, string> {
  const common = checkHttpsUrl(raw);
  if (!common.ok) return common;
  const { path } = common.value;
  if (path === '' || path.endsWith('/')) return refuse('must name a file (a path such as /openid/v1/jwks), not a directory');
  return ok(raw);
}

export function defaultJwksUri(issuer: string): string {
  return `${issuer}${JWKS_PATH}`;
}

function checkHttpsUrl(raw: string): Result<{ authority: string; path: string }, string> {
  if (raw === '') return refuse('empty; expected https://HOST[/PATH]');
  if (/\s/.test(raw)) return refuse('contains whitespace');
  if (!raw.startsWith('https://')) {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw)?.[1];
    return refuse(scheme ? `must start with https:// (lower case), not ${scheme}://: STS fetches over HTTPS only` : 'not a URL; expected https://HOST[/PATH]');
  }
  if (raw.includes('#')) return refuse('must not have a fragment (#...)');
  if (raw.includes('?')) return refuse('must not have a query (?...)');
  const rest = raw.slice('https://'.length);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (authority.includes('@')) return refuse('must not contain user info (user@)');
  if (authority === '' || authority.startsWith(':')) return refuse('has no host');
  try {
    new URL(raw);
  } catch {
    return refuse('not a URL; expected https://HOST[/PATH]');
  }
  if (path.split('/').slice(1, -1).some((seg) => seg === '' || seg === '.' || seg === '..')) {
    return refuse('its path must not contain "//", "/./" or "/../" (clients normalize them, so the URL would not stay byte for byte the same)');
  }
  if (/(^|\/)\.\.?$/.test(path)) return refuse('its path must not end in "." or ".."');
  return ok({ authority, path });
}

function hasPort(authority: string): boolean {
  const host = authority.startsWith('[') ? authority.slice(authority.indexOf(']') + 1) : authority;
  return host.includes(':');
}

function refuse(rule: string): Result<never, string> {
  return { ok: false, error: rule };
}
