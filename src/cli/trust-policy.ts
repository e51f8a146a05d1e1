// `trust-policy`: the trust policy that lets exactly one ServiceAccount (or a
// wildcard family) assume a role, ready for
// `aws iam create-role --assume-role-policy-document file://...`.

import { podIdentityStatement, trustPolicy, webIdentityStatement } from '../trust/policy.js';
import type { OidcProvider } from '../trust/provider.js';
import { stderrLine, type Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';
import { trustTarget } from './trust-flags.js';

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const target = trustTarget(args, { wildcards: true });
  if (!target.ok) {
    io.err(stderrLine('trust-policy', target.error.message));
    return 2;
  }
  const t = target.value;
  const statement = t.mode === 'irsa'
    ? webIdentityStatement(t.provider as OidcProvider, t, t.audience)
    : podIdentityStatement(t);
  io.out(`${JSON.stringify(trustPolicy(statement), null, 2)}\n`);
  return 0;
}
