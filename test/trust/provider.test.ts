// The OIDC provider from an ARN or from account + issuer + partition, and a
// role ARN: every rule a value can break names itself.

import t from 'tap';
import { PARTITIONS, issuerHostPath, parseProviderArn, parseRoleArn, providerFromArn, providerFromIssuer } from '../../src/trust/provider.js';

t.test('issuer rules (STS\'s, plus no trailing slash)', async (tt) => {
  const good: Array<[string, string]> = [
    ['https://oidc.example.com', 'oidc.example.com'],
    ['https://my-bucket.s3.eu-west-1.amazonaws.com/cluster-1', 'my-bucket.s3.eu-west-1.amazonaws.com/cluster-1'],
    ['https://oidc.eks.us-west-2.amazonaws.com/id/ABCDEF0123456789', 'oidc.eks.us-west-2.amazonaws.com/id/ABCDEF0123456789'],
  ];
  for (const [issuer, hostPath] of good) tt.same(issuerHostPath(issuer), { ok: true, value: hostPath }, issuer);
  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['http://oidc.example.com', /https:\/\//],
    ['oidc.example.com', /https:\/\//],
    ['https://oidc.example.com/?a=b', /query/],
    ['https://oidc.example.com#x', /fragment/],
    ['https://user@oidc.example.com', /user info/],
    ['https://oidc.example.com:8443', /port/],
    ['https://oidc.example.com/', /end with "\/"/],
    ['https://oidc.example.com/c1/', /end with "\/"/],
    ['https://', /no host/],
    ['https://oidc.example.com /x', /whitespace/],
  ];
  for (const [issuer, rule] of bad) {
    const r = issuerHostPath(issuer);
    tt.notOk(r.ok, `${JSON.stringify(issuer)} refused`);
    if (!r.ok) tt.match(r.error, rule);
  }
});

t.test('provider from account, issuer and partition', async (tt) => {
  for (const partition of PARTITIONS) {
    const p = providerFromIssuer('111122223333', 'https://oidc.example.com/c1', partition);
    tt.ok(p.ok);
    if (p.ok) tt.same(p.value, { arn: `arn:${partition}:iam::111122223333:oidc-provider/oidc.example.com/c1`, partition, account: '111122223333', issuerHostPath: 'oidc.example.com/c1' });
  }
  const errs: Array<[string, string, string, RegExp]> = [
    ['11112222333', 'https://oidc.example.com', 'aws', /--account: expected a 12-digit AWS account ID/],
    ['1111-2222-3333', 'https://oidc.example.com', 'aws', /--account/],
    ['111122223333', 'https://oidc.example.com', 'aws-moon', /--partition: expected one of aws, aws-cn/],
    ['111122223333', 'https://oidc.example.com:443', 'aws', /--issuer: must not have a port/],
  ];
  for (const [account, issuer, partition, msg] of errs) {
    const p = providerFromIssuer(account, issuer, partition);
    tt.notOk(p.ok);
    if (!p.ok) tt.match(p.error.message, msg);
  }
});

t.test('provider ARN parsed back into its parts', async (tt) => {
  tt.same(parseProviderArn('arn:aws-us-gov:iam::111122223333:oidc-provider/oidc.example.com/c1'),
    { ok: true, value: { arn: 'arn:aws-us-gov:iam::111122223333:oidc-provider/oidc.example.com/c1', partition: 'aws-us-gov', account: '111122223333', issuerHostPath: 'oidc.example.com/c1' } });
  const bad: Array<[string, RegExp]> = [
    ['arn:aws:iam::111122223333:role/x', /expected arn:<partition>:iam::<12-digit account>:oidc-provider/],
    ['arn:aws:iam::1111:oidc-provider/oidc.example.com', /not 12 digits/],
    ['arn:aws-mars:iam::111122223333:oidc-provider/oidc.example.com', /unknown partition "aws-mars"/],
    ['arn:aws:iam::111122223333:oidc-provider/https://oidc.example.com', /without https:\/\//],
    ['arn:aws:iam::111122223333:oidc-provider/oidc.example.com/', /slash/],
    ['arn:aws:iam::111122223333:oidc-provider/oidc.example.com:8443', /port/],
    ['arn:aws:iam::111122223333:oidc-provider/', /no host/],
  ];
  for (const [arn, why] of bad) {
    const r = parseProviderArn(arn);
    tt.notOk(r.ok, arn);
    if (!r.ok) tt.match(r.error, why);
  }
  const flag = providerFromArn('nope');
  tt.notOk(flag.ok);
  if (!flag.ok) tt.match(flag.error.message, /^invalid value "nope" for --oidc-provider-arn: expected/);
});

t.test('role ARN', async (tt) => {
  tt.same(parseRoleArn('arn:aws-cn:iam::111122223333:role/team/s3-reader'),
    { ok: true, value: { arn: 'arn:aws-cn:iam::111122223333:role/team/s3-reader', partition: 'aws-cn', account: '111122223333', name: 'team/s3-reader' } });
  for (const arn of ['s3-reader', 'arn:aws:iam::1111:role/x', 'arn:aws:iam::111122223333:user/x', 'arn:aws-x:iam::111122223333:role/x']) tt.notOk(parseRoleArn(arn).ok, arn);
});
