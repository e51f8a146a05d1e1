// Deterministic malformed (and some well-formed) AdmissionReview request
// bodies for the server fuzz. One seeded PRNG picks the damage; fast-check
// samples (same seed) supply random pods and random JSON values.

import fc from 'fast-check';
import { podArb } from './arbitraries.js';
import { podReview } from '../helpers/review.js';

type Obj = Record<string, any>;

export interface Body {
  readonly kind: string;
  readonly bytes: Buffer;
  readonly contentType: string | undefined;
  readonly path: string;
  /** Statuses this body may get besides "4xx or a valid review" (checked only as a sanity floor). */
  readonly expect: 'ok' | '4xx' | 'any';
}

/** mulberry32: tiny, seedable, good enough to pick cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export function review(pod: unknown, uid: string, apiVersion = 'admission.k8s.io/v1', namespace = 'default'): Obj {
  return podReview(uid, namespace, pod as Record<string, unknown>, apiVersion);
}

/** Every JSON pointer-ish path (as key arrays) in a value, parents before children. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(value)) value.forEach((v, i) => { out.push([...prefix, i]); paths(v, [...prefix, i], out); });
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { out.push([...prefix, k]); paths(v, [...prefix, k], out); }
  }
  return out;
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

const BROKEN_REQUESTS: Array<[string, (r: Obj, rand: () => number) => void]> = [
  ['object null', (r) => { r.request.object = null; }],
  ['object a string', (r) => { r.request.object = 'pod'; }],
  ['spec missing', (r) => { delete r.request.object.spec; }],
  ['spec null', (r) => { r.request.object.spec = null; }],
  ['containers missing', (r) => { delete r.request.object.spec.containers; }],
  ['containers an object', (r) => { r.request.object.spec.containers = { name: 'app' }; }],
  ['containers of numbers', (r) => { r.request.object.spec.containers = [1, 2]; }],
  ['container name a number', (r) => { r.request.object.spec.containers = [{ name: 5 }]; }],
  ['initContainers a string', (r) => { r.request.object.spec.initContainers = 'init'; }],
  ['metadata an array', (r) => { r.request.object.metadata = []; }],
  ['metadata null', (r) => { r.request.object.metadata = null; }],
  ['annotations a string', (r) => { r.request.object.metadata = { annotations: 'x' }; }],
  ['labels an array', (r) => { r.request.object.metadata = { labels: ['a'] }; }],
  ['volumes an object', (r) => { r.request.object.spec.volumes = { name: 'v' }; }],
  ['env a string', (r) => { r.request.object.spec.containers = [{ name: 'app', env: 'A=1' }]; }],
  ['volumeMounts of nulls', (r) => { r.request.object.spec.containers = [{ name: 'app', volumeMounts: [null] }]; }],
  ['serviceAccountName a number', (r) => { r.request.object.spec.serviceAccountName = 42; }],
  ['operation UPDATE', (r) => { r.request.operation = 'UPDATE'; r.request.oldObject = r.request.object; }],
  ['operation DELETE, no object', (r) => { r.request.operation = 'DELETE'; r.request.object = null; }],
  ['kind Deployment', (r) => { r.request.kind = { group: 'apps', version: 'v1', kind: 'Deployment' }; }],
  ['subresource status', (r) => { r.request.subResource = 'status'; }],
  ['uid empty', (r) => { r.request.uid = ''; }],
  ['uid a number', (r) => { r.request.uid = 7; }],
  ['uid missing', (r) => { delete r.request.uid; }],
  ['request null', (r) => { r.request = null; }],
  ['request an array', (r) => { r.request = [r.request]; }],
  ['apiVersion v2', (r) => { r.apiVersion = 'admission.k8s.io/v2'; }],
  ['apiVersion missing', (r) => { delete r.apiVersion; }],
  ['kind AdmissionResponse', (r) => { r.kind = 'AdmissionResponse'; }],
  ['namespace a number', (r) => { r.request.namespace = 3; }],
  // Names never seen before: nothing keyed by them (metrics labels, caches) may grow without bound.
  ['random ServiceAccount name', (r, rand) => { r.request.object.spec.serviceAccountName = `sa-${rand().toString(36).slice(2)}`; }],
  ['random namespace', (r, rand) => { r.request.namespace = `ns-${rand().toString(36).slice(2)}`; }],
  ['__proto__ keys', (r) => { r.request.object.metadata = JSON.parse('{"__proto__":{"polluted":true},"annotations":{"__proto__":"x"}}'); }],
];

const CONTENT_TYPES = [
  'text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/yaml', 'multipart/form-data; boundary=x',
  'application/jsonx', 'json', '', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'APPLICATION/JSON',
  'application/json; charset=utf-16', 'application/merge-patch+json', 'application/octet-stream',
];

const INVALID_UTF8 = [
  Buffer.from([0xff]), Buffer.from([0xfe, 0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xe0, 0x80, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xc3]),
];

export interface BodyOptions {
  readonly seed: number;
  readonly count: number;
  /** The server's --max-request-bytes. */
  readonly maxBytes: number;
}

/** Yields `count` bodies; huge ones are built only when their turn comes. */
export function* bodies(opts: BodyOptions): Generator<Body> {
  const rand = prng(opts.seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const pods = fc.sample(podArb, { seed: opts.seed, numRuns: 512 });
  const junk = fc.sample(fc.jsonValue({ maxDepth: 3 }), { seed: opts.seed + 1, numRuns: 512 });
  const json = 'application/json';
  const body = (kind: string, text: string | Buffer, expect: Body['expect'], contentType: string | undefined = json, path = '/mutate?timeout=10s'): Body =>
    ({ kind, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'), contentType, path, expect });
  const validReview = (i: number): Obj => review(structuredClone(pick(pods)), `uid-${i}`, rand() < 0.8 ? 'admission.k8s.io/v1' : 'admission.k8s.io/v1beta1');

  for (let i = 0; i < opts.count; i++) {
    const r = rand();
    if (r < 0.15) {
      yield body('valid review, random pod', JSON.stringify(validReview(i)), 'ok');
    } else if (r < 0.27) {
      const text = JSON.stringify(validReview(i));
      yield body('truncated JSON', text.slice(0, int(text.length)), '4xx');
    } else if (r < 0.42) {
      const rev = validReview(i);
      const all = paths(rev);
      const at = pick(all);
      let parent: any = rev;
      for (const k of at.slice(0, -1)) parent = parent[k];
      const before = parent[at[at.length - 1] as string];
      let replacement = pick(junk);
      for (let tries = 0; tries < 5 && typeOf(replacement) === typeOf(before); tries++) replacement = pick(junk);
      parent[at[at.length - 1] as string] = replacement;
      yield body(`wrong type at depth ${at.length}`, JSON.stringify(rev), 'any');
    } else if (r < 0.50) {
      const rev = validReview(i);
      const at = pick(paths(rev));
      let parent: any = rev;
      for (const k of at.slice(0, -1)) parent = parent[k];
      if (Array.isArray(parent)) parent.splice(at[at.length - 1] as number, 1);
      else delete parent[at[at.length - 1] as string];
      yield body('field removed', JSON.stringify(rev), 'any');
    } else if (r < 0.58) {
      const [name, damage] = pick(BROKEN_REQUESTS);
      const rev = validReview(i);
      rev.request.object ??= { spec: { containers: [] } };
      if (typeof rev.request.object === 'object') rev.request.object.spec ??= { containers: [{ name: 'app' }] };
      damage(rev, rand);
      yield body(`broken: ${name}`, JSON.stringify(rev), 'any');
    } else if (r < 0.64) {
      yield body('random JSON value', JSON.stringify(pick(junk)), '4xx');
    } else if (r < 0.70) {
      const ct = pick(CONTENT_TYPES);
      const variant = int(3);
      const text = variant === 0 ? JSON.stringify(validReview(i)) : variant === 1 ? 'apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\n' : 'a=b&c=d';
      yield body(`content type ${JSON.stringify(ct)}`, text, 'any', ct === '' ? undefined : ct);
    } else if (r < 0.75) {
      const text = pick(['', ' ', '\n', 'null', '[]', '{}', '""', 'true', '0', '-', '{"', '\u0000', '\ufeff{}', 'NaN', '{"a":1}garbage', '{"a":1,}', '// comment\n{}', '{\'a\':1}']);
      yield body(`tiny body ${JSON.stringify(text)}`, text, '4xx');
    } else if (r < 0.81) {
      const text = Buffer.from(JSON.stringify(validReview(i)), 'utf8');
      // Inside a string value (an annotation), so the JSON stays well-formed once decoded.
      const rev = validReview(i);
      rev.request.object.metadata = { ...(rev.request.object.metadata ?? {}), annotations: { note: 'MARK' } };
      const marked = Buffer.from(JSON.stringify(rev), 'utf8');
      const at = marked.indexOf('MARK');
      const bad = pick(INVALID_UTF8);
      yield rand() < 0.5
        ? body('invalid UTF-8 inside a string', Buffer.concat([marked.subarray(0, at), bad, marked.subarray(at + 4)]), 'any')
        : body('invalid UTF-8 between tokens', Buffer.concat([text.subarray(0, 1), bad, text.subarray(1)]), '4xx');
    } else if (r < 0.86) {
      const n = 1 + int(20000);
      const variant = int(4);
      const text = variant === 0 ? '['.repeat(n) + ']'.repeat(n)
        : variant === 1 ? '['.repeat(n)
          : variant === 2 ? '{"a":'.repeat(n) + '1' + '}'.repeat(n)
            // Capped so the checking side (structuredClone, fast-json-patch) does not hit its own stack limit.
            : JSON.stringify(validReview(i)).replace('"spec":{', `"spec":{"x-deep":${'['.repeat(Math.min(n, 1000))}${']'.repeat(Math.min(n, 1000))},`);
      yield body(`deep nesting ${n} (variant ${variant})`, text, variant === 3 ? 'any' : '4xx');
    } else if (r < 0.88) {
      const rev = validReview(i);
      const size = 1024 * (16 + int(256));
      rev.request.object['x-padding'] = 'x'.repeat(size);
      yield body(`huge string ${size} B`, JSON.stringify(rev), 'ok');
    } else if (r < 0.885) {
      const rev = validReview(i);
      rev.request.object['x-padding'] = 'y'.repeat(opts.maxBytes + int(1024 * 1024));
      yield body('over --max-request-bytes', JSON.stringify(rev), '4xx');
    } else if (r < 0.92) {
      const bytes = Buffer.alloc(1 + int(4096));
      for (let b = 0; b < bytes.length; b++) bytes[b] = int(256);
      yield body('random bytes', bytes, '4xx', pick([json, 'application/octet-stream']));
    } else if (r < 0.95) {
      const rev = JSON.stringify(validReview(i));
      const variant = int(4);
      const text = variant === 0 ? `\ufeff${rev}` : variant === 1 ? `${rev}${rev}` : variant === 2 ? rev.replace('"kind":"AdmissionReview"', '"kind":"AdmissionReview","kind":"Other"') : `  \n${rev}\n  `;
      yield body(`framing variant ${variant}`, text, 'any');
    } else if (r < 0.97) {
      const rev = validReview(i);
      const many = int(2000) + 1;
      rev.request.object.spec.containers = Array.from({ length: many }, (_, k) => ({ name: `c${k}`, env: [{ name: 'A', value: 'b' }] }));
      yield body(`${many} containers`, JSON.stringify(rev), 'ok');
    } else {
      const path = pick(['/mutate', '/mutate/', '/MUTATE', '/', '/mutate?timeout=1s&x=%zz', '/%', '/healthz', '/' + 'a'.repeat(5000)]);
      yield body(`path ${path.slice(0, 40)}`, JSON.stringify(validReview(i)), 'any', json, path);
    }
  }
}
