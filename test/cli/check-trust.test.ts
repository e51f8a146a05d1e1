// `check-trust` as users run it: a role's trust policy in any of the forms the
// AWS CLI and API print it, the verdict, the reason and the corrected statement,
// the --service-accounts checks, and every bad input: one line, the right exit
// code, nothing on stdout, no stack trace.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { looksLikeStackTrace, runCli, type CliResult } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'piw-check-trust-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const ACCOUNT = '111122223333';
const ISS = 'oidc.example.com/c1';
const ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISS}`;
const ME = 'system:serviceaccount:default:app';
const statement = (extra: Record<string, unknown> = {}) => ({
  Sid: 'Irsa', Effect: 'Allow', Principal: { Federated: ARN }, Action: 'sts:AssumeRoleWithWebIdentity',
  Condition: { StringEquals: { [`${ISS}:sub`]: ME, [`${ISS}:aud`]: 'sts.amazonaws.com' } }, ...extra,
});
const doc = (...statements: unknown[]) => ({ Version: '2012-10-17', Statement: statements.length ? statements : [statement()] });
const GOOD = JSON.stringify(doc(), null, 2);
const goodFile = write('good.json', GOOD);
const PROVIDER = ['--oidc-provider-arn', ARN];
const WHO = ['--namespace', 'default', '--service-account', 'app'];
const check = (file: string, ...more: string[]) => runCli(['check-trust', '--trust-policy', file, ...PROVIDER, ...WHO, ...more]);

const oneLine = (tt: Tap, r: CliResult) => {
  tt.equal(r.stderr.trimEnd().split('\n').length, 1, `one line on stderr: ${r.stderr}`);
  tt.notOk(looksLikeStackTrace(r.stderr), 'no stack trace');
};
type Tap = Test;

/** Feeds a corrected statement back in place of statement `at` (0-based): it must pass. */
async function correctedPasses(tt: Tap, r: CliResult, statements: unknown[], at = 0, ...more: string[]) {
  const corrected = JSON.parse(r.stdout);
  const fixed = statements.map((s, i) => (i === at ? corrected : s));
  const again = await check(write(`fixed-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(doc(...fixed))), ...more);
  tt.equal(again.code, 0, `the corrected statement passes: ${again.stderr}`);
  return corrected;
}

t.test('allowed: the document, get-role output, URL-encoded, stdin', async (tt) => {
  const forms: Record<string, string> = {
    'the document (get-role --query Role.AssumeRolePolicyDocument)': GOOD,
    'the whole get-role output': JSON.stringify({ Role: { Path: '/', RoleName: 'app', Arn: `arn:aws:iam::${ACCOUNT}:role/app`, AssumeRolePolicyDocument: doc() } }, null, 4),
    'the Role object': JSON.stringify({ RoleName: 'app', AssumeRolePolicyDocument: doc() }),
    'URL-encoded, as IAM\'s API returns it': encodeURIComponent(JSON.stringify(doc())),
    'get-role output holding the URL-encoded document': JSON.stringify({ Role: { AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(doc())) } }),
    'a JSON string holding the document': JSON.stringify(JSON.stringify(doc())),
    'with a byte order mark': `\uFEFF${GOOD}`,
    'Statement as a single object': JSON.stringify({ Version: '2012-10-17', Statement: statement() }),
  };
  for (const [name, text] of Object.entries(forms)) {
    const r = await check(write(`form-${Object.keys(forms).indexOf(name)}.json`, text));
    tt.equal(r.code, 0, `${name}: ${r.stderr}`);
    tt.equal(r.stdout, `allowed by statement 1 (Sid Irsa): ${ARN} may call sts:AssumeRoleWithWebIdentity with sub "${ME}" and aud "sts.amazonaws.com"\n`, name);
    tt.equal(r.stderr, '', name);
  }
  const stdin = await runCli(['check-trust', '--trust-policy', '-', ...PROVIDER, ...WHO], { stdin: GOOD });
  tt.equal(stdin.code, 0, stdin.stderr);
  tt.match(stdin.stdout, /^allowed by statement 1/);
  const byIssuer = await runCli(['check-trust', '--trust-policy', goodFile, '--account', ACCOUNT, '--issuer', `https://${ISS}`, ...WHO]);
  tt.equal(byIssuer.code, 0, '--account and --issuer name the same provider');
});

t.test('refused: the sub, with a corrected statement to paste', async (tt) => {
  const statements = [statement({ Condition: { StringEquals: { [`${ISS}:sub`]: 'system:serviceaccount:default:web', [`${ISS}:aud`]: 'sts.amazonaws.com' } } })];
  const r = await check(write('sub.json', JSON.stringify(doc(...statements))));
  tt.equal(r.code, 1);
  oneLine(tt, r);
  tt.equal(r.stderr, `pod-identity-webhook check-trust: refused: statement 1 (Sid Irsa) expects sub "system:serviceaccount:default:web" (StringEquals), but the token will carry sub "${ME}"\n`);
  const corrected = await correctedPasses(tt, r, statements);
  tt.equal(corrected.Sid, 'Irsa');
  tt.equal(corrected.Condition.StringEquals[`${ISS}:sub`], ME);
});

t.test('refused: a * inside StringEquals is literal, and the message says so', async (tt) => {
  const statements = [statement({ Condition: { StringEquals: { [`${ISS}:sub`]: 'system:serviceaccount:default:*' } } })];
  const r = await check(write('literal.json', JSON.stringify(doc(...statements))));
  tt.equal(r.code, 1);
  oneLine(tt, r);
  tt.match(r.stderr, /StringEquals compares "oidc\.example\.com\/c1:sub" literally, so the \* or \? in "system:serviceaccount:default:\*" is no wildcard .* use StringLike/);
  const corrected = await correctedPasses(tt, r, statements);
  tt.same(corrected.Condition, { StringLike: { [`${ISS}:sub`]: 'system:serviceaccount:default:*' } });
});

t.test('refused: the provider of another account, the issuer, the action, the audience', async (tt) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['another account', statement({ Principal: { Federated: ARN.replace(ACCOUNT, '444455556666') } }), /trusts the Federated principal "arn:aws:iam::444455556666:oidc-provider\/oidc\.example\.com\/c1", but the token's provider is arn:aws:iam::111122223333:oidc-provider\/oidc\.example\.com\/c1 \(the policy's provider is in account 444455556666, the token's in 111122223333\)/],
    ['another issuer', statement({ Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example.com/c2` } }), /\(the policy's provider is for issuer oidc\.example\.com\/c2, the token's for oidc\.example\.com\/c1\)/],
    ['another action', statement({ Action: 'sts:AssumeRole' }), /allows sts:AssumeRole, but IRSA calls sts:AssumeRoleWithWebIdentity/],
    ['another audience', statement({ Condition: { StringEquals: { [`${ISS}:sub`]: ME, [`${ISS}:aud`]: 'kubernetes.default.svc' } } }), /expects aud "kubernetes\.default\.svc" \(StringEquals\), but the token's aud will be "sts\.amazonaws\.com"/],
    ['a claim the token lacks', statement({ Condition: { StringEquals: { [`${ISS}:sub`]: ME, [`${ISS}:amr`]: 'authenticated' } } }), /requires "oidc\.example\.com\/c1:amr" \(StringEquals\), but the request will carry no "amr" key/],
  ];
  for (const [name, st, message] of cases) {
    const r = await check(write(`case-${name.replace(/ /g, '-')}.json`, JSON.stringify(doc(st))));
    tt.equal(r.code, 1, name);
    oneLine(tt, r);
    tt.match(r.stderr, message, name);
    await correctedPasses(tt, r, [st]);
  }
  const aud = await check(goodFile, '--audience', 'other');
  tt.equal(aud.code, 1);
  tt.match(aud.stderr, /expects aud "sts\.amazonaws\.com" \(StringEquals\), but the token's aud will be "other"/, '--audience is the token\'s audience');
});

t.test('refused: an explicit Deny wins, and the Deny is narrowed', async (tt) => {
  const statements = [statement(), { Sid: 'NoDefault', Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { StringLike: { [`${ISS}:sub`]: 'system:serviceaccount:default:*' } } }];
  const r = await check(write('deny.json', JSON.stringify(doc(...statements))));
  tt.equal(r.code, 1);
  oneLine(tt, r);
  tt.match(r.stderr, /^pod-identity-webhook check-trust: refused: Deny statement 2 \(Sid NoDefault\) explicitly denies the call \(a Deny wins over every Allow, including statement 1 \(Sid Irsa\)\)$/m);
  const corrected = await correctedPasses(tt, r, statements, 1);
  tt.equal(corrected.Effect, 'Deny');
});

t.test('cannot tell: an unknown operator, a key the check is not told', async (tt) => {
  const unknownOp = await check(write('op.json', JSON.stringify(doc(statement({ Condition: { StringEqual: { [`${ISS}:sub`]: ME } } })))));
  tt.equal(unknownOp.code, 1);
  tt.equal(unknownOp.stdout, '', 'no corrected statement when the policy may well be right');
  oneLine(tt, unknownOp);
  tt.match(unknownOp.stderr, /cannot tell: statement 1 \(Sid Irsa\) uses the condition operator "StringEqual", which check-trust does not evaluate \(did you mean StringEquals\?\); refusing to guess/);
  const ip = await check(write('ip.json', JSON.stringify(doc(statement({ Condition: { StringEquals: { [`${ISS}:sub`]: ME }, IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } })))));
  tt.equal(ip.code, 1);
  tt.match(ip.stderr, /uses the condition operator "IpAddress"/);
});

t.test('--pod-identity', async (tt) => {
  const eks = { Version: '2012-10-17', Statement: [{ Sid: 'Pod', Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
  const r = await runCli(['check-trust', '--trust-policy', write('pod.json', JSON.stringify(eks)), '--pod-identity', ...WHO]);
  tt.equal(r.code, 0, r.stderr);
  tt.match(r.stdout, /^allowed by statement 1 \(Sid Pod\): pods\.eks\.amazonaws\.com \(EKS Pod Identity\) may call sts:AssumeRole and sts:TagSession/);
  const noTag = { ...eks, Statement: [{ ...eks.Statement[0], Action: 'sts:AssumeRole' }] };
  const refused = await runCli(['check-trust', '--trust-policy', write('pod-notag.json', JSON.stringify(noTag)), '--pod-identity', ...WHO]);
  tt.equal(refused.code, 1);
  oneLine(tt, refused);
  tt.match(refused.stderr, /EKS Pod Identity needs both sts:AssumeRole and sts:TagSession \(sts:TagSession is not allowed\)/);
  tt.same(JSON.parse(refused.stdout).Action, ['sts:AssumeRole', 'sts:TagSession']);
  const irsaPolicy = await runCli(['check-trust', '--trust-policy', goodFile, '--pod-identity', ...WHO]);
  tt.equal(irsaPolicy.code, 1);
  tt.match(irsaPolicy.stderr, /that is IRSA: check it without --pod-identity/);
});

t.test('--service-accounts: the role-arn annotation is read too', async (tt) => {
  const sas = write('sas.yaml', `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: default
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::${ACCOUNT}:role/app
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: elsewhere, namespace: default, annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::444455556666:role/app"}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: norole, namespace: default}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: custom, namespace: default, annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::${ACCOUNT}:role/app", eks.amazonaws.com/audience: my-aud}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: badarn, namespace: default, annotations: {eks.amazonaws.com/role-arn: "app"}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: prefixed, annotations: {example.com/role-arn: "arn:aws:iam::${ACCOUNT}:role/app"}}
`);
  const as = (ns: string, sa: string, policy = goodFile, ...more: string[]) =>
    runCli(['check-trust', '--trust-policy', policy, ...PROVIDER, '--namespace', ns, '--service-account', sa, '--service-accounts', sas, ...more]);
  const policyFor = (sa: string, aud = 'sts.amazonaws.com') => write(`for-${sa}.json`, JSON.stringify(doc(statement({
    Condition: { StringEquals: { [`${ISS}:sub`]: `system:serviceaccount:default:${sa}`, [`${ISS}:aud`]: aud } },
  }))));

  const good = await as('default', 'app');
  tt.equal(good.code, 0, good.stderr);
  tt.match(good.stdout, /^allowed by statement 1 \(Sid Irsa\)/);

  const other = await as('default', 'elsewhere', policyFor('elsewhere'));
  tt.equal(other.code, 1, 'a provider in another account than the role is a failure');
  tt.equal(other.stderr.split('\n')[0], `pod-identity-webhook check-trust: the role arn:aws:iam::444455556666:role/app is in account 444455556666 but the OIDC provider ${ARN} is in ${ACCOUNT}: STS looks the provider up in the role's account ("No OpenIDConnect provider found"); create it there (aws iam create-open-id-connect-provider --url https://${ISS} --client-id-list sts.amazonaws.com) and trust arn:aws:iam::444455556666:oidc-provider/${ISS}`);
  tt.match(other.stderr, /refused: statement 1 \(Sid Irsa\) trusts the Federated principal "arn:aws:iam::111122223333:oidc-provider\/oidc\.example\.com\/c1", but the token's provider is arn:aws:iam::444455556666:oidc-provider/);
  tt.equal(JSON.parse(other.stdout).Principal.Federated, `arn:aws:iam::444455556666:oidc-provider/${ISS}`, 'the corrected statement trusts the provider in the role\'s account');
  tt.notOk(looksLikeStackTrace(other.stderr));

  const missing = await as('default', 'norole', policyFor('norole'));
  tt.equal(missing.code, 1, 'a missing role-arn is a failure even when the policy is right');
  tt.equal(missing.stderr.split('\n')[0], `pod-identity-webhook check-trust: ServiceAccount default/norole has no eks.amazonaws.com/role-arn annotation, so the webhook injects nothing: kubectl annotate serviceaccount -n default norole eks.amazonaws.com/role-arn=arn:aws:iam::${ACCOUNT}:role/ROLE_NAME`);
  tt.match(missing.stderr, /the trust policy itself would let it in: allowed by statement 1/);

  const bad = await as('default', 'badarn', policyFor('badarn'));
  tt.equal(bad.code, 1);
  tt.match(bad.stderr, /ServiceAccount default\/badarn: eks\.amazonaws\.com\/role-arn "app" is not a role ARN: expected arn:<partition>:iam::<12-digit account>:role\/<name>/);

  const aud = await as('default', 'custom', policyFor('custom'));
  tt.equal(aud.code, 1, 'the audience annotation is the token\'s audience');
  tt.match(aud.stderr, /note: the ServiceAccount's eks\.amazonaws\.com\/audience annotation sets the token's audience to "my-aud"; checking that/);
  tt.match(aud.stderr, /expects aud "sts\.amazonaws\.com" \(StringEquals\), but the token's aud will be "my-aud"/);
  const audOk = await as('default', 'custom', policyFor('custom', 'my-aud'));
  tt.equal(audOk.code, 0, audOk.stderr);

  const prefixed = await as('prefixed', 'app', write('prefixed.json', JSON.stringify(doc(statement({ Condition: { StringEquals: { [`${ISS}:sub`]: 'system:serviceaccount:prefixed:app' } } })))), '--annotation-prefix', 'example.com');
  tt.equal(prefixed.code, 0, `--annotation-prefix: ${prefixed.stderr}`);

  const notThere = await as('default', 'ghost');
  tt.equal(notThere.code, 1);
  tt.equal(notThere.stdout, '');
  oneLine(tt, notThere);
  tt.match(notThere.stderr, new RegExp(`ServiceAccount default/ghost is not in ${sas.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));

  const badFile = await runCli(['check-trust', '--trust-policy', goodFile, ...PROVIDER, ...WHO, '--service-accounts', write('bad-sa.yaml', '- not an object\n')]);
  tt.equal(badFile.code, 1);
  oneLine(tt, badFile);
  tt.match(badFile.stderr, /bad-sa\.yaml: not a ServiceAccount list: item 1: not an object/);
  // Other kinds are skipped (as replay and mutate skip them), so the ServiceAccount is simply not there.
  const deploymentOnly = await runCli(['check-trust', '--trust-policy', goodFile, ...PROVIDER, ...WHO, '--service-accounts', write('deploy.yaml', 'kind: Deployment\nmetadata: {name: x}\n')]);
  tt.equal(deploymentOnly.code, 1);
  tt.match(deploymentOnly.stderr, /ServiceAccount default\/app is not in .*deploy\.yaml/);
});

const unreadableFile = write('secret.json', GOOD);
chmodSync(unreadableFile, 0o000);
const canReadAnyway = process.getuid?.() === 0;

const badInputs: Array<[string, string | null, RegExp]> = [
  ['no such file', null, /missing\.json: cannot read: no such file/],
  ['a directory', dir, /: cannot read: is a directory/],
  ['empty', '', /not a JSON trust policy: the file is empty/],
  ['not JSON', 'Version: 2012-10-17\n', /not a JSON trust policy: /],
  ['truncated JSON', GOOD.slice(0, 40), /not a JSON trust policy: /],
  ['bad URL encoding', '%7B%22Version%ZZ', /it looks URL-encoded \(%7B\.\.\.\) but is not valid URL encoding/],
  ['a list, not a policy', '[1, 2]', /the trust policy is a list, not a JSON object with Version and Statement/],
  ['no Statement', JSON.stringify({ Version: '2012-10-17' }), /the trust policy has no Statement, so nobody may assume the role/],
  ['empty Statement', JSON.stringify({ Version: '2012-10-17', Statement: [] }), /has no Statement/],
  ['Statement a string', JSON.stringify({ Version: '2012-10-17', Statement: 'Allow' }), /Statement is "Allow": expected a statement object or a list of them/],
  ['a statement that is a string', JSON.stringify(doc('Allow')), /statement 1 is "Allow", not an object/],
  ['a statement without Effect', JSON.stringify(doc({ Principal: '*', Action: '*' })), /statement 1 has no Effect \(add "Effect": "Allow"\)/],
  ['Effect in lower case', JSON.stringify(doc({ Effect: 'allow', Principal: '*', Action: '*' })), /statement 1 has Effect "allow": it must be "Allow" or "Deny" \(case matters\)/],
  ['no Principal', JSON.stringify(doc({ Effect: 'Allow', Action: '*' })), /statement 1 has no Principal: a trust policy names who may assume the role/],
  ['Principal and NotPrincipal', JSON.stringify(doc({ Effect: 'Allow', Principal: '*', NotPrincipal: '*', Action: '*' })), /statement 1 has both Principal and NotPrincipal/],
  ['a Principal of an unknown type', JSON.stringify(doc({ Effect: 'Allow', Principal: { Oidc: ARN }, Action: '*' })), /statement 1 has Principal type "Oidc": expected AWS, Federated, Service, CanonicalUser/],
  ['a Principal string other than *', JSON.stringify(doc({ Effect: 'Allow', Principal: ARN, Action: '*' })), /statement 1 has Principal "arn:aws:iam::111122223333:oidc-provider…": expected "\*" or an object/],
  ['no Action', JSON.stringify(doc({ Effect: 'Allow', Principal: '*' })), /statement 1 has no Action/],
  ['Action a number', JSON.stringify(doc({ Effect: 'Allow', Principal: '*', Action: 7 })), /statement 1 has Action that is neither a string nor a list of strings/],
  ['Condition a list', JSON.stringify(doc({ Effect: 'Allow', Principal: '*', Action: '*', Condition: [] })), /statement 1 has a Condition that is a list, not an object of operators/],
  ['a condition value that is an object', JSON.stringify(doc({ Effect: 'Allow', Principal: '*', Action: '*', Condition: { StringEquals: { k: { a: 1 } } } })), /statement 1 has Condition "StringEquals" key "k" whose value is neither a string nor a list of strings/],
  ['Null with another value', JSON.stringify(doc({ Effect: 'Allow', Principal: '*', Action: '*', Condition: { Null: { k: 'yes' } } })), /Condition "Null" key "k" with a value other than "true" or "false"/],
  ['an unsupported Version', JSON.stringify({ Version: '2012-10-18', Statement: [statement()] }), /unsupported policy Version "2012-10-18": use "2012-10-17" \(the current policy language, needed for policy variables/],
  ['get-role output without the document', JSON.stringify({ Role: { RoleName: 'app' } }), /looks like aws iam get-role output but has no Role\.AssumeRolePolicyDocument/],
];

for (const [name, text, message] of badInputs) {
  t.test(`bad input: ${name}`, async (tt) => {
    const file = text === null ? join(dir, 'missing.json') : text === dir ? dir : write(`bad-${badInputs.findIndex((b) => b[0] === name)}.json`, text);
    const r = await check(file);
    tt.equal(r.code, 1, 'exit 1');
    tt.equal(r.stdout, '', 'nothing on stdout');
    tt.match(r.stderr, /^pod-identity-webhook check-trust: /);
    tt.match(r.stderr, message);
    oneLine(tt, r);
  });
}

t.test('bad input: an unreadable file', { skip: canReadAnyway ? 'running as root: every file is readable' : false }, async (tt) => {
  const r = await check(unreadableFile);
  tt.equal(r.code, 1);
  tt.equal(r.stdout, '');
  tt.match(r.stderr, /secret\.json: cannot read: permission denied/);
  oneLine(tt, r);
});

const usage: Array<[string, string[], RegExp]> = [
  ['no --trust-policy', ['check-trust', ...PROVIDER, ...WHO], /missing --trust-policy FILE/],
  ['no provider', ['check-trust', '--trust-policy', goodFile, ...WHO], /missing the OIDC provider/],
  ['no --namespace', ['check-trust', '--trust-policy', goodFile, ...PROVIDER, '--service-account', 'app'], /missing --namespace NS/],
  ['a pattern instead of one ServiceAccount', ['check-trust', '--trust-policy', goodFile, ...PROVIDER, '--namespace', 'default', '--service-account', 'app-*'], /for --service-account: expected one ServiceAccount name \(check-trust checks the call of one concrete ServiceAccount; patterns belong in trust-policy\)/],
  ['--pod-identity with --service-accounts', ['check-trust', '--trust-policy', goodFile, '--pod-identity', ...WHO, '--service-accounts', goodFile], /--pod-identity and --service-accounts cannot be used together/],
  ['--pod-identity with a provider', ['check-trust', '--trust-policy', goodFile, '--pod-identity', ...PROVIDER, ...WHO], /--pod-identity and --oidc-provider-arn cannot be used together/],
  ['ARN and --account', ['check-trust', '--trust-policy', goodFile, ...PROVIDER, '--account', ACCOUNT, ...WHO], /--oidc-provider-arn and --account cannot be used together/],
  ['a bad issuer', ['check-trust', '--trust-policy', goodFile, '--account', ACCOUNT, '--issuer', 'https://oidc.example.com/c1/', ...WHO], /--issuer: must not end with "\/"/],
  ['a positional argument', ['check-trust', goodFile, ...PROVIDER, ...WHO], /"check-trust" takes no positional argument/],
];

for (const [name, args, message] of usage) {
  t.test(`usage error: ${name}`, async (tt) => {
    const r = await runCli(args);
    tt.equal(r.code, 2, 'exit 2');
    tt.equal(r.stdout, '');
    tt.match(r.stderr, message);
    oneLine(tt, r);
  });
}

t.test('--help names what exit 1 means for check-trust', async (tt) => {
  const r = await runCli(['check-trust', '--help']);
  tt.equal(r.code, 0);
  tt.match(r.stdout, /1 from check-trust also means STS would refuse the call/);
  for (const f of ['--trust-policy', '--oidc-provider-arn', '--account', '--issuer', '--namespace', '--service-account', '--audience', '--pod-identity', '--service-accounts', '--annotation-prefix']) tt.match(r.stdout, f);
});
