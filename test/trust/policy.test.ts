// Generated trust policies: their exact shape, and that the evaluator allows
// each for its own ServiceAccount and refuses it for every neighbour (another
// namespace, name, audience, provider account or issuer).

import fc from 'fast-check';
import t from 'tap';
import { parseTrustPolicy } from '../../src/trust/document.js';
import { evaluate, type TrustRequest } from '../../src/trust/evaluate.js';
import { podIdentityStatement, trustPolicy, webIdentityStatement } from '../../src/trust/policy.js';
import { providerFromIssuer, type OidcProvider } from '../../src/trust/provider.js';
import { podIdentityRequests, webIdentityRequest } from '../../src/trust/request.js';
import type { Json } from '../../src/util/json.js';

const provider = (account = '111122223333', issuer = 'https://oidc.example.com/c1', partition = 'aws'): OidcProvider => {
  const p = providerFromIssuer(account, issuer, partition);
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
};
const P = provider();

/** Through JSON text and check-trust's parser, as a user's file would go. */
function outcomes(policy: Json, requests: TrustRequest[]): string[] {
  const parsed = parseTrustPolicy(JSON.parse(JSON.stringify(policy)) as Json, 'generated');
  if (!parsed.ok) throw new Error(parsed.error.message);
  return requests.map((r) => evaluate(parsed.value, r).outcome);
}

t.test('IRSA policy: shape', async (tt) => {
  tt.same(trustPolicy(webIdentityStatement(P, { namespace: 'default', serviceAccount: 's3-reader' })), {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'AllowServiceAccountWebIdentity',
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/oidc.example.com/c1' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: {
        'oidc.example.com/c1:sub': 'system:serviceaccount:default:s3-reader',
        'oidc.example.com/c1:aud': 'sts.amazonaws.com',
      } },
    }],
  });
  tt.same(webIdentityStatement(P, { namespace: 'team-?', serviceAccount: '*' }, 'my-aud').Condition, {
    StringLike: { 'oidc.example.com/c1:sub': 'system:serviceaccount:team-?:*' },
    StringEquals: { 'oidc.example.com/c1:aud': 'my-aud' },
  }, 'a wildcard makes sub StringLike; aud stays StringEquals');
});

t.test('Pod Identity policy: shape', async (tt) => {
  tt.same(trustPolicy(podIdentityStatement({ namespace: 'apps', serviceAccount: 'agent' })), {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'AllowEksPodIdentity',
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'apps', 'aws:RequestTag/kubernetes-service-account': 'agent' } },
    }],
  });
  tt.same(podIdentityStatement({ namespace: 'apps-*', serviceAccount: 'agent' }).Condition, {
    StringEquals: { 'aws:RequestTag/kubernetes-service-account': 'agent' },
    StringLike: { 'aws:RequestTag/kubernetes-namespace': 'apps-*' },
  });
});

interface Case {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** A concrete ServiceAccount the policy covers. */
  readonly own: readonly [string, string];
  /** Concrete ServiceAccounts it must not cover. */
  readonly neighbours: ReadonlyArray<readonly [string, string]>;
}

const cases: Case[] = [
  { name: 'exact', namespace: 'default', serviceAccount: 'app', own: ['default', 'app'],
    neighbours: [['default', 'app2'], ['default', 'ap'], ['prod', 'app'], ['defaults', 'app'], ['default', 'App']] },
  { name: 'namespace wildcard', namespace: 'team-*', serviceAccount: 'app', own: ['team-a', 'app'],
    neighbours: [['team', 'app'], ['team-a', 'web'], ['other-team-a', 'app']] },
  { name: 'name wildcard', namespace: 'default', serviceAccount: '*', own: ['default', 'anything'],
    neighbours: [['kube-system', 'anything']] },
  { name: 'single-character wildcard', namespace: 'default', serviceAccount: 'worker-?', own: ['default', 'worker-1'],
    neighbours: [['default', 'worker-10'], ['default', 'worker-']] },
];

for (const c of cases) {
  t.test(`IRSA ${c.name}: allowed for its own ServiceAccount, refused for neighbours`, async (tt) => {
    const policy = trustPolicy(webIdentityStatement(P, c, 'sts.amazonaws.com'));
    const call = (ns: string, sa: string, audience = 'sts.amazonaws.com', p = P) => webIdentityRequest({ provider: p, namespace: ns, serviceAccount: sa, audience });
    tt.same(outcomes(policy, [call(...c.own)]), ['allowed']);
    for (const [ns, sa] of c.neighbours) tt.same(outcomes(policy, [call(ns, sa)]), ['implicit-deny'], `${ns}/${sa} refused`);
    tt.same(outcomes(policy, [call(...c.own, 'other-audience')]), ['implicit-deny'], 'another audience refused');
    tt.same(outcomes(policy, [call(...c.own, 'sts.amazonaws.com', provider('444455556666'))]), ['implicit-deny'], 'the same issuer in another account refused');
    tt.same(outcomes(policy, [call(...c.own, 'sts.amazonaws.com', provider('111122223333', 'https://oidc.example.com/c2'))]), ['implicit-deny'], 'another issuer refused');
  });
  t.test(`Pod Identity ${c.name}: both actions allowed for its own ServiceAccount, refused for neighbours`, async (tt) => {
    const policy = trustPolicy(podIdentityStatement(c));
    const [ns, sa] = c.own;
    tt.same(outcomes(policy, podIdentityRequests({ namespace: ns, serviceAccount: sa })), ['allowed', 'allowed']);
    for (const [n, s] of c.neighbours) tt.same(outcomes(policy, podIdentityRequests({ namespace: n, serviceAccount: s })), ['implicit-deny', 'implicit-deny'], `${n}/${s} refused`);
    tt.same(outcomes(policy, [webIdentityRequest({ provider: P, namespace: ns, serviceAccount: sa, audience: 'sts.amazonaws.com' })]), ['implicit-deny'], 'not usable through IRSA');
  });
}

t.test('any ServiceAccount: its generated policy lets it in and keeps its neighbours out', async (tt) => {
  const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
  fc.assert(fc.property(label, label, label, label, (ns, sa, otherNs, otherSa) => {
    fc.pre(ns !== otherNs || sa !== otherSa);
    const irsa = trustPolicy(webIdentityStatement(P, { namespace: ns, serviceAccount: sa }));
    const call = (n: string, s: string) => webIdentityRequest({ provider: P, namespace: n, serviceAccount: s, audience: 'sts.amazonaws.com' });
    const pod = trustPolicy(podIdentityStatement({ namespace: ns, serviceAccount: sa }));
    return outcomes(irsa, [call(ns, sa)])[0] === 'allowed'
      && outcomes(irsa, [call(otherNs, otherSa)])[0] === 'implicit-deny'
      && outcomes(pod, podIdentityRequests({ namespace: ns, serviceAccount: sa })).every((o) => o === 'allowed')
      && outcomes(pod, podIdentityRequests({ namespace: otherNs, serviceAccount: otherSa })).every((o) => o === 'implicit-deny');
  }), { numRuns: 300 });
  tt.pass('property held');
});
