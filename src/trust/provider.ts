// The IAM OIDC provider a role trusts, as an ARN or as (account, issuer,
// partition), and the role ARN a ServiceAccount names. Pure: strings in,
// Results out. The messages say which rule a value breaks, because a provider
// or issuer that is almost right is the usual cause of "No OpenIDConnect
// provider found" and "Not authorized to perform sts:AssumeRoleWithWebIdentity".

import { checkIssuer } from '../oidc/issuer.js';
import { errors as E, fail, ok, type Result } from '../errors.js';

/** Partitions IAM has (an oidc-provider ARN in any other is a typo). */
export const PARTITIONS: readonly string[] = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'];

export interface OidcProvider {
  readonly arn: string;
  readonly partition: string;
  readonly account: string;
  /** The issuer without "https://": the ARN's resource name and the prefix of the condition keys. */
  readonly issuerHostPath: string;
}

export interface RoleArn {
  readonly arn: string;
  readonly partition: string;
  readonly account: string;
  /** Path and name, e.g. "team/s3-reader". */
  readonly name: string;
}

const ACCOUNT = /^\d{12}$/;

/** The issuer without "https://", or the STS rule it breaks (the rules are src/oidc/issuer.ts's). */
export function issuerHostPath(issuer: string): Result<string, string> {
  const checked = checkIssuer(issuer);
  return checked.ok ? { ok: true, value: issuer.slice('https://'.length) } : checked;
}

function checkPartition(partition: string): Result<void, string> {
  return PARTITIONS.includes(partition) ? { ok: true, value: undefined }
    : { ok: false, error: `unknown partition "${partition}" (expected one of ${PARTITIONS.join(', ')})` };
}

export function providerArnOf(partition: string, account: string, hostPath: string): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${hostPath}`;
}

/** From --account, --issuer and --partition. */
export function providerFromIssuer(account: string, issuer: string, partition: string): Result<OidcProvider> {
  if (!ACCOUNT.test(account)) return fail(E.flagBadValue('account', account, 'a 12-digit AWS account ID'));
  const p = checkPartition(partition);
  if (!p.ok) return fail(E.flagBadValue('partition', partition, `one of ${PARTITIONS.join(', ')}`));
  const hostPath = issuerHostPath(issuer);
  if (!hostPath.ok) return fail(E.trustIssuerBad(issuer, hostPath.error));
  return ok({ arn: providerArnOf(partition, account, hostPath.value), partition, account, issuerHostPath: hostPath.value });
}

/** An ARN back into its parts, or a sentence saying what is wrong with it. */
export function parseProviderArn(arn: string): Result<OidcProvider, string> {
  const m = /^arn:([^:]*):iam::([^:]*):oidc-provider\/(.*)$/.exec(arn);
  if (!m) return { ok: false, error: 'expected arn:<partition>:iam::<12-digit account>:oidc-provider/<issuer without https://>' };
  const [, partition = '', account = '', hostPath = ''] = m;
  const p = checkPartition(partition);
  if (!p.ok) return p;
  if (!ACCOUNT.test(account)) return { ok: false, error: `the account "${account}" is not 12 digits` };
  if (hostPath.startsWith('https://') || hostPath.startsWith('http://')) {
    return { ok: false, error: 'the provider name is the issuer without https://' };
  }
  const checked = issuerHostPath(`https://${hostPath}`);
  if (!checked.ok) return { ok: false, error: checked.error.replace(/^the issuer/, 'the issuer part') };
  return { ok: true, value: { arn, partition, account, issuerHostPath: hostPath } };
}

/** From --oidc-provider-arn. */
export function providerFromArn(arn: string): Result<OidcProvider> {
  const parsed = parseProviderArn(arn);
  return parsed.ok ? parsed : fail(E.trustProviderArnBad(arn, parsed.error));
}

export function parseRoleArn(arn: string): Result<RoleArn, string> {
  const m = /^arn:([^:]+):iam::(\d{12}):role\/(.+)$/.exec(arn);
  if (!m) return { ok: false, error: 'expected arn:<partition>:iam::<12-digit account>:role/<name>' };
  const [, partition = '', account = '', name = ''] = m;
  const p = checkPartition(partition);
  if (!p.ok) return p;
  return { ok: true, value: { arn, partition, account, name } };
}
