// `oidc jwks --public-key FILE...`: the JWKS kube-apiserver would serve for these keys.

import { errors as E } from '../errors.js';
import { jwksOf } from '../oidc/jwks.js';
import { noPositionals, printJson, readKeyFiles, say } from './oidc-common.js';
import type { Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const cmd = args.command;
  const extra = noPositionals(args);
  if (!extra.ok) return say(io, cmd, extra.error.message, 2);
  const files = args.values['public-key'] as string[];
  if (files.length === 0) return say(io, cmd, E.oidcNeedsPublicKey(cmd).message, 2);
  const keys = await readKeyFiles(files);
  if (!keys.ok) {
    for (const e of keys.error) say(io, cmd, e.message, 1);
    return 1;
  }
  const jwks = jwksOf(keys.value.map((k) => k.key));
  // readKeyFiles has refused every key jwksOf could not encode; this is a bug if it happens.
  if (!jwks.ok) throw new Error(jwks.error);
  printJson(io, jwks.value);
  return 0;
}
