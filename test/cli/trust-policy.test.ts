// `trust-policy` as users run it: the printed policy, and every missing,
// conflicting or malformed flag refused with one line and exit 2.

import t from 'tap';
import { looksLikeStackTrace, runCli } from '../helpers/cli.js';

const ARN = 'arn:aws:iam::111122223333:oidc-provider/oidc.example.com/c1';
const SA = ['--namespace', 'default', '--service-account', 's3-reader'];

t.test('IRSA from the provider ARN', async (tt) => {
  const r = await runCli(['trust-policy', '--oidc-provider-arn', ARN, ...SA]);
  tt.equal(r.code, 0, r.stderr);
  tt.equal(r.stderr, '');
  tt.same(JSON.parse(r.stdout), {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'AllowServiceAccountWebIdentity',
      Effect: 'Allow',
      Principal: { Federated: ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'oidc.example.com/c1:sub': 'system:serviceaccount:default:s3-reader', 'oidc.example.com/c1:aud': 'sts.amazonaws.com' } },
    }],
  });
});

t.test('IRSA from account, issuer and partition gives the same ARN form', async (tt) => {
  const r = await runCli(['trust-policy', '--account', '444455556666', '--issuer', 'https://oidc.example.cn/c1', '--partition', 'aws-cn', ...SA, '--audience', 'my-audience']);
  tt.equal(r.code, 0, r.stderr);
  const st = JSON.parse(r.stdout).Statement[0];
  tt.same(st.Principal, { Federated: 'arn:aws-cn:iam::444455556666:oidc-provider/oidc.example.cn/c1' });
  tt.same(st.Condition.StringEquals, { 'oidc.example.cn/c1:sub': 'system:serviceaccount:default:s3-reader', 'oidc.example.cn/c1:aud': 'my-audience' });
  const plain = await runCli(['trust-policy', '--account', '444455556666', '--issuer', 'https://oidc.example.com', ...SA]);
  tt.equal(JSON.parse(plain.stdout).Statement[0].Principal.Federated, 'arn:aws:iam::444455556666:oidc-provider/oidc.example.com', 'partition aws by default');
});

t.test('a wildcard in the namespace or name makes sub StringLike; aud stays StringEquals', async (tt) => {
  for (const [ns, sa] of [['team-*', 'app'], ['default', 'worker-?'], ['*', '*']]) {
    const r = await runCli(['trust-policy', '--oidc-provider-arn', ARN, '--namespace', ns as string, '--service-account', sa as string]);
    tt.equal(r.code, 0, r.stderr);
    tt.same(JSON.parse(r.stdout).Statement[0].Condition, {
      StringLike: { 'oidc.example.com/c1:sub': `system:serviceaccount:${ns}:${sa}` },
      StringEquals: { 'oidc.example.com/c1:aud': 'sts.amazonaws.com' },
    }, `${ns}/${sa}`);
  }
});

t.test('--pod-identity', async (tt) => {
  const r = await runCli(['trust-policy', '--pod-identity', ...SA]);
  tt.equal(r.code, 0, r.stderr);
  tt.same(JSON.parse(r.stdout).Statement[0], {
    Sid: 'AllowEksPodIdentity',
    Effect: 'Allow',
    Principal: { Service: 'pods.eks.amazonaws.com' },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
    Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'default', 'aws:RequestTag/kubernetes-service-account': 's3-reader' } },
  });
});

t.test('--help lists the flags and not the webhook\'s', async (tt) => {
  const r = await runCli(['trust-policy', '--help']);
  tt.equal(r.code, 0);
  for (const f of ['--oidc-provider-arn', '--account', '--issuer', '--partition', '--namespace', '--service-account', '--audience', '--pod-identity']) tt.match(r.stdout, f);
  tt.notMatch(r.stdout, /--token-mount-path|--trust-policy FILE/);
  tt.match(r.stdout, /Namespace of the ServiceAccount/, 'its --namespace is the ServiceAccount\'s');
  const serve = await runCli(['serve', '--help']);
  tt.match(serve.stdout, /Namespace the webhook runs in/, 'serve keeps its own --namespace');
  const top = await runCli(['--help']);
  tt.match(top.stdout, /trust-policy[\s\S]*check-trust/);
});

const usage: Array<[string, string[], RegExp]> = [
  ['no namespace', ['--oidc-provider-arn', ARN, '--service-account', 'x'], /missing --namespace NS/],
  ['empty namespace', ['--oidc-provider-arn', ARN, '--namespace', '', '--service-account', 'x'], /missing --namespace NS/],
  ['no service account', ['--oidc-provider-arn', ARN, '--namespace', 'x'], /missing --service-account NAME/],
  ['no provider', SA, /missing the OIDC provider: --oidc-provider-arn ARN, or --account ID and --issuer URL/],
  ['only --partition', [...SA, '--partition', 'aws-cn'], /missing the OIDC provider/],
  ['--account without --issuer', [...SA, '--account', '111122223333'], /missing --issuer URL with --account/],
  ['--issuer without --account', [...SA, '--issuer', 'https://oidc.example.com'], /missing --account ID with --issuer/],
  ['ARN and --account', [...SA, '--oidc-provider-arn', ARN, '--account', '111122223333'], /--oidc-provider-arn and --account cannot be used together/],
  ['ARN and --issuer', [...SA, '--oidc-provider-arn', ARN, '--issuer', 'https://oidc.example.com'], /--oidc-provider-arn and --issuer cannot be used together/],
  ['ARN and --partition', [...SA, '--oidc-provider-arn', ARN, '--partition', 'aws'], /--oidc-provider-arn and --partition cannot be used together/],
  ['--pod-identity and a provider', [...SA, '--pod-identity', '--oidc-provider-arn', ARN], /--pod-identity and --oidc-provider-arn cannot be used together: EKS Pod Identity involves no OIDC provider/],
  ['--pod-identity and --audience', [...SA, '--pod-identity', '--audience', 'x'], /--pod-identity and --audience cannot be used together/],
  ['account of 11 digits', [...SA, '--account', '11112222333', '--issuer', 'https://oidc.example.com'], /invalid value "11112222333" for --account: expected a 12-digit AWS account ID/],
  ['unknown partition', [...SA, '--account', '111122223333', '--issuer', 'https://oidc.example.com', '--partition', 'aws-moon'], /invalid value "aws-moon" for --partition: expected one of aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc/],
  ['http issuer', [...SA, '--account', '111122223333', '--issuer', 'http://oidc.example.com'], /--issuer: must start with https:\/\//],
  ['issuer with a query', [...SA, '--account', '111122223333', '--issuer', 'https://oidc.example.com?x=1'], /--issuer: must not have a query/],
  ['issuer with a fragment', [...SA, '--account', '111122223333', '--issuer', 'https://oidc.example.com#x'], /--issuer: must not have a fragment/],
  ['issuer with user info', [...SA, '--account', '111122223333', '--issuer', 'https://me@oidc.example.com'], /--issuer: must not contain user info/],
  ['issuer with a port', [...SA, '--account', '111122223333', '--issuer', 'https://oidc.example.com:8443'], /--issuer: must not have a port/],
  ['issuer with a trailing slash', [...SA, '--account', '111122223333', '--issuer', 'https://oidc.example.com/'], /--issuer: must not end with "\/"/],
  ['provider ARN of a role', [...SA, '--oidc-provider-arn', 'arn:aws:iam::111122223333:role/x'], /invalid value "arn:aws:iam::111122223333:role\/x" for --oidc-provider-arn: expected arn:<partition>:iam::<12-digit account>:oidc-provider\//],
  ['provider ARN with https://', [...SA, '--oidc-provider-arn', 'arn:aws:iam::111122223333:oidc-provider/https://oidc.example.com'], /--oidc-provider-arn: the provider name is the issuer without https:\/\//],
  ['provider ARN in an unknown partition', [...SA, '--oidc-provider-arn', 'arn:aws-x:iam::111122223333:oidc-provider/oidc.example.com'], /--oidc-provider-arn: unknown partition "aws-x"/],
  ['upper-case namespace', ['--oidc-provider-arn', ARN, '--namespace', 'Default', '--service-account', 'x'], /invalid value "Default" for --namespace: expected a Kubernetes namespace name/],
  ['service account with a slash', ['--oidc-provider-arn', ARN, '--namespace', 'default', '--service-account', 'a/b'], /invalid value "a\/b" for --service-account: expected a Kubernetes ServiceAccount name/],
  ['audience with a wildcard', ['--oidc-provider-arn', ARN, ...SA, '--audience', 'sts.*'], /invalid value "sts\.\*" for --audience: expected one concrete audience/],
  ['a positional argument', ['--oidc-provider-arn', ARN, ...SA, 'extra'], /"trust-policy" takes no positional argument "extra"/],
  ['an unknown flag', ['--oidc-provider-arn', ARN, ...SA, '--role-arn', 'x'], /unknown flag --role-arn for "trust-policy"/],
  ['a webhook flag', ['--oidc-provider-arn', ARN, ...SA, '--token-audience', 'x'], /unknown flag --token-audience for "trust-policy"/],
];

for (const [name, args, message] of usage) {
  t.test(`usage error: ${name}`, async (tt) => {
    const r = await runCli(['trust-policy', ...args]);
    tt.equal(r.code, 2, 'exit 2');
    tt.equal(r.stdout, '', 'nothing on stdout');
    tt.match(r.stderr, message);
    tt.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line');
    tt.notOk(looksLikeStackTrace(r.stderr), 'no stack trace');
  });
}
