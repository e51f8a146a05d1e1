// `oidc discovery --issuer URL [--jwks-uri URL] --public-key FILE...`: the
// discovery document to publish at <issuer>/.well-known/openid-configuration.

import { errors as E } from '../errors.js';
import { discoveryDocument } from '../oidc/discovery.js';
import { jwksOf } from '../oidc/jwks.js';
import { issuerFlag, jwksUriFlag, noPositionals, printJson, readKeyFiles, say } from './oidc-common.js';
import type { Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const cmd = args.command;
  const extra = noPositionals(args);
  if (!extra.ok) return say(io, cmd, extra.error.message, 2);
  const issuer = issuerFlag(args);
  if (!issuer.ok) return say(io, cmd, issuer.error.message, 2);
  const jwksUri = jwksUriFlag(args, issuer.value);
  if (!jwksUri.ok) return say(io, cmd, jwksUri.error.message, 2);
  const files = args.values['public-key'] as string[];
  if (files.length === 0) return say(io, cmd, E.oidcNeedsPublicKey(cmd).message, 2);
  const keys = await readKeyFiles(files);
  if (!keys.ok) {
    for (const e of keys.error) say(io, cmd, e.message, 1);
    return 1;
  }
  const jwks = jwksOf(keys.value.map((k) => k.key));
  if (!jwks.ok) throw new Error(jwks.error);
  printJson(io, discoveryDocument(issuer.value, jwksUri.value, jwks.value));
  return 0;
}
