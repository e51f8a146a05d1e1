// The evaluator, one row per operator and edge of IAM's logic. Each row is a
// trust policy as a user writes it, parsed by check-trust's own parser, and a
// request whose condition keys are spelled out (absent unless listed).

import t from 'tap';
import { parseTrustPolicy } from '../../src/trust/document.js';
import { evaluate, type ContextValue, type Outcome, type TrustRequest } from '../../src/trust/evaluate.js';
import type { Json } from '../../src/util/json.js';

const P = 'arn:aws:iam::111122223333:oidc-provider/oidc.example.com/c1';
const ISS = 'oidc.example.com/c1';
const SUB = `${ISS}:sub`;
const AUD = `${ISS}:aud`;
const ME = 'system:serviceaccount:default:app';

interface Req {
  readonly principal?: TrustRequest['principal'];
  readonly action?: string;
  /** Present keys and their values; [] is present but empty. */
  readonly keys?: Record<string, string[]>;
  readonly unknown?: readonly string[];
}

function request(r: Req = {}): TrustRequest {
  const keys = Object.fromEntries(Object.entries(r.keys ?? { [SUB]: [ME], [AUD]: ['sts.amazonaws.com'] }).map(([k, v]) => [k.toLowerCase(), v]));
  const unknown = new Set((r.unknown ?? []).map((k) => k.toLowerCase()));
  return {
    principal: r.principal ?? { type: 'Federated', id: P },
    action: r.action ?? 'sts:AssumeRoleWithWebIdentity',
    context(key): ContextValue {
      if (unknown.has(key)) return { kind: 'unknown', why: 'test' };
      const v = keys[key];
      return v ? { kind: 'present', values: v } : { kind: 'absent', why: 'test' };
    },
  };
}

const allow = (extra: Record<string, Json> = {}): Record<string, Json> =>
  ({ Effect: 'Allow', Principal: { Federated: P }, Action: 'sts:AssumeRoleWithWebIdentity', ...extra });
const cond = (c: Record<string, Json>) => allow({ Condition: c });

interface Row {
  readonly name: string;
  readonly statements: Array<Record<string, Json>>;
  readonly version?: string;
  readonly req?: Req;
  readonly expect: Outcome;
  /** 1-based statement that decides (allowed / explicit-deny / unknown). */
  readonly by?: number;
}

const multi = (values: string[]) => ({ keys: { [AUD]: values, [SUB]: [ME] } });

const rows: Row[] = [
  // --- StringEquals ---
  { name: 'StringEquals: equal value', statements: [cond({ StringEquals: { [SUB]: ME } })], expect: 'allowed', by: 1 },
  { name: 'StringEquals: other value', statements: [cond({ StringEquals: { [SUB]: 'system:serviceaccount:default:other' } })], expect: 'implicit-deny' },
  { name: 'StringEquals: a * is literal, not a wildcard', statements: [cond({ StringEquals: { [SUB]: 'system:serviceaccount:default:*' } })], expect: 'implicit-deny' },
  { name: 'StringEquals: a * matches a literal *', statements: [cond({ StringEquals: { [SUB]: 'system:serviceaccount:default:*' } })],
    req: { keys: { [SUB]: ['system:serviceaccount:default:*'] } }, expect: 'allowed' },
  { name: 'StringEquals: values are case-sensitive', statements: [cond({ StringEquals: { [SUB]: 'system:serviceaccount:default:App' } })], expect: 'implicit-deny' },
  { name: 'StringEquals: condition keys are case-insensitive', statements: [cond({ StringEquals: { 'OIDC.Example.COM/c1:SUB': ME } })], expect: 'allowed' },
  { name: 'StringEquals: key absent fails', statements: [cond({ StringEquals: { [`${ISS}:amr`]: 'x' } })], expect: 'implicit-deny' },
  { name: 'StringEquals: several values of one key are ORed', statements: [cond({ StringEquals: { [SUB]: ['system:serviceaccount:a:b', ME, 'x'] } })], expect: 'allowed' },
  { name: 'StringEquals: an empty list matches nothing', statements: [cond({ StringEquals: { [SUB]: [] } })], expect: 'implicit-deny' },
  { name: 'keys of one operator are ANDed (aud wrong)', statements: [cond({ StringEquals: { [SUB]: ME, [AUD]: 'other' } })], expect: 'implicit-deny' },
  { name: 'keys of one operator are ANDed (both right)', statements: [cond({ StringEquals: { [SUB]: ME, [AUD]: 'sts.amazonaws.com' } })], expect: 'allowed' },
  { name: 'operators are ANDed', statements: [cond({ StringEquals: { [AUD]: 'sts.amazonaws.com' }, StringLike: { [SUB]: 'system:serviceaccount:kube-system:*' } })], expect: 'implicit-deny' },
  { name: 'a number value is compared as its text', statements: [cond({ StringEquals: { [AUD]: 42 } })], req: multi(['42']), expect: 'allowed' },
  { name: 'single-valued operator on a multi-valued key: any value may match', statements: [cond({ StringEquals: { [AUD]: 'b' } })], req: multi(['a', 'b']), expect: 'allowed' },

  // --- StringLike ---
  { name: 'StringLike: * matches the rest', statements: [cond({ StringLike: { [SUB]: 'system:serviceaccount:default:*' } })], expect: 'allowed' },
  { name: 'StringLike: * matches the empty string', statements: [cond({ StringLike: { [SUB]: 'system:serviceaccount:default:app*' } })], expect: 'allowed' },
  { name: 'StringLike: ? matches one character', statements: [cond({ StringLike: { [SUB]: 'system:serviceaccount:default:ap?' } })], expect: 'allowed' },
  { name: 'StringLike: ? does not match two', statements: [cond({ StringLike: { [SUB]: 'system:serviceaccount:default:a?' } })], expect: 'implicit-deny' },
  { name: 'StringLike: other namespace', statements: [cond({ StringLike: { [SUB]: 'system:serviceaccount:prod:*' } })], expect: 'implicit-deny' },
  { name: 'StringLike: regex characters are plain', statements: [cond({ StringLike: { [SUB]: 'system.serviceaccount.default.app' } })], expect: 'implicit-deny' },
  { name: 'StringLike: case-sensitive values', statements: [cond({ StringLike: { [SUB]: 'SYSTEM:*' } })], expect: 'implicit-deny' },

  // --- negated ---
  { name: 'StringNotEquals: other value passes', statements: [cond({ StringNotEquals: { [SUB]: 'system:serviceaccount:default:other' } })], expect: 'allowed' },
  { name: 'StringNotEquals: equal value fails', statements: [cond({ StringNotEquals: { [SUB]: ME } })], expect: 'implicit-deny' },
  { name: 'StringNotEquals: values are NORed (one equal fails)', statements: [cond({ StringNotEquals: { [SUB]: ['x', ME] } })], expect: 'implicit-deny' },
  { name: 'StringNotEquals: key absent passes', statements: [cond({ StringNotEquals: { [`${ISS}:email`]: 'a@b' } })], expect: 'allowed' },
  { name: 'StringNotLike: pattern matches: fails', statements: [cond({ StringNotLike: { [SUB]: 'system:serviceaccount:default:*' } })], expect: 'implicit-deny' },
  { name: 'StringNotLike: pattern does not match: passes', statements: [cond({ StringNotLike: { [SUB]: 'system:serviceaccount:kube-system:*' } })], expect: 'allowed' },
  { name: 'StringNotLike: key absent passes', statements: [cond({ StringNotLike: { [`${ISS}:azp`]: '*' } })], expect: 'allowed' },

  // --- IgnoreCase ---
  { name: 'StringEqualsIgnoreCase: case differs: passes', statements: [cond({ StringEqualsIgnoreCase: { [SUB]: 'SYSTEM:ServiceAccount:Default:APP' } })], expect: 'allowed' },
  { name: 'StringEqualsIgnoreCase: other value fails', statements: [cond({ StringEqualsIgnoreCase: { [SUB]: 'system:serviceaccount:default:other' } })], expect: 'implicit-deny' },
  { name: 'StringNotEqualsIgnoreCase: same but for case: fails', statements: [cond({ StringNotEqualsIgnoreCase: { [SUB]: 'SYSTEM:SERVICEACCOUNT:DEFAULT:APP' } })], expect: 'implicit-deny' },

  // --- IfExists ---
  { name: 'StringEqualsIfExists: key absent passes', statements: [cond({ StringEqualsIfExists: { [`${ISS}:amr`]: 'x' } })], expect: 'allowed' },
  { name: 'StringEqualsIfExists: key present and equal passes', statements: [cond({ StringEqualsIfExists: { [SUB]: ME } })], expect: 'allowed' },
  { name: 'StringEqualsIfExists: key present and different fails', statements: [cond({ StringEqualsIfExists: { [SUB]: 'x' } })], expect: 'implicit-deny' },
  { name: 'StringLikeIfExists: key absent passes', statements: [cond({ StringLikeIfExists: { [`${ISS}:oaud`]: 'x*' } })], expect: 'allowed' },
  { name: 'StringLikeIfExists: key present, no match fails', statements: [cond({ StringLikeIfExists: { [SUB]: 'x*' } })], expect: 'implicit-deny' },
  { name: 'StringNotEqualsIfExists: key present and equal fails', statements: [cond({ StringNotEqualsIfExists: { [SUB]: ME } })], expect: 'implicit-deny' },
  { name: 'StringNotLikeIfExists: key absent passes', statements: [cond({ StringNotLikeIfExists: { [`${ISS}:amr`]: '*' } })], expect: 'allowed' },
  { name: 'StringEqualsIgnoreCaseIfExists: present, case differs: passes', statements: [cond({ StringEqualsIgnoreCaseIfExists: { [AUD]: 'STS.amazonaws.com' } })], expect: 'allowed' },

  // --- ForAnyValue / ForAllValues ---
  { name: 'ForAnyValue:StringEquals: one of several values matches', statements: [cond({ 'ForAnyValue:StringEquals': { [AUD]: 'b' } })], req: multi(['a', 'b']), expect: 'allowed' },
  { name: 'ForAnyValue:StringEquals: none matches', statements: [cond({ 'ForAnyValue:StringEquals': { [AUD]: ['c', 'd'] } })], req: multi(['a', 'b']), expect: 'implicit-deny' },
  { name: 'ForAnyValue:StringEquals: key absent fails', statements: [cond({ 'ForAnyValue:StringEquals': { [`${ISS}:amr`]: 'a' } })], expect: 'implicit-deny' },
  { name: 'ForAnyValue:StringEquals: empty set fails', statements: [cond({ 'ForAnyValue:StringEquals': { [AUD]: 'a' } })], req: multi([]), expect: 'implicit-deny' },
  { name: 'ForAnyValue:StringEqualsIfExists: key absent passes', statements: [cond({ 'ForAnyValue:StringEqualsIfExists': { [`${ISS}:amr`]: 'a' } })], expect: 'allowed' },
  { name: 'ForAnyValue:StringLike on aud', statements: [cond({ 'ForAnyValue:StringLike': { [AUD]: 'sts.*' } })], expect: 'allowed' },
  { name: 'ForAnyValue:StringNotEquals: one value differs: passes', statements: [cond({ 'ForAnyValue:StringNotEquals': { [AUD]: 'a' } })], req: multi(['a', 'b']), expect: 'allowed' },
  { name: 'ForAnyValue:StringNotEquals: every value listed: fails', statements: [cond({ 'ForAnyValue:StringNotEquals': { [AUD]: ['a', 'b'] } })], req: multi(['a', 'b']), expect: 'implicit-deny' },
  { name: 'ForAllValues:StringEquals: every value listed passes', statements: [cond({ 'ForAllValues:StringEquals': { [AUD]: ['a', 'b', 'c'] } })], req: multi(['a', 'b']), expect: 'allowed' },
  { name: 'ForAllValues:StringEquals: one value not listed fails', statements: [cond({ 'ForAllValues:StringEquals': { [AUD]: ['a', 'c'] } })], req: multi(['a', 'b']), expect: 'implicit-deny' },
  { name: 'ForAllValues:StringEquals: key absent passes (vacuous)', statements: [cond({ 'ForAllValues:StringEquals': { [`${ISS}:amr`]: 'a' } })], expect: 'allowed' },
  { name: 'ForAllValues:StringEquals: empty set passes (vacuous)', statements: [cond({ 'ForAllValues:StringEquals': { [AUD]: 'a' } })], req: multi([]), expect: 'allowed' },
  { name: 'ForAllValues:StringNotEquals: no value listed passes', statements: [cond({ 'ForAllValues:StringNotEquals': { [AUD]: 'c' } })], req: multi(['a', 'b']), expect: 'allowed' },
  { name: 'ForAllValues:StringNotEquals: one value listed fails', statements: [cond({ 'ForAllValues:StringNotEquals': { [AUD]: 'b' } })], req: multi(['a', 'b']), expect: 'implicit-deny' },
  { name: 'ForAllValues:StringLike: every value matches a pattern', statements: [cond({ 'ForAllValues:StringLike': { [AUD]: ['a*', 'b?'] } })], req: multi(['ab', 'bc']), expect: 'allowed' },

  // --- Null ---
  { name: 'Null true: key absent passes', statements: [cond({ Null: { [`${ISS}:amr`]: 'true' } })], expect: 'allowed' },
  { name: 'Null true: key present fails', statements: [cond({ Null: { [SUB]: 'true' } })], expect: 'implicit-deny' },
  { name: 'Null false: key present passes', statements: [cond({ Null: { [SUB]: 'false' } })], expect: 'allowed' },
  { name: 'Null false: key absent fails', statements: [cond({ Null: { [`${ISS}:email`]: 'false' } })], expect: 'implicit-deny' },
  { name: 'Null: a JSON boolean works like its text', statements: [cond({ Null: { [`${ISS}:amr`]: true } })], expect: 'allowed' },

  // --- unknown: refuse to guess ---
  { name: 'unknown operator: cannot tell', statements: [cond({ StringEqual: { [SUB]: ME } })], expect: 'unknown', by: 1 },
  { name: 'unknown operator with another condition that fails: refused', statements: [cond({ NumericLessThan: { 'aws:EpochTime': 1 }, StringEquals: { [SUB]: 'x' } })], expect: 'implicit-deny' },
  { name: 'a key the check is not told: cannot tell', statements: [cond({ StringEquals: { 'aws:SourceIp': '10.0.0.1' } })], req: { keys: { [SUB]: [ME] }, unknown: ['aws:SourceIp'] }, expect: 'unknown' },
  { name: 'Null on an unknown key: cannot tell', statements: [cond({ Null: { 'aws:SourceIp': 'true' } })], req: { unknown: ['aws:sourceip'] }, expect: 'unknown' },

  // --- Deny ---
  { name: 'an explicit Deny beats an Allow', statements: [allow(), { Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { StringLike: { [SUB]: '*:default:*' } } }], expect: 'explicit-deny', by: 2 },
  { name: 'a Deny that does not match leaves the Allow', statements: [allow(), { Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { StringLike: { [SUB]: '*:kube-system:*' } } }], expect: 'allowed', by: 1 },
  { name: 'a Deny for another action leaves the Allow', statements: [{ Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' }, allow()], expect: 'allowed', by: 2 },
  { name: 'a Deny that might match makes an Allow undecided', statements: [allow(), { Effect: 'Deny', Principal: '*', Action: '*', Condition: { StringEquals: { 'aws:SourceIp': 'x' } } }], req: { unknown: ['aws:SourceIp'] }, expect: 'unknown', by: 2 },
  { name: 'without an Allow, an undecided Deny does not matter', statements: [{ Effect: 'Deny', Principal: '*', Action: '*', Condition: { StringEquals: { 'aws:SourceIp': 'x' } } }], req: { unknown: ['aws:SourceIp'] }, expect: 'implicit-deny' },
  { name: 'no statement matches: implicit deny', statements: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }], expect: 'implicit-deny' },
  { name: 'the first matching Allow decides', statements: [cond({ StringEquals: { [SUB]: 'x' } }), allow({ Sid: 'Second' })], expect: 'allowed', by: 2 },

  // --- Action ---
  { name: 'Action sts:* matches', statements: [allow({ Action: 'sts:*' })], expect: 'allowed' },
  { name: 'Action * matches', statements: [allow({ Action: '*' })], expect: 'allowed' },
  { name: 'Action names are case-insensitive', statements: [allow({ Action: 'STS:assumerolewithwebidentity' })], expect: 'allowed' },
  { name: 'Action sts:AssumeRole is another action', statements: [allow({ Action: 'sts:AssumeRole' })], expect: 'implicit-deny' },
  { name: 'Action with * inside', statements: [allow({ Action: 'sts:AssumeRole*' })], expect: 'allowed' },
  { name: 'Action with ? inside', statements: [allow({ Action: 'sts:AssumeRole?ithWebIdentity' })], expect: 'allowed' },
  { name: 'Action list', statements: [allow({ Action: ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity'] })], expect: 'allowed' },
  { name: 'Action of another service', statements: [allow({ Action: 'iam:*' })], expect: 'implicit-deny' },
  { name: 'NotAction of another action matches', statements: [{ Effect: 'Allow', Principal: { Federated: P }, NotAction: 'sts:AssumeRole' }], expect: 'allowed' },
  { name: 'NotAction sts:* excludes it', statements: [{ Effect: 'Allow', Principal: { Federated: P }, NotAction: 'sts:*' }], expect: 'implicit-deny' },
  { name: 'NotAction with a wildcard excludes it', statements: [{ Effect: 'Allow', Principal: { Federated: P }, NotAction: ['iam:*', 'sts:AssumeRoleWith*'] }], expect: 'implicit-deny' },
  { name: 'Deny with NotAction of another action denies', statements: [allow(), { Effect: 'Deny', Principal: '*', NotAction: 'sts:TagSession' }], expect: 'explicit-deny' },

  // --- Principal ---
  { name: 'Principal "*"', statements: [allow({ Principal: '*' })], expect: 'allowed' },
  { name: 'Principal {"AWS": "*"} is everyone', statements: [allow({ Principal: { AWS: '*' } })], expect: 'allowed' },
  { name: 'Principal {"Federated": "*"}', statements: [allow({ Principal: { Federated: '*' } })], expect: 'allowed' },
  { name: 'a * inside a principal ARN is literal', statements: [allow({ Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/*' } })], expect: 'implicit-deny' },
  { name: 'Principal list with the provider', statements: [allow({ Principal: { Federated: ['arn:aws:iam::111122223333:oidc-provider/other', P] } })], expect: 'allowed' },
  { name: 'Principal of another account', statements: [allow({ Principal: { Federated: P.replace('111122223333', '444455556666') } })], expect: 'implicit-deny' },
  { name: 'Principal AWS account is not the provider', statements: [allow({ Principal: { AWS: 'arn:aws:iam::111122223333:root' } })], expect: 'implicit-deny' },
  { name: 'Principal Service is not the provider', statements: [allow({ Principal: { Service: 'pods.eks.amazonaws.com' } })], expect: 'implicit-deny' },
  { name: 'Service principal for a Service request', statements: [allow({ Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:AssumeRole' })],
    req: { principal: { type: 'Service', id: 'pods.eks.amazonaws.com' }, action: 'sts:AssumeRole' }, expect: 'allowed' },
  { name: 'NotPrincipal of someone else matches', statements: [{ Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: '*' }], expect: 'allowed' },
  { name: 'NotPrincipal naming the provider excludes it', statements: [{ Effect: 'Allow', NotPrincipal: { Federated: P }, Action: '*' }], expect: 'implicit-deny' },
  { name: 'Deny NotPrincipal of someone else denies', statements: [allow(), { Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: '*' }], expect: 'explicit-deny' },

  // --- policy variables ---
  { name: '${*} is a literal * in StringLike', statements: [cond({ StringLike: { [SUB]: 'system:serviceaccount:default:${*}' } })], expect: 'implicit-deny' },
  { name: '${*} matches a literal *', statements: [cond({ StringLike: { [SUB]: 'system:serviceaccount:default:${*}' } })], req: { keys: { [SUB]: ['system:serviceaccount:default:*'] } }, expect: 'allowed' },
  { name: 'a variable takes the request value', statements: [cond({ StringEquals: { [SUB]: `\${${SUB}}` } })], expect: 'allowed' },
  { name: 'a variable of an unknown key: cannot tell', statements: [cond({ StringEquals: { [SUB]: 'system:serviceaccount:${aws:PrincipalTag/ns}:app' } })], req: { keys: { [SUB]: [ME] }, unknown: ['aws:principaltag/ns'] }, expect: 'unknown' },
  { name: 'an absent variable uses its default', statements: [cond({ StringEquals: { [SUB]: "system:serviceaccount:${aws:PrincipalTag/ns, 'default'}:app" } })], expect: 'allowed' },
  { name: 'an absent variable without default matches nothing', statements: [cond({ StringEquals: { [SUB]: 'system:serviceaccount:${aws:PrincipalTag/ns}:app' } })], expect: 'implicit-deny' },
  { name: 'Version 2008-10-17 compares ${...} literally', version: '2008-10-17', statements: [cond({ StringEquals: { [SUB]: `\${${SUB}}` } })], expect: 'implicit-deny' },
];

for (const row of rows) {
  t.test(row.name, async (tt) => {
    const doc = { Version: row.version ?? '2012-10-17', Statement: row.statements };
    const policy = parseTrustPolicy(doc as Json, 'row.json');
    if (!policy.ok) throw new Error(policy.error.message);
    const d = evaluate(policy.value, request(row.req));
    tt.equal(d.outcome, row.expect);
    if (row.by !== undefined) tt.equal(d.by?.statement.index, row.by, `decided by statement ${row.by}`);
    if (row.expect === 'implicit-deny') tt.equal(d.by, undefined, 'nothing decides an implicit deny');
  });
}
