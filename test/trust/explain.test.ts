// Refusals explained: one line naming what the policy expects beside what the
// call carries, and a corrected statement. Every corrected statement is run
// through the evaluator: it must let the ServiceAccount in, keep a neighbour
// out, and keep the user's Sid.

import t, { type Test } from 'tap';
import { parseTrustPolicy } from '../../src/trust/document.js';
import { checkTrust, type CheckSubject } from '../../src/trust/explain.js';
import { providerFromArn } from '../../src/trust/provider.js';
import type { Json, JsonObject } from '../../src/util/json.js';

const ARN = 'arn:aws:iam::111122223333:oidc-provider/oidc.example.com/c1';
const OTHER = 'arn:aws:iam::111122223333:oidc-provider/oidc.other.example/x';
const ISS = 'oidc.example.com/c1';
const ME = 'system:serviceaccount:default:app';
const p = providerFromArn(ARN);
if (!p.ok) throw new Error('provider');
const IRSA: CheckSubject = { mode: 'irsa', provider: p.value, namespace: 'default', serviceAccount: 'app', audience: 'sts.amazonaws.com' };
const POD: CheckSubject = { mode: 'pod-identity', namespace: 'default', serviceAccount: 'app' };
const neighbour = (s: CheckSubject): CheckSubject => ({ ...s, namespace: 'zz-neighbour', serviceAccount: 'zz-neighbour' });

const irsa = (extra: JsonObject = {}): JsonObject => ({ Sid: 'Mine', Effect: 'Allow', Principal: { Federated: ARN }, Action: 'sts:AssumeRoleWithWebIdentity', ...extra });
const pod = (extra: JsonObject = {}): JsonObject => ({ Sid: 'Pod', Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'], ...extra });

function policyOf(statements: Json[]) {
  const parsed = parseTrustPolicy({ Version: '2012-10-17', Statement: statements }, 'test.json');
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

interface Row {
  readonly name: string;
  readonly subject?: CheckSubject;
  readonly statements: JsonObject[];
  readonly code: string;
  readonly message: RegExp;
  /** Corrected statement expected (default: yes for refusals, no when allowed or undecided). */
  readonly corrected?: boolean;
  /** The corrected statement replaces this statement (1-based) instead of standing alone. */
  readonly replaces?: number;
  readonly check?: (tt: Tap, corrected: JsonObject) => void;
}
type Tap = Test;

const rows: Row[] = [
  { name: 'allowed', statements: [irsa({ Condition: { StringEquals: { [`${ISS}:sub`]: ME, [`${ISS}:aud`]: 'sts.amazonaws.com' } } })],
    code: 'I_TRUST_ALLOWED', message: /^allowed by statement 1 \(Sid Mine\): arn:aws:iam::111122223333:oidc-provider\/oidc\.example\.com\/c1 may call sts:AssumeRoleWithWebIdentity with sub "system:serviceaccount:default:app" and aud "sts\.amazonaws\.com"$/ },
  { name: 'sub of another ServiceAccount', statements: [irsa({ Condition: { StringEquals: { [`${ISS}:sub`]: 'system:serviceaccount:default:ap' } } })],
    code: 'E_TRUST_VALUE_MISMATCH', message: /statement 1 \(Sid Mine\) expects sub "system:serviceaccount:default:ap" \(StringEquals\), but the token will carry sub "system:serviceaccount:default:app"$/,
    check: (tt, c) => tt.same(c.Condition, { StringEquals: { [`${ISS}:sub`]: ME } }, 'the typo is replaced, nothing else changes') },
  { name: 'a list of subs is extended, not replaced', statements: [irsa({ Condition: { StringEquals: { [`${ISS}:sub`]: ['system:serviceaccount:a:b', 'system:serviceaccount:c:d'] } } })],
    code: 'E_TRUST_VALUE_MISMATCH', message: /expects sub one of "system:serviceaccount:a:b", "system:serviceaccount:c:d"/,
    check: (tt, c) => tt.same(c.Condition, { StringEquals: { [`${ISS}:sub`]: ['system:serviceaccount:a:b', 'system:serviceaccount:c:d', ME] } }) },
  { name: '* inside StringEquals is literal', statements: [irsa({ Condition: { StringEquals: { [`${ISS}:sub`]: 'system:serviceaccount:default:*', [`${ISS}:aud`]: 'sts.amazonaws.com' } } })],
    code: 'E_TRUST_LITERAL_WILDCARD', message: /StringEquals compares "oidc\.example\.com\/c1:sub" literally, so the \* or \? in "system:serviceaccount:default:\*" is no wildcard .*use StringLike$/,
    check: (tt, c) => tt.same(c.Condition, { StringEquals: { [`${ISS}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${ISS}:sub`]: 'system:serviceaccount:default:*' } }, 'moved to StringLike') },
  { name: '* inside StringEquals that would not match anyway is still called literal', statements: [irsa({ Condition: { StringEquals: { [`${ISS}:sub`]: 'system:serviceaccount:prod:*' } } })],
    code: 'E_TRUST_VALUE_MISMATCH', message: /StringEquals takes \* and \? literally/ },
  { name: 'audience', statements: [irsa({ Condition: { StringEquals: { [`${ISS}:sub`]: ME, [`${ISS}:aud`]: 'sts.amazon.com' } } })],
    code: 'E_TRUST_VALUE_MISMATCH', message: /expects aud "sts\.amazon\.com" \(StringEquals\), but the token's aud will be "sts\.amazonaws\.com"$/ },
  { name: 'provider in another account', statements: [irsa({ Principal: { Federated: ARN.replace('111122223333', '444455556666') }, Condition: { StringEquals: { [`${ISS}:sub`]: ME } } })],
    code: 'E_TRUST_PRINCIPAL', message: /trusts the Federated principal "arn:aws:iam::444455556666:oidc-provider\/oidc\.example\.com\/c1", but the token's provider is arn:aws:iam::111122223333:.*\(the policy's provider is in account 444455556666, the token's in 111122223333\)$/,
    check: (tt, c) => tt.same(c.Principal, { Federated: ARN }) },
  { name: 'provider of another issuer, with its keys', statements: [irsa({ Principal: { Federated: OTHER }, Condition: { StringEquals: { 'oidc.other.example/x:sub': ME, 'oidc.other.example/x:aud': 'sts.amazonaws.com' } } })],
    code: 'E_TRUST_PRINCIPAL', message: /\(the policy's provider is for issuer oidc\.other\.example\/x, the token's for oidc\.example\.com\/c1\)$/,
    check: (tt, c) => tt.same(c.Condition, { StringEquals: { [`${ISS}:sub`]: ME, [`${ISS}:aud`]: 'sts.amazonaws.com' } }, 'the keys are renamed to this issuer') },
  { name: 'keys of another issuer', statements: [irsa({ Condition: { StringEquals: { 'oidc.other.example/x:sub': ME } } })],
    code: 'E_TRUST_OTHER_ISSUER_KEY', message: /conditions on "oidc\.other\.example\/x:sub", a key of another issuer: this token's keys are "oidc\.example\.com\/c1:sub" and "oidc\.example\.com\/c1:aud"$/ },
  { name: 'a * in a principal ARN', statements: [irsa({ Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/*' } })],
    code: 'E_TRUST_PRINCIPAL', message: /a \* inside a Principal is no wildcard/,
    check: (tt, c) => tt.same(c.Condition, { StringEquals: { [`${ISS}:sub`]: ME, [`${ISS}:aud`]: 'sts.amazonaws.com' } }, 'an unconditioned statement is pinned to the ServiceAccount') },
  { name: 'EKS Pod Identity statement checked for IRSA', statements: [pod()],
    code: 'E_TRUST_PRINCIPAL', message: /trusts the service "pods\.eks\.amazonaws\.com", .*that is EKS Pod Identity: check it with --pod-identity/ },
  { name: 'AWS principal', statements: [irsa({ Principal: { AWS: 'arn:aws:iam::111122223333:root' } })],
    code: 'E_TRUST_PRINCIPAL', message: /trusts the AWS principal "arn:aws:iam::111122223333:root".*IRSA needs Principal\.Federated/ },
  { name: 'NotPrincipal naming the provider', statements: [{ Sid: 'N', Effect: 'Allow', NotPrincipal: { Federated: ARN }, Action: '*' }],
    code: 'E_TRUST_PRINCIPAL', message: /everyone except the NotPrincipal/,
    check: (tt, c) => {
      tt.equal(c.NotPrincipal, undefined);
      tt.same(c.Principal, { Federated: ARN });
    } },
  { name: 'wrong action', statements: [irsa({ Action: 'sts:AssumeRole', Condition: { StringEquals: { [`${ISS}:sub`]: ME } } })],
    code: 'E_TRUST_ACTION', message: /statement 1 \(Sid Mine\) allows sts:AssumeRole, but IRSA calls sts:AssumeRoleWithWebIdentity$/,
    check: (tt, c) => tt.equal(c.Action, 'sts:AssumeRoleWithWebIdentity') },
  { name: 'NotAction excluding it', statements: [{ Effect: 'Allow', Principal: { Federated: ARN }, NotAction: 'sts:AssumeRoleWith*', Condition: { StringEquals: { [`${ISS}:sub`]: ME } } }],
    code: 'E_TRUST_ACTION', message: /statement 1 \(no Sid\) allows every action except sts:AssumeRoleWith\*/,
    check: (tt, c) => {
      tt.equal(c.NotAction, undefined);
      tt.equal(c.Sid, undefined, 'no Sid invented for a statement without one');
    } },
  { name: 'a claim the token never carries', statements: [irsa({ Condition: { StringEquals: { [`${ISS}:sub`]: ME, [`${ISS}:amr`]: 'authenticated' } } })],
    code: 'E_TRUST_ABSENT_KEY', message: /requires "oidc\.example\.com\/c1:amr" \(StringEquals\), but the request will carry no "amr" key .*use StringEqualsIfExists$/,
    check: (tt, c) => tt.same(c.Condition, { StringEquals: { [`${ISS}:sub`]: ME } }, 'the impossible condition is dropped') },
  { name: 'StringNotEquals excluding the ServiceAccount', statements: [irsa({ Condition: { StringNotEquals: { [`${ISS}:sub`]: [ME, 'system:serviceaccount:x:y'] }, StringLike: { [`${ISS}:sub`]: 'system:serviceaccount:default:*' } } })],
    code: 'E_TRUST_VALUE_EXCLUDED', message: /excludes sub "system:serviceaccount:default:app" with StringNotEquals$/,
    check: (tt, c) => tt.same(c.Condition, { StringNotEquals: { [`${ISS}:sub`]: 'system:serviceaccount:x:y' }, StringLike: { [`${ISS}:sub`]: 'system:serviceaccount:default:*' } }) },
  { name: 'Null false on a claim the token lacks', statements: [irsa({ Condition: { StringEquals: { [`${ISS}:sub`]: ME }, Null: { [`${ISS}:email`]: 'false' } } })],
    code: 'E_TRUST_NULL', message: /requires "oidc\.example\.com\/c1:email" to be present \(Null: false\), but the request does not carry it$/ },
  { name: 'Null true on sub', statements: [irsa({ Condition: { Null: { [`${ISS}:sub`]: 'true' } } })],
    code: 'E_TRUST_NULL', message: /to be absent \(Null: true\), but the request carries it$/ },
  { name: 'two failing conditions: the first named, the rest counted', statements: [irsa({ Condition: { StringEquals: { [`${ISS}:sub`]: 'x', [`${ISS}:aud`]: 'y' } } })],
    code: 'E_TRUST_VALUE_MISMATCH', message: /expects sub "x" .* \(and 1 more condition of that statement fails\)$/,
    check: (tt, c) => tt.same(c.Condition, { StringEquals: { [`${ISS}:sub`]: ME, [`${ISS}:aud`]: 'sts.amazonaws.com' } }) },
  { name: 'the nearest statement is the one explained', statements: [
    { Sid: 'Ec2', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    irsa({ Sid: 'Irsa', Condition: { StringEquals: { [`${ISS}:sub`]: 'system:serviceaccount:default:web' } } })],
    code: 'E_TRUST_VALUE_MISMATCH', message: /^refused: statement 2 \(Sid Irsa\) expects sub/,
    check: (tt, c) => tt.equal(c.Sid, 'Irsa') },
  { name: 'no Allow at all', statements: [{ Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' }],
    code: 'E_TRUST_NO_ALLOW', message: /^refused: the trust policy has no Allow statement/,
    check: (tt, c) => tt.equal(c.Sid, 'AllowServiceAccountWebIdentity', 'the generated statement') },
  { name: 'explicit deny', replaces: 2, statements: [irsa({ Condition: { StringLike: { [`${ISS}:sub`]: 'system:serviceaccount:default:*' } } }), { Sid: 'NoDefault', Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { StringLike: { [`${ISS}:sub`]: 'system:serviceaccount:default:*' } } }],
    code: 'E_TRUST_EXPLICIT_DENY', message: /^refused: Deny statement 2 \(Sid NoDefault\) explicitly denies the call \(a Deny wins over every Allow, including statement 1 \(Sid Mine\)\)$/,
    check: (tt, c) => {
      tt.equal(c.Effect, 'Deny', 'still a Deny');
      tt.same(c.Condition, { StringLike: { [`${ISS}:sub`]: 'system:serviceaccount:default:*' }, StringNotEquals: { [`${ISS}:sub`]: ME } }, 'narrowed to leave this ServiceAccount out');
    } },
  { name: 'unknown operator: refuse to guess', corrected: false, statements: [irsa({ Condition: { StringEqual: { [`${ISS}:sub`]: ME } } })],
    code: 'E_TRUST_UNKNOWN_OPERATOR', message: /^cannot tell: statement 1 \(Sid Mine\) uses the condition operator "StringEqual", which check-trust does not evaluate \(did you mean StringEquals\?\); refusing to guess$/ },
  { name: 'an operator check-trust does not evaluate', corrected: false, statements: [irsa({ Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } })],
    code: 'E_TRUST_UNKNOWN_OPERATOR', message: /"DateLessThan", which check-trust does not evaluate \(it evaluates String\[Not\]Equals/ },
  { name: 'a key that depends on the call', corrected: false, statements: [irsa({ Condition: { StringEquals: { [`${ISS}:sub`]: ME, 'aws:SourceIp': '203.0.113.7' } } })],
    code: 'E_TRUST_UNKNOWN_KEY', message: /^cannot tell: statement 1 \(Sid Mine\) conditions on "aws:SourceIp" and its value depends on the call itself/ },

  // --- EKS Pod Identity ---
  { name: 'Pod Identity: the EKS policy without conditions', subject: POD, statements: [pod()],
    code: 'I_TRUST_ALLOWED', message: /^allowed by statement 1 \(Sid Pod\): pods\.eks\.amazonaws\.com \(EKS Pod Identity\) may call sts:AssumeRole and sts:TagSession for sessions tagged kubernetes-namespace=default, kubernetes-service-account=app$/ },
  { name: 'Pod Identity: two statements', subject: POD, statements: [pod({ Sid: 'A', Action: 'sts:AssumeRole' }), pod({ Sid: 'T', Action: 'sts:TagSession' })],
    code: 'I_TRUST_ALLOWED', message: /^allowed by statement 1 \(Sid A\) for sts:AssumeRole and statement 2 \(Sid T\) for sts:TagSession/ },
  { name: 'Pod Identity: TagSession missing', subject: POD, statements: [pod({ Action: 'sts:AssumeRole' })],
    code: 'E_TRUST_ACTION', message: /allows sts:AssumeRole, but EKS Pod Identity needs both sts:AssumeRole and sts:TagSession \(sts:TagSession is not allowed\)$/,
    check: (tt, c) => {
      tt.same(c.Action, ['sts:AssumeRole', 'sts:TagSession']);
      tt.same(c.Condition, { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'default', 'aws:RequestTag/kubernetes-service-account': 'app' } }, 'pinned to the ServiceAccount');
    } },
  { name: 'Pod Identity: session tag of another namespace', subject: POD, statements: [pod({ Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'prod', 'aws:RequestTag/kubernetes-service-account': 'app' } } })],
    code: 'E_TRUST_VALUE_MISMATCH', message: /expects session tag kubernetes-namespace "prod" \(StringEquals\), but EKS will tag the session kubernetes-namespace=default$/ },
  { name: 'Pod Identity: an IRSA statement', subject: POD, statements: [irsa()],
    code: 'E_TRUST_PRINCIPAL', message: /but EKS Pod Identity calls as the service pods\.eks\.amazonaws\.com \(that is IRSA: check it without --pod-identity\)$/ },
  { name: 'Pod Identity: the cluster ARN is not known', subject: POD, corrected: false, statements: [pod({ Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:eks:us-east-1:111122223333:cluster/c' } } })],
    code: 'E_TRUST_UNKNOWN_OPERATOR', message: /"ArnEquals"/ },
  { name: 'Pod Identity: aws:SourceAccount is not known', subject: POD, corrected: false, statements: [pod({ Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } })],
    code: 'E_TRUST_UNKNOWN_KEY', message: /"aws:SourceAccount" and EKS sets it to the cluster's account/ },
];

for (const row of rows) {
  t.test(row.name, async (tt) => {
    const subject = row.subject ?? IRSA;
    const v = checkTrust(policyOf(row.statements), subject);
    tt.equal(v.line.code, row.code);
    tt.match(v.line.message, row.message);
    tt.notMatch(v.line.message, /\n/, 'one line');
    const wantCorrected = row.corrected ?? !v.allowed;
    tt.equal(v.corrected !== undefined, wantCorrected, wantCorrected ? 'a corrected statement' : 'no corrected statement');
    if (!v.corrected) return;
    const c = v.corrected;
    const replaces = row.replaces;
    const fixed = replaces ? row.statements.map((s, i) => (i + 1 === replaces ? c : s)) : [c];
    tt.equal(checkTrust(policyOf(fixed), subject).allowed, true, 'the corrected statement lets the ServiceAccount in');
    tt.equal(checkTrust(policyOf(fixed), neighbour(subject)).allowed, false, 'and keeps a neighbour out');
    const nearestSid = replaces ? row.statements[replaces - 1]?.Sid
      : row.statements.find((s) => s.Sid !== undefined && v.line.message.includes(`Sid ${String(s.Sid)}`))?.Sid;
    if (nearestSid !== undefined) tt.equal(c.Sid, nearestSid, 'the Sid is kept');
    row.check?.(tt, c);
  });
}
