// `oidc verify-token TOKEN_FILE --issuer URL`: the checks STS makes before it
// reads the trust policy, in its order, stopping at the first failure with
// the STS error it would cause. The token itself is never printed.

import { X509Certificate } from 'node:crypto';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { readDiscovery } from '../oidc/discovery.js';
import { getJson } from '../oidc/fetch.js';
import { DISCOVERY_PATH } from '../oidc/issuer.js';
import { readJwks, type Jwks } from '../oidc/jwks.js';
import { checkClaims, checkHeader, checkIssuer, checkSignature, duration, findKey, isoTime, parseToken } from '../oidc/token.js';
import { issuerFlag, readInput, say } from './oidc-common.js';
import type { Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';

// STS gives the issuer a few seconds; so do we.
const FETCH = { timeoutMs: 5000, maxBytes: 1024 * 1024 };

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const cmd = args.command;
  const v = args.values;
  const [tokenFile, extra] = args.positionals;
  if (tokenFile === undefined) return say(io, cmd, E.verifyNeedsToken().message, 2);
  if (extra !== undefined) return say(io, cmd, E.unexpectedArgument(extra, cmd).message, 2);
  const issuer = issuerFlag(args);
  if (!issuer.ok) return say(io, cmd, issuer.error.message, 2);
  const audience = String(v.audience ?? '');
  if (audience === '') return say(io, cmd, E.flagBadValue('audience', audience, 'a non-empty audience such as sts.amazonaws.com').message, 2);
  const fail1 = (e: { message: string }) => say(io, cmd, e.message, 1);

  const caFile = String(v['ca-file'] ?? '');
  let ca: string | undefined;
  if (caFile) {
    const read = await readCa(caFile);
    if (!read.ok) return fail1(read.error);
    ca = read.value;
  }
  const text = await readInput(tokenFile);
  if (!text.ok) return fail1(text.error);
  const token = parseToken(text.value, tokenFile === '-' ? '<stdin>' : tokenFile);
  if (!token.ok) return fail1(token.error);
  const header = checkHeader(token.value);
  if (!header.ok) return fail1(header.error);
  const iss = checkIssuer(token.value, issuer.value);
  if (!iss.ok) return fail1(iss.error);

  const jwksFile = String(v.jwks ?? '');
  const keys = jwksFile ? await jwksFromFile(jwksFile) : await jwksFromIssuer(issuer.value, ca);
  if (!keys.ok) return fail1(keys.error);
  const key = findKey(keys.value.jwks, header.value.kid, keys.value.where);
  if (!key.ok) return fail1(key.error);
  const signature = await checkSignature(token.value, key.value, header.value.alg);
  if (!signature.ok) return fail1(signature.error);
  const now = Math.floor(Date.now() / 1000);
  const claims = checkClaims(token.value, audience, now);
  if (!claims.ok) return fail1(claims.error);

  const c = claims.value;
  io.out([
    `token OK for ${issuer.value}: it passes the checks STS makes before the role's trust policy`,
    `  subject   ${c.subject}${c.pod ? ` (pod ${c.namespace}/${c.pod})` : ''}`,
    `  audience  ${c.audiences.join(', ')}`,
    `  expires   ${isoTime(c.expiresAt)} (in ${duration(c.expiresAt - now)})`,
    `  kid       ${key.value.kid} (${key.value.alg}, from ${keys.value.where})`,
    '',
  ].join('\n'));
  return 0;
}

async function readCa(file: string): Promise<Result<string>> {
  const text = await readInput(file);
  if (!text.ok) return text;
  if (!text.value.includes('-----BEGIN CERTIFICATE-----')) return fail(E.caFileBad(file, 'no -----BEGIN CERTIFICATE----- block'));
  try {
    new X509Certificate(text.value);
  } catch (err) {
    return fail(E.caFileBad(file, String((err as Error)?.message ?? err)));
  }
  return ok(text.value);
}

async function jwksFromFile(file: string): Promise<Result<{ jwks: Jwks; where: string }>> {
  const text = await readInput(file);
  if (!text.ok) return text;
  let doc: unknown;
  try {
    doc = JSON.parse(text.value);
  } catch {
    return fail(E.jwksBad(file, 'not JSON'));
  }
  const jwks = readJwks(doc);
  return jwks.ok ? ok({ jwks: jwks.value, where: file }) : fail(E.jwksBad(file, jwks.error));
}

/** As STS: the discovery document first, then the JWKS it points at. */
async function jwksFromIssuer(issuer: string, ca: string | undefined): Promise<Result<{ jwks: Jwks; where: string }>> {
  const opts = { ...FETCH, ...(ca ? { ca } : {}) };
  const discoveryUrl = `${issuer}${DISCOVERY_PATH}`;
  const doc = await getJson(discoveryUrl, opts);
  if (!doc.ok) return fail(E.issuerFetchFailed(discoveryUrl, doc.error));
  const discovery = readDiscovery(doc.value);
  if (!discovery.ok) return fail(E.discoveryBad(discoveryUrl, discovery.error));
  if (discovery.value.issuer !== issuer) return fail(E.discoveryIssuerMismatch(discoveryUrl, discovery.value.issuer, issuer));
  const jwksUri = discovery.value.jwksUri;
  const keys = await getJson(jwksUri, opts);
  if (!keys.ok) return fail(E.issuerFetchFailed(jwksUri, keys.error));
  const jwks = readJwks(keys.value);
  return jwks.ok ? ok({ jwks: jwks.value, where: jwksUri }) : fail(E.jwksBad(jwksUri, jwks.error));
}
