// The AdmissionReview envelope: versions echoed, uid kept, patch only with
// operations, only pod CREATE mutated, client errors as values.

import t from 'tap';
import { handleReview } from '../../src/admission/handle.js';
import { encodeResponse, reviewBody } from '../../src/admission/review.js';
import { DEFAULT_ENGINE_CONFIG } from '../../src/engine/config.js';
import { ServiceAccountCache } from '../../src/identity/service-account-cache.js';
import { PodIdentitySet } from '../../src/identity/pod-identity-file.js';
import { storesSource } from '../../src/identity/source.js';
import { admit } from '../helpers/apiserver.js';
import { ROLE } from '../helpers/engine.js';

const serviceAccounts = new ServiceAccountCache();
serviceAccounts.set({ namespace: 'ns', name: 'app', annotations: { 'eks.amazonaws.com/role-arn': ROLE } });
const deps = { source: storesSource({ serviceAccounts, podIdentity: new PodIdentitySet() }), config: DEFAULT_ENGINE_CONFIG, random: () => 0.5 };

const review = (over: Record<string, unknown> = {}, apiVersion = 'admission.k8s.io/v1') => ({
  apiVersion, kind: 'AdmissionReview',
  request: {
    uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'ns', operation: 'CREATE',
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'app-' }, spec: { serviceAccountName: 'app', containers: [{ name: 'c' }] } },
    ...over,
  },
});

for (const version of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
  t.test(`${version} is echoed with uid and a JSONPatch`, async (tt) => {
    const req = review({}, version);
    const out = await handleReview(req, deps);
    tt.ok(out.ok);
    if (!out.ok) return;
    tt.equal(out.value.response.apiVersion, version);
    tt.equal(out.value.response.kind, 'AdmissionReview');
    tt.equal(out.value.response.response.uid, 'u-1');
    tt.equal(out.value.response.response.allowed, true);
    tt.equal(out.value.response.response.patchType, 'JSONPatch');
    const admitted = admit(req, out.value.response);
    tt.ok(admitted.operations.length > 0);
    tt.equal(out.value.decision.pod, 'app-');
    tt.equal(out.value.decision.mode, 'irsa');
  });
}

t.test('request.namespace is used even when the pod names another', async (tt) => {
  const req = review({ namespace: 'ns' });
  (req.request.object as any).metadata.namespace = 'elsewhere';
  const out = await handleReview(req, deps);
  tt.ok(out.ok && out.value.decision.mutated);
});

const untouched: Array<[string, Record<string, unknown>]> = [
  ['UPDATE', { operation: 'UPDATE' }],
  ['DELETE', { operation: 'DELETE', object: null }],
  ['a Deployment', { kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, resource: { group: 'apps', version: 'v1', resource: 'deployments' } }],
  ['a pod subresource', { subResource: 'ephemeralcontainers' }],
  ['a ConfigMap', { kind: { group: '', version: 'v1', kind: 'ConfigMap' }, resource: { group: '', version: 'v1', resource: 'configmaps' } }],
];
for (const [name, over] of untouched) {
  t.test(`${name} is allowed without a patch`, async (tt) => {
    const out = await handleReview(review(over), deps);
    tt.ok(out.ok);
    if (!out.ok) return;
    tt.same(out.value.response.response, { uid: 'u-1', allowed: true });
    tt.equal(out.value.decision.mutated, false);
  });
}

t.test('unknown ServiceAccount: allowed, no patch, counted as missing', async (tt) => {
  const req = review();
  (req.request.object as any).spec.serviceAccountName = 'nobody';
  const out = await handleReview(req, deps);
  tt.ok(out.ok && !out.value.response.response.patch && out.value.decision.missingServiceAccount);
});

const bad: Array<[string, unknown, string]> = [
  ['not an object', 'hello', 'E_REVIEW_NOT_OBJECT'],
  ['an array', [], 'E_REVIEW_NOT_OBJECT'],
  ['wrong kind', { apiVersion: 'v1', kind: 'Pod' }, 'E_REVIEW_WRONG_KIND'],
  ['unknown version', { apiVersion: 'admission.k8s.io/v2', kind: 'AdmissionReview', request: {} }, 'E_REVIEW_WRONG_KIND'],
  ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 'E_REVIEW_NO_REQUEST'],
  ['request without uid', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }, 'E_REVIEW_NO_UID'],
  ['pod without spec', review({ object: { kind: 'Pod', metadata: {} } }), 'E_REVIEW_BAD_POD'],
  ['pod with containers not an array', review({ object: { spec: { containers: {} } } }), 'E_REVIEW_BAD_POD'],
  ['pod container without name', review({ object: { spec: { containers: [{ image: 'x' }] } } }), 'E_REVIEW_BAD_POD'],
  ['pod that is a string', review({ object: 'pod' }), 'E_REVIEW_BAD_POD'],
];
for (const [name, body, code] of bad) {
  t.test(`client error: ${name}`, async (tt) => {
    const out = await handleReview(body, deps);
    tt.notOk(out.ok);
    if (out.ok) return;
    tt.equal(out.error.code, code);
    tt.notMatch(out.error.message, /\n|at .*\.js/, 'one line, no stack');
  });
}

t.test('a cached ServiceAccount is answered synchronously; a source that waits gives a promise', async (tt) => {
  const sync = handleReview(review(), deps);
  tt.notOk(sync instanceof Promise, 'cache hit: no promise');
  const waiting = { ...deps, source: { ...deps.source, lookup: (ns: string, sa: string) => Promise.resolve(deps.source.lookup(ns, sa)) } };
  const later = handleReview(review(), waiting);
  tt.ok(later instanceof Promise, 'the source waited: a promise');
  tt.same(await later, sync, 'same answer either way');
});

t.test('reviewBody is byte for byte JSON.stringify of the response', (tt) => {
  const outs = [
    encodeResponse({ apiVersion: 'admission.k8s.io/v1' }, 'u-1', [], []),
    encodeResponse({ apiVersion: 'admission.k8s.io/v1beta1' }, 'u-"quoted"\\', [{ op: 'add', path: '/x', value: 'ünïcödé \u2028' }], []),
    encodeResponse({ apiVersion: 'admission.k8s.io/v1' }, 'u\n\u0001', [{ op: 'add', path: '/spec/volumes', value: [] }], ['pod-identity-webhook: "quoted" — ünïcödé', 'second\twarning']),
    encodeResponse({ apiVersion: 'admission.k8s.io/v1' }, 'u-2', [], ['a warning without a patch']),
  ];
  for (const out of outs) tt.equal(reviewBody(out).toString('utf8'), JSON.stringify(out), JSON.stringify(out).slice(0, 80));
  tt.end();
});
