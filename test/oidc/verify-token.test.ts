// `oidc verify-token` through the built CLI against the output of `oidc
// publish` served by a plain static HTTPS server (test CA) on port 443 of a
// loopback address, with tokens signed here as kube-apiserver signs them.
// Each check STS makes fails alone, with its own line and exit 1.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { looksLikeStackTrace, runCli, type CliResult } from '../helpers/cli.js';
import { ecPair, expectedKid, kubeClaims, rsaPair, signToken, staticHttps, tempDir } from './support.js';

const dir = tempDir(t);
const root = join(dir, 'www');
const signing = rsaPair(2048);
const second = ecPair('P-256');
const rotated = rsaPair(2048); // signs tokens but was never published
const keyFile = (name: string, pem: string) => {
  const p = join(dir, name);
  writeFileSync(p, pem);
  return p;
};
const signingFile = keyFile('sa.key', signing.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
const secondFile = keyFile('second.pub', second.publicKey.export({ type: 'spki', format: 'pem' }) as string);

const server = await staticHttps(t, root);
const ISSUER = `https://${server.host}/cluster-1`;
const caFile = keyFile('ca.pem', server.tls.caPem);
const published = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--public-key', signingFile, '--public-key', secondFile, '--out', join(root, 'cluster-1')]);
if (published.code !== 0) throw new Error(published.stderr);

let n = 0;
function tokenFile(token: string): string {
  return keyFile(`token-${++n}`, token);
}

const verify = (file: string, ...flags: string[]) => runCli(['oidc', 'verify-token', file, '--issuer', ISSUER, '--ca-file', caFile, ...flags]);

function refused(tt: Test, r: CliResult, want: RegExp | string, token?: string): void {
  tt.equal(r.code, 1, 'exit 1');
  tt.equal(r.stdout, '', 'nothing on stdout');
  tt.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  tt.match(r.stderr, /^pod-identity-webhook oidc verify-token: /);
  tt.match(r.stderr, want);
  tt.notOk(looksLikeStackTrace(r.stderr), 'no stack trace');
  if (token) tt.notOk(r.stderr.includes(token.split('.')[2]!), 'the token is not printed');
}

t.test('a token the cluster signed passes: discovery then JWKS over HTTPS, a short summary', async (tt) => {
  server.requests.length = 0;
  const token = signToken(signing, kubeClaims(ISSUER, { namespace: 'apps', serviceAccount: 's3-reader' }));
  const r = await verify(tokenFile(token));
  tt.equal(r.code, 0, r.stderr);
  tt.equal(r.stderr, '');
  tt.same(server.requests, ['/cluster-1/.well-known/openid-configuration', '/cluster-1/openid/v1/jwks'], 'fetched as STS fetches');
  tt.match(r.stdout, `token OK for ${ISSUER}`);
  tt.match(r.stdout, /subject +system:serviceaccount:apps:s3-reader \(pod apps\/s3-reader-7d9c8b6f5-x2k4q\)/);
  tt.match(r.stdout, /audience +sts\.amazonaws\.com\n/);
  tt.match(r.stdout, /expires +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in (1d|23h \d+m)\)/);
  tt.match(r.stdout, `kid       ${expectedKid(signing.publicKey)} (RS256, from ${ISSUER}/openid/v1/jwks)`);
  tt.notOk(r.stdout.includes(token.split('.')[1]!), 'the token is not printed');
});

t.test('an ES256 token, several audiences, --audience, stdin, and --jwks offline', async (tt) => {
  const token = signToken(second, kubeClaims(ISSUER, { audience: ['https://kubernetes.default.svc', 'vault'] }));
  const r = await runCli(['oidc', 'verify-token', '-', '--issuer', ISSUER, '--ca-file', caFile, '--audience', 'vault'], { stdin: `${token}\n` });
  tt.equal(r.code, 0, r.stderr);
  tt.match(r.stdout, /audience +https:\/\/kubernetes\.default\.svc, vault/);
  tt.match(r.stdout, `(ES256, from ${ISSUER}/openid/v1/jwks)`);
  server.requests.length = 0;
  const offline = await runCli(['oidc', 'verify-token', tokenFile(signToken(signing, kubeClaims(ISSUER))), '--issuer', ISSUER, '--jwks', join(root, 'cluster-1/openid/v1/jwks')]);
  tt.equal(offline.code, 0, offline.stderr);
  tt.same(server.requests, [], '--jwks fetches nothing');
  tt.match(offline.stdout, `from ${join(root, 'cluster-1/openid/v1/jwks')})`);
});

t.test('each failed check: its own line, the STS error it causes, exit 1', async (tt) => {
  const now = Math.floor(Date.now() / 1000);
  const claims = (o: Record<string, unknown> = {}, base = kubeClaims(ISSUER)) => ({ ...base, ...o });
  const good = signToken(signing, claims());
  const [h, p] = good.split('.');
  const cases: Array<{ name: string; token: string; want: RegExp | string }> = [
    { name: 'wrong iss', token: signToken(signing, kubeClaims('https://kubernetes.default.svc.cluster.local')),
      want: `iss mismatch: the token's iss is "https://kubernetes.default.svc.cluster.local", --issuer is "${ISSUER}"; they must be equal byte for byte (STS: InvalidIdentityToken "No OpenIDConnect provider found in your account for https://kubernetes.default.svc.cluster.local")` },
    { name: 'iss with a trailing slash', token: signToken(signing, kubeClaims(`${ISSUER}/`)), want: /iss mismatch: the token's iss is "https:\/\/[\d.]+\/cluster-1\/"/ },
    { name: 'wrong aud', token: signToken(signing, kubeClaims(ISSUER, { audience: 'https://kubernetes.default.svc.cluster.local' })),
      want: /aud mismatch: the token's aud is "https:\/\/kubernetes\.default\.svc\.cluster\.local", not "sts\.amazonaws\.com" \(STS: InvalidIdentityToken "Incorrect token audience"\)/ },
    { name: 'expired', token: signToken(signing, claims({ exp: now - 7200, iat: now - 90000, nbf: now - 90000 })),
      want: /the token expired at \d{4}-.*Z \(2h ago\) \(STS: ExpiredTokenException "Token expired"\)/ },
    { name: 'nbf in the future', token: signToken(signing, claims({ nbf: now + 3600 })), want: /the token's nbf is .*Z, (1h|59m) in the future \(STS: InvalidIdentityToken\): the clocks/ },
    { name: 'iat in the future', token: signToken(signing, claims({ iat: now + 600 })), want: /the token's iat is .*Z, (10|9)m in the future/ },
    { name: 'a rotated key missing from the JWKS', token: signToken(rotated, claims()),
      want: `the token's kid "${expectedKid(rotated.publicKey)}" is not in the JWKS at ${ISSUER}/openid/v1/jwks (it has "${expectedKid(signing.publicKey)}", "${expectedKid(second.publicKey)}")` },
    { name: 'a bad signature (payload changed)', token: `${h}.${Buffer.from(JSON.stringify(claims({ sub: 'system:serviceaccount:kube-system:admin' }))).toString('base64url')}.${good.split('.')[2]}`,
      want: `bad signature: the token was not signed by the key published as kid "${expectedKid(signing.publicKey)}" (STS: InvalidIdentityToken)` },
    { name: 'signed by another key under a published kid', token: signToken(rotated, claims(), { kid: expectedKid(signing.publicKey) }), want: /bad signature/ },
    { name: 'an RS256 kid on an ES256 token', token: signToken(second, claims(), { kid: expectedKid(signing.publicKey) }), want: /cannot verify an ES256 signature \(the key is published for RS256\)/ },
    { name: 'a sub that is not a ServiceAccount', token: signToken(signing, claims({ sub: 'admin@example.com' })),
      want: /sub "admin@example\.com" is not system:serviceaccount:NAMESPACE:NAME.*\(STS: AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity"\)/ },
    { name: 'no exp', token: signToken(signing, (({ exp: _exp, ...rest }) => rest)(claims())), want: /the token has no exp claim/ },
    { name: 'alg none', token: `${Buffer.from('{"alg":"none","kid":"x"}').toString('base64url')}.${p}.c2ln`, want: /alg "none"; STS verifies only RS256/ },
    { name: 'alg HS256', token: `${Buffer.from('{"alg":"HS256","kid":"x"}').toString('base64url')}.${p}.c2ln`, want: /alg "HS256"/ },
    { name: 'no kid', token: `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${p}.${good.split('.')[2]}`, want: /the token's header has no kid/ },
  ];
  const queue = [...cases];
  const results = new Map<string, CliResult>();
  await Promise.all([0, 1, 2].map(async () => {
    for (let c = queue.shift(); c; c = queue.shift()) results.set(c.name, await verify(tokenFile(c.token)));
  }));
  for (const c of cases) tt.test(c.name, async (ct) => refused(ct, results.get(c.name)!, c.want, c.token));
});

t.test('token files that are not tokens', async (tt) => {
  const good = signToken(signing, kubeClaims(ISSUER));
  for (const [name, text, want] of [
    ['empty', '', /token-\d+: the file is empty; expected a service account token/],
    ['whitespace only', ' \n', /the file is empty/],
    ['not a JWT', 'hello\n', /not a JWT \(it has 1 dot-separated part, a JWT has 3\)/],
    ['two parts', 'a.b', /it has 2 dot-separated parts/],
    ['a JWE', 'a.b.c.d.e', /it has 5 parts: an encrypted JWE/],
    ['not base64url', 'a.b.c=', /a part is not base64url/],
    ['a header that is not JSON', `${Buffer.from('nope').toString('base64url')}.${good.split('.')[1]}.c2ln`, /its header is not a base64url JSON object/],
    ['claims that are not JSON', `${good.split('.')[0]}.${Buffer.from('[1,2]').toString('base64url')}.c2ln`, /its payload is not a base64url JSON object of claims/],
  ] as const) {
    const r = await verify(tokenFile(text));
    tt.test(name, async (ct) => refused(ct, r, want));
  }
  const missing = await verify(join(dir, 'no-such-token'));
  refused(tt, missing, /no-such-token: cannot read: no such file/);
});

t.test('the issuer side: TLS, missing files, another issuer, a slow host, bad local files', async (tt) => {
  const token = signToken(signing, kubeClaims(ISSUER));
  const file = tokenFile(token);
  refused(tt, await runCli(['oidc', 'verify-token', file, '--issuer', ISSUER]),
    new RegExp(`cannot fetch ${ISSUER}/\\.well-known/openid-configuration: TLS: .*pass --ca-file.*\\(STS: InvalidIdentityToken "Couldn't retrieve verification key from your identity provider"\\)`), token);

  const elsewhere = `https://${server.host}/not-published`;
  refused(tt, await runCli(['oidc', 'verify-token', tokenFile(signToken(signing, kubeClaims(elsewhere))), '--issuer', elsewhere, '--ca-file', caFile]),
    `cannot fetch ${elsewhere}/.well-known/openid-configuration: HTTP 404`);

  // The documents of one issuer uploaded under another's path.
  const copied = `https://${server.host}/copied`;
  const copy = await runCli(['oidc', 'publish', '--issuer', ISSUER, '--public-key', signingFile, '--out', join(root, 'copied')]);
  tt.equal(copy.code, 0);
  refused(tt, await runCli(['oidc', 'verify-token', tokenFile(signToken(signing, kubeClaims(copied))), '--issuer', copied, '--ca-file', caFile]),
    `${copied}/.well-known/openid-configuration says issuer "${ISSUER}", not "${copied}"`);

  server.delayMs = 6000;
  const slow = await verify(file);
  server.delayMs = 0;
  refused(tt, slow, /cannot fetch .*: no answer within 5 s/);

  refused(tt, await verify(file, '--jwks', signingFile), /sa\.key: not a usable JWKS \(\{"keys":\[\.\.\.\]\}\): not JSON/);
  refused(tt, await verify(file, '--jwks', join(root, 'cluster-1/.well-known/openid-configuration')), /not a usable JWKS .*no "keys" array/);
  refused(tt, await runCli(['oidc', 'verify-token', file, '--issuer', ISSUER, '--ca-file', signingFile]), /sa\.key: --ca-file is not a PEM CA certificate: no -----BEGIN CERTIFICATE----- block/);
});

t.test('usage errors exit 2', async (tt) => {
  const file = tokenFile(signToken(signing, kubeClaims(ISSUER)));
  for (const [args, want] of [
    [['--issuer', ISSUER], /oidc verify-token needs TOKEN_FILE/],
    [[file], /oidc verify-token needs --issuer URL/],
    [[file, '--issuer', 'https://oidc.example.com:8443'], /invalid --issuer "https:\/\/oidc\.example\.com:8443": must not have a port/],
    [[file, file, '--issuer', ISSUER], /takes no positional argument/],
    [[file, '--issuer', ISSUER, '--audience', ''], /invalid value "" for --audience/],
  ] as const) {
    const r = await runCli(['oidc', 'verify-token', ...args]);
    tt.equal(r.code, 2, args.join(' '));
    tt.equal(r.stdout, '');
    tt.match(r.stderr, want);
  }
});
