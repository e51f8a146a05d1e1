// `oidc discovery` through the built CLI: the document kube-apiserver serves,
// and every issuer and jwks_uri rule refused by name with exit 2.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { checkIssuer, checkJwksUri } from '../../src/oidc/issuer.js';
import { looksLikeStackTrace, runCli } from '../helpers/cli.js';
import { ecPair, expectedKid, rsaPair, tempDir } from './support.js';

const dir = tempDir(t);
const rsa = rsaPair(2048);
const p384 = ecPair('P-384');
const rsaFile = join(dir, 'sa.pub');
const ecFile = join(dir, 'ec.key');
writeFileSync(rsaFile, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
writeFileSync(ecFile, p384.privateKey.export({ type: 'sec1', format: 'pem' }));

t.test('the document, jwks_uri defaulting to the issuer + /openid/v1/jwks, algorithms sorted', async (tt) => {
  const r = await runCli(['oidc', 'discovery', '--issuer', 'https://oidc.example.com/cluster-1', '--public-key', ecFile, '--public-key', rsaFile]);
  tt.equal(r.code, 0, r.stderr);
  tt.equal(r.stderr, '');
  const doc = JSON.parse(r.stdout);
  tt.same(Object.keys(doc), ['issuer', 'jwks_uri', 'response_types_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported']);
  tt.same(doc, {
    issuer: 'https://oidc.example.com/cluster-1',
    jwks_uri: 'https://oidc.example.com/cluster-1/openid/v1/jwks',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES384', 'RS256'],
  });
  tt.equal(r.stdout, `${JSON.stringify(doc, null, 2)}\n`);
});

t.test('--jwks-uri is used as given, also on another host; one key, one algorithm', async (tt) => {
  const r = await runCli(['oidc', 'discovery', '--issuer', 'https://oidc.example.com', '--jwks-uri', 'https://keys.example.net:8443/k/jwks.json', '--public-key', rsaFile, '--public-key', rsaFile]);
  tt.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  tt.equal(doc.jwks_uri, 'https://keys.example.net:8443/k/jwks.json');
  tt.same(doc.id_token_signing_alg_values_supported, ['RS256']);
  tt.notOk(JSON.stringify(doc).includes(expectedKid(rsa.publicKey)), 'the discovery document carries no keys');
});

// Each STS rule, with the phrase the user sees.
const ISSUER_RULES: ReadonlyArray<[string, RegExp]> = [
  ['http://oidc.example.com', /must start with https:\/\/ \(lower case\), not http:\/\/: STS fetches over HTTPS only/],
  ['HTTPS://oidc.example.com', /must start with https:\/\/ \(lower case\)/],
  ['oidc.example.com/cluster-1', /not a URL; expected https:\/\/HOST\[\/PATH\]/],
  ['https://oidc.example.com/cluster-1?x=1', /must not have a query/],
  ['https://oidc.example.com/?', /must not have a query/],
  ['https://oidc.example.com/cluster-1#frag', /must not have a fragment/],
  ['https://user:pw@oidc.example.com', /must not contain user info/],
  ['https://oidc.example.com:443', /must not have a port: STS fetches the discovery document from port 443 only/],
  ['https://oidc.example.com:8443/cluster-1', /must not have a port/],
  ['https://[::1]:8443', /must not have a port/],
  ['https://oidc.example.com/', /must not end with "\/": the tokens' iss must equal the IAM provider URL byte for byte/],
  ['https://oidc.example.com/cluster-1/', /must not end with "\/"/],
  ['https://', /has no host/],
  ['https:///cluster-1', /has no host/],
  ['https://oidc.example.com/a//b', /must not contain "\/\/", "\/\.\/" or "\/\.\.\/"/],
  ['https://oidc.example.com/a/../b', /must not contain/],
  ['https://oidc.example.com/a b', /contains whitespace/],
  ['', /empty/],
];

t.test('issuer rules, in the library', async (tt) => {
  for (const [issuer, rule] of ISSUER_RULES) {
    const r = checkIssuer(issuer);
    tt.notOk(r.ok, issuer);
    if (!r.ok) tt.match(r.error, rule, issuer);
  }
  for (const good of ['https://oidc.example.com', 'https://oidc.example.com/cluster-1', 'https://bucket.s3.us-west-2.amazonaws.com/a/b-c_d', 'https://127.0.0.1/x', 'https://[::1]']) {
    tt.same(checkIssuer(good), { ok: true, value: good }, good);
  }
});

t.test('each issuer rule through the CLI: one line naming the rule, exit 2', async (tt) => {
  // A handful through the process (the rest are the same code path, checked above).
  for (const [issuer, rule] of [ISSUER_RULES[0]!, ISSUER_RULES[3]!, ISSUER_RULES[5]!, ISSUER_RULES[6]!, ISSUER_RULES[7]!, ISSUER_RULES[10]!]) {
    const r = await runCli(['oidc', 'discovery', '--issuer', issuer, '--public-key', rsaFile]);
    tt.equal(r.code, 2, issuer);
    tt.equal(r.stdout, '');
    tt.equal(r.stderr.trim().split('\n').length, 1);
    tt.match(r.stderr, `invalid --issuer "${issuer}": `);
    tt.match(r.stderr, rule);
    tt.notOk(looksLikeStackTrace(r.stderr));
  }
});

t.test('jwks_uri rules', async (tt) => {
  for (const [uri, rule] of [
    ['http://keys.example.com/jwks', /must start with https:\/\//],
    ['https://keys.example.com', /must name a file/],
    ['https://keys.example.com/keys/', /must name a file/],
    ['https://keys.example.com/jwks?v=2', /must not have a query/],
    ['https://u@keys.example.com/jwks', /must not contain user info/],
  ] as const) {
    const lib = checkJwksUri(uri);
    tt.notOk(lib.ok, uri);
    if (!lib.ok) tt.match(lib.error, rule);
  }
  tt.ok(checkJwksUri('https://keys.example.com:8443/jwks').ok, 'a port is allowed for the JWKS');
  const r = await runCli(['oidc', 'discovery', '--issuer', 'https://oidc.example.com', '--jwks-uri', 'https://keys.example.com/', '--public-key', rsaFile]);
  tt.equal(r.code, 2);
  tt.equal(r.stdout, '');
  tt.match(r.stderr, /invalid --jwks-uri "https:\/\/keys\.example\.com\/": must name a file/);
});

t.test('missing flags are usage errors', async (tt) => {
  const noIssuer = await runCli(['oidc', 'discovery', '--public-key', rsaFile]);
  tt.equal(noIssuer.code, 2);
  tt.match(noIssuer.stderr, /oidc discovery needs --issuer URL/);
  const noKey = await runCli(['oidc', 'discovery', '--issuer', 'https://oidc.example.com']);
  tt.equal(noKey.code, 2);
  tt.match(noKey.stderr, /oidc discovery needs --public-key FILE/);
});
