// The fake STS is only worth trusting if it refuses what STS refuses: the
// real SDK's own STS calls (fromWebToken, fromTemporaryCredentials) against it,
// once right and then with each thing that must break the call.

import { fromTemporaryCredentials, fromWebToken } from '@aws-sdk/credential-providers';
import t from 'tap';
import { sigV4Signature, startFakeSts, type FakeSts, type FakeStsOptions, type IssuedCredentials } from './fake-sts.js';

const ROLE_A = 'arn:aws:iam::111122223333:role/team/source';
const ROLE_B = 'arn:aws:iam::444455556666:role/target';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.fake-sts-test.sig';

async function sts(t: Tap, options: FakeStsOptions = {}): Promise<FakeSts> {
  const s = await startFakeSts(options);
  t.teardown(() => s.close());
  return s;
}
type Tap = { teardown(fn: () => unknown): void };

async function webIdentity(s: FakeSts, token = TOKEN): Promise<IssuedCredentials> {
  await fromWebToken({ roleArn: ROLE_A, webIdentityToken: token, roleSessionName: 'first-hop', clientConfig: { endpoint: s.url, region: 'eu-west-1' } })();
  const issued = s.issued.at(-1);
  if (!issued) throw new Error('nothing issued');
  return issued;
}

function assumeRole(s: FakeSts, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, params: Record<string, string> = {}, region = 'eu-west-1') {
  return fromTemporaryCredentials({
    masterCredentials: creds,
    params: { RoleArn: ROLE_B, RoleSessionName: 'second-hop', ...params },
    clientConfig: { endpoint: s.url, region, maxAttempts: 1 },
  })();
}

t.test('AssumeRoleWithWebIdentity then a SigV4-signed AssumeRole with the issued credentials', async (t) => {
  const seen: string[] = [];
  const s = await sts(t, {
    verifyToken: ({ token, roleArn }) => {
      seen.push(`${roleArn} ${token}`);
      return { ok: true, subject: 'system:serviceaccount:ns:sa' };
    },
    trust: ({ caller, externalId }) => (caller.roleArn === ROLE_A && externalId === 'ext-1' ? { ok: true } : { ok: false, message: 'not trusted' }),
    region: 'eu-west-1',
  });
  const first = await webIdentity(s);
  t.same(seen, [`${ROLE_A} ${TOKEN}`], 'the token verifier saw the role and the token');
  t.equal(first.assumedRoleArn, 'arn:aws:sts::111122223333:assumed-role/source/first-hop');
  t.match(first.accessKeyId, /^ASIA[A-Z2-7]{16}$/);

  const second = await assumeRole(s, { accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey, sessionToken: first.sessionToken }, { ExternalId: 'ext-1' });
  const issued = s.issued[1] as IssuedCredentials;
  t.equal(second.accessKeyId, issued.accessKeyId, 'the SDK got the second session');
  t.equal(second.secretAccessKey, issued.secretAccessKey);
  t.equal(second.sessionToken, issued.sessionToken);
  t.equal(second.expiration?.toISOString(), new Date(issued.expiration).toISOString());
  const call = s.calls[1];
  t.equal(call?.action, 'AssumeRole');
  t.same(call?.signature && { valid: call.signature.valid, accessKeyId: call.signature.accessKeyId, region: call.signature.region, service: call.signature.service },
    { valid: true, accessKeyId: first.accessKeyId, region: 'eu-west-1', service: 'sts' }, 'the signature was checked and holds');
  t.ok(call?.signature?.signedHeaders.includes('x-amz-security-token'), 'the session token is signed');
});

t.test('refuses what STS refuses', async (t) => {
  const s = await sts(t, {
    verifyToken: ({ token }) => (token === TOKEN ? { ok: true } : { ok: false, message: 'Incorrect token audience' }),
    trust: ({ externalId }) => (externalId === 'ext-1' ? { ok: true } : { ok: false, message: 'ExternalId does not match' }),
    region: 'eu-west-1',
  });
  await t.rejects(webIdentity(s, 'other-token'), { name: 'InvalidIdentityToken', message: /Incorrect token audience/ }, 'a token the verifier refuses');
  const first = await webIdentity(s);
  const good = { accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey, sessionToken: first.sessionToken };
  const rows: Array<[string, Promise<unknown>, RegExp]> = [
    ['a wrong secret', assumeRole(s, { ...good, secretAccessKey: `${good.secretAccessKey.slice(1)}x` }, { ExternalId: 'ext-1' }), /^SignatureDoesNotMatch$/],
    ['another session token', assumeRole(s, { ...good, sessionToken: 'IQoJother' }, { ExternalId: 'ext-1' }), /^SignatureDoesNotMatch$/],
    ['no session token', assumeRole(s, { accessKeyId: good.accessKeyId, secretAccessKey: good.secretAccessKey }, { ExternalId: 'ext-1' }), /^SignatureDoesNotMatch$/],
    ['an access key it never issued', assumeRole(s, { ...good, accessKeyId: 'ASIAAAAAAAAAAAAAAAAA' }, { ExternalId: 'ext-1' }), /^InvalidClientTokenId$/],
    ['a signature for another region', assumeRole(s, good, { ExternalId: 'ext-1' }, 'us-east-1'), /^SignatureDoesNotMatch$/],
    ['a trust policy that says no', assumeRole(s, good, { ExternalId: 'wrong' }), /^AccessDenied$/],
    ['an external id outside the pattern', assumeRole(s, good, { ExternalId: 'x' }), /^ValidationError$/],
    ['a session name outside the pattern', assumeRole(s, good, { ExternalId: 'ext-1', RoleSessionName: 'has space' }), /^ValidationError$/],
  ];
  for (const [name, call, code] of rows) await t.rejects(call, { name: code }, name);
  t.equal(s.issued.length, 1, 'nothing issued by a refused call');
  const problems = s.calls.filter((c) => c.signature && !c.signature.valid).map((c) => c.signature?.problem);
  t.match(problems, [/issued secret/, /session token/, /session token/, /not issued/, /region us-east-1, expected eu-west-1/], 'each refusal names its reason');
});

t.test('sigV4Signature matches the AWS documentation example', async (t) => {
  // The GET ListUsers example of the IAM SigV4 documentation ("Create a signed AWS API request").
  const headers = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    host: 'iam.amazonaws.com',
    'x-amz-date': '20150830T123600Z',
  };
  const signature = sigV4Signature({
    method: 'GET', url: '/?Action=ListUsers&Version=2010-05-08', headers, body: Buffer.alloc(0),
    signedHeaders: ['content-type', 'host', 'x-amz-date'], amzDate: '20150830T123600Z',
    scope: { date: '20150830', region: 'us-east-1', service: 'iam' }, secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  });
  t.equal(signature, '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
});
