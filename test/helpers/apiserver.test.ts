// The apiserver stand-in is only worth trusting if it refuses what
// kube-apiserver refuses: one row per rule, each with a response or a patched
// pod that breaks exactly that rule, plus the v1beta1 leniencies it must keep.

import t from 'tap';
import { admit, AdmissionRejected, applyOperations, checkEnvelope, podProblems } from './apiserver.js';

type Obj = Record<string, any>;

function basePod(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'app-', labels: { app: 'web' } },
    spec: {
      serviceAccountName: 'app',
      volumes: [{ name: 'cache', emptyDir: {} }],
      containers: [{ name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
    },
  };
}

function request(apiVersion = 'admission.k8s.io/v1', pod: Obj = basePod()): Obj {
  return {
    apiVersion,
    kind: 'AdmissionReview',
    request: { uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'default', object: pod },
  };
}

/** The error `fn` throws; fails the test run when it throws nothing. */
function rejection(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

const b64 = (ops: unknown): string => Buffer.from(JSON.stringify(ops)).toString('base64');

function answer(req: Obj, ops: Obj[] | undefined, response: Obj = {}, envelope: Obj = {}): Obj {
  return {
    apiVersion: req.apiVersion,
    kind: 'AdmissionReview',
    ...envelope,
    response: {
      uid: req.request.uid,
      allowed: true,
      ...(ops ? { patchType: 'JSONPatch', patch: b64(ops) } : {}),
      ...response,
    },
  };
}

function tokenVolume(over: Obj = {}): Obj {
  return { name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token', ...over } }] } };
}

/** A chained pod's token volume: the token plus the config annotation as a file; `item` overrides the file. */
function chainVolume(item: Obj = {}): Obj {
  const file = { path: 'aws-config', fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['eks.amazonaws.com/aws-config']" }, ...item };
  const volume = tokenVolume();
  volume.projected.sources.push({ downwardAPI: { items: [file] } });
  return volume;
}

const mount = { name: 'aws-iam-token', readOnly: true, mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' };
const goodOps = [
  { op: 'add', path: '/spec/volumes/0', value: tokenVolume() },
  { op: 'add', path: '/spec/containers/0/env/-', value: { name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::111122223333:role/app' } },
  { op: 'add', path: '/spec/containers/0/volumeMounts/-', value: mount },
];

t.test('accepts', async (t) => {
  const rows: Array<[string, Obj, Obj]> = [
    ['v1 without patch', request(), answer(request(), undefined)],
    ['v1 with a good patch', request(), answer(request(), goodOps)],
    ['v1 with warnings', request(), answer(request(), undefined, { warnings: ['short and useful'] })],
    ['v1beta1 with a good patch', request('admission.k8s.io/v1beta1'), answer(request('admission.k8s.io/v1beta1'), goodOps)],
    // v1beta1 responses are not checked for GVK or uid.
    ['v1beta1 answered with apiVersion v1', request('admission.k8s.io/v1beta1'), answer(request('admission.k8s.io/v1beta1'), goodOps, {}, { apiVersion: 'admission.k8s.io/v1' })],
    ['v1beta1 answered without kind', request('admission.k8s.io/v1beta1'), answer(request('admission.k8s.io/v1beta1'), undefined, {}, { kind: undefined })],
    ['v1beta1 answered with another uid', request('admission.k8s.io/v1beta1'), answer(request('admission.k8s.io/v1beta1'), goodOps, { uid: 'someone-else' })],
    ['v1beta1 patchType without patch', request('admission.k8s.io/v1beta1'), answer(request('admission.k8s.io/v1beta1'), undefined, { patchType: 'JSONPatch' })],
  ];
  for (const [name, req, res] of rows) {
    const before = structuredClone(req);
    const admitted = admit(req, res);
    t.ok(admitted.pod, name);
    t.same(req, before, `${name}: the request is not modified`);
  }
  const { pod, operations } = admit(request(), answer(request(), goodOps));
  t.equal(operations.length, 3);
  t.equal(pod.spec.volumes[0].name, 'aws-iam-token', 'the patch was applied (RFC 6902 insert at index 0)');
  t.same(pod.spec.containers[0].env.map((e: Obj) => e.name), ['A', 'AWS_ROLE_ARN'], '"-" appends');
});

t.test('rejects broken envelopes', async (t) => {
  const v1 = request();
  const beta = request('admission.k8s.io/v1beta1');
  const rows: Array<[string, Obj, Obj, RegExp]> = [
    ['v1 uid mismatch', v1, answer(v1, goodOps, { uid: 'u-2' }), /uid/],
    ['v1 patch without patchType', v1, answer(v1, goodOps, { patchType: undefined }), /together|patchType/],
    ['v1 patchType without patch', v1, answer(v1, undefined, { patchType: 'JSONPatch' }), /together/],
    ['v1 patchType empty string', v1, answer(v1, undefined, { patchType: '' }), /empty/],
    ['v1 wrong apiVersion', v1, answer(v1, goodOps, {}, { apiVersion: 'admission.k8s.io/v1beta1' }), /apiVersion/],
    ['v1 wrong kind', v1, answer(v1, goodOps, {}, { kind: 'AdmissionResponse' }), /kind/],
    ['no response', v1, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /no response/],
    ['allowed missing', v1, answer(v1, undefined, { allowed: undefined }), /allowed/],
    ['patchType MergePatch', v1, answer(v1, goodOps, { patchType: 'MergePatch' }), /patchType/],
    ['v1beta1 patch without patchType', beta, answer(beta, goodOps, { patchType: undefined }), /unsupported patch type/],
    ['patch not base64', v1, answer(v1, goodOps, { patch: '[{"op":"add"}]' }), /base64/],
    ['patch URL-safe base64', v1, answer(v1, goodOps, { patch: b64(goodOps).replace(/\+/g, '-').replace(/\//g, '_') + (b64(goodOps).includes('+') || b64(goodOps).includes('/') ? '' : '_') }), /base64/],
    ['patch not an array', v1, answer(v1, undefined, { patchType: 'JSONPatch', patch: b64({ op: 'add' }) }), /array/],
    ['warning of 256 characters', v1, answer(v1, undefined, { warnings: ['x'.repeat(256)] }), /warning/],
    ['empty warning', v1, answer(v1, undefined, { warnings: [''] }), /warning/],
  ];
  for (const [name, req, res, why] of rows) {
    const err = rejection(() => admit(req, res));
    t.type(err, AdmissionRejected, `${name}: rejected`);
    t.match((err as Error | undefined)?.message, why, `${name}: for the right reason`);
  }
  t.type(rejection(() => checkEnvelope(v1, answer(v1, goodOps, { uid: 'u-2' }))), AdmissionRejected, 'checkEnvelope alone checks the uid');
  t.throws(() => admit(v1, answer(v1, undefined, { allowed: false })), /denied/, 'a denial fails the pod creation');
});

t.test('rejects patches that do not apply', async (t) => {
  const rows: Array<[string, Obj[]]> = [
    ['parent missing', [{ op: 'add', path: '/spec/initContainers/0/env/-', value: { name: 'A', value: 'b' } }]],
    ['index past the end', [{ op: 'add', path: '/spec/volumes/5', value: tokenVolume() }]],
    ['replace of a missing member', [{ op: 'replace', path: '/metadata/annotations', value: {} }]],
    ['failed test op', [{ op: 'test', path: '/metadata/labels/app', value: 'other' }]],
  ];
  for (const [name, ops] of rows) {
    t.throws(() => admit(request(), answer(request(), ops)), /does not apply/, name);
  }
  const pod = basePod();
  applyOperations(pod, goodOps);
  t.same(pod, basePod(), 'applyOperations works on a copy');
});

t.test('rejects pods the apiserver would refuse', async (t) => {
  const rows: Array<[string, Obj[], RegExp]> = [
    ['duplicate volume', [{ op: 'add', path: '/spec/volumes/-', value: { name: 'cache', emptyDir: {} } }], /duplicate volume name cache/],
    ['mount without volume', [{ op: 'add', path: '/spec/containers/0/volumeMounts/-', value: mount }], /has no volume/],
    ['duplicate mountPath', [
      { op: 'add', path: '/spec/volumes/0', value: tokenVolume() },
      { op: 'add', path: '/spec/containers/0/volumeMounts/-', value: { ...mount, mountPath: '/cache' } },
    ], /mountPath \/cache used twice/],
    ['bad env name', [{ op: 'add', path: '/spec/containers/0/env/-', value: { name: '1AWS', value: 'x' } }], /invalid env name/],
    ['env name with =', [{ op: 'add', path: '/spec/containers/0/env/-', value: { name: 'A=B', value: 'x' } }], /invalid env name/],
    ['env value not a string', [{ op: 'add', path: '/spec/containers/0/env/-', value: { name: 'N', value: 5 } }], /not a string/],
    ['expiration < 600', [{ op: 'add', path: '/spec/volumes/0', value: tokenVolume({ expirationSeconds: 599 }) }], /< 600/],
    ['expiration > 2^32', [{ op: 'add', path: '/spec/volumes/0', value: tokenVolume({ expirationSeconds: 2 ** 32 + 1 }) }], /2\^32/],
    ['absolute token path', [{ op: 'add', path: '/spec/volumes/0', value: tokenVolume({ path: '/token' }) }], /relative/],
    ['token path with ..', [{ op: 'add', path: '/spec/volumes/0', value: tokenVolume({ path: 'a/../../token' }) }], /relative/],
    ['empty token path', [{ op: 'add', path: '/spec/volumes/0', value: tokenVolume({ path: '' }) }], /relative/],
    ['volume name not a DNS label', [{ op: 'add', path: '/spec/volumes/0', value: { ...tokenVolume(), name: 'AWS_Token' } }], /DNS-1123/],
    ['mount without mountPath', [
      { op: 'add', path: '/spec/volumes/0', value: tokenVolume() },
      { op: 'add', path: '/spec/containers/0/volumeMounts/-', value: { name: 'aws-iam-token' } },
    ], /no mountPath/],
    ['readOnly not a boolean', [
      { op: 'add', path: '/spec/volumes/0', value: tokenVolume() },
      { op: 'add', path: '/spec/containers/0/volumeMounts/-', value: { ...mount, readOnly: 'true' } },
    ], /readOnly/],
    ['env replaced by an object', [{ op: 'add', path: '/spec/containers/0/env', value: { name: 'A' } }], /env is not an array/],
    ['bad label value', [{ op: 'add', path: '/metadata/labels/eks.amazonaws.com~1pod-identity', value: 'yes please' }], /label/],
    ['label value not a string', [{ op: 'add', path: '/metadata/labels/x', value: true }], /label/],
    // Annotations (ValidateAnnotations) and downwardAPI files, which a chained pod's config relies on.
    ['annotation key with two slashes', [{ op: 'add', path: '/metadata/annotations', value: { 'a/b/c': 'x' } }], /qualified name/],
    ['annotation prefix not a DNS subdomain', [{ op: 'add', path: '/metadata/annotations', value: { 'eks_amazonaws.com/aws-config': 'x' } }], /qualified name/],
    ['annotation name over 63', [{ op: 'add', path: '/metadata/annotations', value: { [`eks.amazonaws.com/${'n'.repeat(64)}`]: 'x' } }], /qualified name/],
    ['annotation name ending in -', [{ op: 'add', path: '/metadata/annotations', value: { 'eks.amazonaws.com/aws-': 'x' } }], /qualified name/],
    ['annotation value not a string', [{ op: 'add', path: '/metadata/annotations', value: { a: 1 } }], /not a string/],
    ['annotations over 256 KiB', [{ op: 'add', path: '/metadata/annotations', value: { a: 'x'.repeat(256 * 1024) } }], /bytes, above 262144/],
    ['projected paths collide', [{ op: 'add', path: '/spec/volumes/0', value: chainVolume({ path: 'token' }) }], /written twice/],
    ['downwardAPI path absolute', [{ op: 'add', path: '/spec/volumes/0', value: chainVolume({ path: '/aws-config' }) }], /relative/],
    ['downwardAPI path with ..', [{ op: 'add', path: '/spec/volumes/0', value: chainVolume({ path: 'x/../../aws-config' }) }], /relative/],
    ['downwardAPI path starting with ..', [{ op: 'add', path: '/spec/volumes/0', value: chainVolume({ path: '..data' }) }], /relative/],
    ['downwardAPI key not a qualified name', [{ op: 'add', path: '/spec/volumes/0', value: chainVolume({ fieldRef: { fieldPath: "metadata.annotations['a/b/c']" } }) }], /valid key/],
    ['downwardAPI field not for volumes', [{ op: 'add', path: '/spec/volumes/0', value: chainVolume({ fieldRef: { fieldPath: 'spec.nodeName' } }) }], /not supported/],
    ['downwardAPI item without a ref', [{ op: 'add', path: '/spec/volumes/0', value: chainVolume({ fieldRef: null }) }], /exactly one/],
    ['plain downwardAPI volume path with ..', [{ op: 'add', path: '/spec/volumes/0', value: { name: 'info', downwardAPI: { items: [{ path: '../x', fieldRef: { fieldPath: 'metadata.name' } }] } } }], /relative/],
  ];
  for (const [name, ops, why] of rows) {
    t.throws(() => admit(request(), answer(request(), ops)), { message: why }, name);
    t.ok(podProblems(applyOperations(basePod(), ops)).length > 0, `${name}: podProblems reports it`);
  }
  t.same(podProblems(basePod()), [], 'the base pod itself is valid');
  t.same(podProblems(applyOperations(basePod(), goodOps)), [], 'an IRSA injection is valid');
  const chained = [
    { op: 'add', path: '/metadata/annotations', value: { 'eks.amazonaws.com/aws-config': '[profile irsa-target]\n', 'Example.COM/Upper_case.ok': '' } },
    { op: 'add', path: '/spec/volumes/0', value: chainVolume() },
  ];
  t.same(podProblems(applyOperations(basePod(), chained)), [], 'a chained token volume and its annotation are valid (keys checked lowercased)');
});
