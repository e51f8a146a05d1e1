// The flags trust-policy and check-trust share, turned into typed values once:
// which provider (an ARN, or account + issuer + partition), which
// ServiceAccount, which audience. Every missing or conflicting flag is a usage
// error naming what to add or drop.

import { errors as E, fail, ok, type Result } from '../errors.js';
import { hasWildcard } from '../trust/policy.js';
import { providerFromArn, providerFromIssuer, type OidcProvider } from '../trust/provider.js';
import type { ParsedArgs } from './parse-args.js';

export interface TrustTarget {
  readonly mode: 'irsa' | 'pod-identity';
  /** IRSA only. */
  readonly provider?: OidcProvider;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly audience: string;
  readonly audienceGiven: boolean;
}

// Kubernetes names: a namespace is a DNS-1123 label, a ServiceAccount a DNS-1123
// subdomain. A typo here ("Default") would make a policy that never matches.
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function checkName(flag: string, value: string, pattern: RegExp, max: number, wildcards: boolean, what: string): Result<void> {
  if (!wildcards && hasWildcard(value)) {
    return fail(E.trustNameBad(flag, value, `one ${what} (check-trust checks the call of one concrete ServiceAccount; patterns belong in trust-policy)`));
  }
  // With wildcards on, * and ? stand for characters the name may hold.
  const probe = wildcards ? value.replace(/[*?]/g, 'a') : value;
  if (value.length > max || !pattern.test(probe)) {
    return fail(E.trustNameBad(flag, value, `a Kubernetes ${what}: lowercase letters, digits, -${pattern === SUBDOMAIN ? ' and .' : ''}, at most ${max} characters${wildcards ? ', * and ? as wildcards' : ''}`));
  }
  return ok(undefined);
}

export function trustTarget(args: ParsedArgs, opts: { wildcards: boolean }): Result<TrustTarget> {
  const cmd = args.command;
  const v = args.values;
  const given = (flag: string) => args.given.has(flag);
  const str = (flag: string) => String(v[flag] ?? '');
  const [stray] = args.positionals;
  if (stray !== undefined) return fail(E.unexpectedArgument(stray, cmd));

  const podIdentity = v['pod-identity'] === true;
  if (podIdentity) {
    for (const flag of ['oidc-provider-arn', 'account', 'issuer', 'partition', 'audience']) {
      if (given(flag)) return fail(E.trustFlagConflict('pod-identity', flag, 'EKS Pod Identity involves no OIDC provider or token audience'));
    }
  }
  if (!given('namespace') || str('namespace') === '') return fail(E.trustMissingFlag('--namespace NS (the namespace of the ServiceAccount)'));
  if (!given('service-account') || str('service-account') === '') return fail(E.trustMissingFlag('--service-account NAME'));
  const ns = checkName('namespace', str('namespace'), LABEL, 63, opts.wildcards, 'namespace name');
  if (!ns.ok) return ns;
  const sa = checkName('service-account', str('service-account'), SUBDOMAIN, 253, opts.wildcards, 'ServiceAccount name');
  if (!sa.ok) return sa;
  const audience = str('audience');
  if (audience === '' || hasWildcard(audience) || /\s/.test(audience)) {
    return fail(E.trustNameBad('audience', audience, 'one concrete audience such as sts.amazonaws.com (a token carries exactly that value)'));
  }
  const base = { namespace: str('namespace'), serviceAccount: str('service-account'), audience, audienceGiven: given('audience') };
  if (podIdentity) return ok({ mode: 'pod-identity', ...base });

  const provider = providerFrom(args);
  if (!provider.ok) return provider;
  return ok({ mode: 'irsa', provider: provider.value, ...base });
}

function providerFrom(args: ParsedArgs): Result<OidcProvider> {
  const given = (flag: string) => args.given.has(flag);
  const str = (flag: string) => String(args.values[flag] ?? '');
  if (given('oidc-provider-arn')) {
    for (const flag of ['account', 'issuer', 'partition']) {
      if (given(flag)) return fail(E.trustFlagConflict('oidc-provider-arn', flag, 'the ARN already names the account, partition and issuer; give one or the other'));
    }
    return providerFromArn(str('oidc-provider-arn'));
  }
  if (!given('account') && !given('issuer')) {
    return fail(E.trustMissingFlag('the OIDC provider: --oidc-provider-arn ARN, or --account ID and --issuer URL (or --pod-identity for EKS Pod Identity)'));
  }
  if (!given('issuer')) return fail(E.trustMissingFlag('--issuer URL with --account (the cluster\'s --service-account-issuer)'));
  if (!given('account')) return fail(E.trustMissingFlag('--account ID with --issuer (the 12-digit account of the IAM OIDC provider)'));
  return providerFromIssuer(str('account'), str('issuer'), str('partition'));
}
