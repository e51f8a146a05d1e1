// `mutate` against input that is not a manifest stream, or is one meant to hurt:
// each is one line on stderr naming the file, exit 1, nothing on stdout, never
// an internal error (exit 70). And encodings a manifest really comes in
// (a UTF-8 BOM, UTF-16 from PowerShell) are read.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test as Tap } from 'tap';
import { parseAllDocuments } from 'yaml';
import { looksLikeStackTrace, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'piw-mutate-input-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const SA = 'examples/service-accounts.yaml';
const write = (name: string, data: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};
const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccountName: s3-reader\n  containers: [{name: c, image: x}]\n';
const roleOf = (stdout: string) => (parseAllDocuments(stdout)[0] as any).toJS().spec.containers[0].env.find((e: any) => e.name === 'AWS_ROLE_ARN')?.value;

async function refused(tt: Tap, argv: string[], line: RegExp, opts: { stdin?: string | Buffer } = {}) {
  const r = await runCli(['mutate', '--service-accounts', SA, ...argv], opts);
  tt.equal(r.code, 1, `${argv.join(' ')}: exit 1`);
  tt.equal(r.stdout, '', 'nothing on stdout');
  tt.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
  tt.match(r.stderr, line);
  tt.notMatch(r.stderr, /internal error/);
  tt.notOk(looksLikeStackTrace(r.stderr));
}

t.test('a UTF-8 BOM and UTF-16 (LE and BE, with a BOM) are decoded', async (tt) => {
  const cases: Record<string, Buffer> = {
    'bom.yaml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(POD)]),
    'utf16le.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(POD, 'utf16le')]),
    'utf16be.yaml': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(POD, 'utf16le').swap16()]),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const r = await runCli(['mutate', '--service-accounts', SA, '-f', write(name, bytes)]);
    tt.equal(r.code, 0, `${name}: ${r.stderr}`);
    tt.equal(roleOf(r.stdout), 'arn:aws:iam::111122223333:role/s3-reader', name);
    const piped = await runCli(['mutate', '--service-accounts', SA, '-f', '-'], { stdin: bytes });
    tt.equal(roleOf(piped.stdout), 'arn:aws:iam::111122223333:role/s3-reader', `${name} on stdin`);
  }
  const json = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: 's3-reader', containers: [{ name: 'c' }] } }), 'utf16le')]);
  const r = await runCli(['mutate', '--service-accounts', SA, '-f', write('utf16.json', json)]);
  tt.equal(roleOf(r.stdout), 'arn:aws:iam::111122223333:role/s3-reader', 'UTF-16 JSON');
});

t.test('not manifests: strings, lists, numbers, binary, NULs, empty input', async (tt) => {
  await refused(tt, ['-f', write('string.yaml', '"just a string"\n')], /^pod-identity-webhook mutate: .*string\.yaml: the string "just a string" is not a Kubernetes object \(a mapping with apiVersion, kind and metadata\)$/m);
  await refused(tt, ['-f', write('list.yaml', '- a\n- b\n')], /list\.yaml: a list is not a Kubernetes object/);
  await refused(tt, ['-f', write('list.json', '[1, 2]')], /list\.json: a list is not a Kubernetes object/);
  await refused(tt, ['-f', write('second.yaml', `${POD}---\n42\n`)], /second\.yaml \(document 2\): the number 42 is not a Kubernetes object/);
  await refused(tt, ['-f', write('plain.txt', 'hello world, this is not yaml\n')], /plain\.txt: the string "hello world, this is not yaml" is not a Kubernetes object/);
  // Bytes of a gzip header, a PNG and random data: not UTF-8.
  const junk = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xd8, 0xc3, 0x28, 0xa0, 0xa1]);
  await refused(tt, ['-f', write('junk.bin', junk)], /junk\.bin: not UTF-8 or UTF-16 text: it holds bytes that are not UTF-8 \(a binary file\?\); save it as UTF-8$/m);
  await refused(tt, ['-f', '-'], /<stdin>: not UTF-8 or UTF-16 text/, { stdin: junk });
  await refused(tt, ['-f', write('nul.yaml', 'kind: Pod\n\0\0\0\n')], /nul\.yaml: not UTF-8 or UTF-16 text: it holds NUL characters \(binary data, or UTF-16 without a byte-order mark\?\)/);
  await refused(tt, ['-f', write('utf16-nobom.yaml', Buffer.from(POD, 'utf16le'))], /utf16-nobom\.yaml: not UTF-8 or UTF-16 text: it holds NUL characters/);
  await refused(tt, ['-f', write('empty.yaml', '')], /^pod-identity-webhook mutate: .*empty\.yaml: no document found$/m);
  await refused(tt, ['-f', write('comments.yaml', '# only a comment\n---\n---\n')], /comments\.yaml: no document found$/m);
  await refused(tt, ['-f', '-'], /<stdin>: no document found$/m, { stdin: '' });
  const twice = await runCli(['mutate', '-f', '-', '-f', '-'], { stdin: POD });
  tt.equal(twice.code, 2, 'stdin can be read once');
  tt.equal(twice.stderr, 'pod-identity-webhook mutate: - (stdin) is given more than once, but stdin can be read only once\n');
  // A good file beside a bad one: still nothing printed.
  await refused(tt, ['-f', write('good.yaml', POD), '-f', write('bad-after.yaml', '"x"\n')], /bad-after\.yaml: the string "x"/);
});

t.test('resource exhaustion is an input error naming the file, never an internal error', async (tt) => {
  let bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (const [n, p] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f'], ['h', 'g'], ['i', 'h']]) bomb += `${n}: &${n} [${Array(9).fill(`*${p}`).join(',')}]\n`;
  await refused(tt, ['-f', write('bomb.yaml', bomb)], /bomb\.yaml \(document 1\): its YAML aliases expand too far \(past 100 alias expansions, as a "billion laughs" resource-exhaustion document does\)/);
  await refused(tt, ['-f', write('deep.json', `${'['.repeat(200_000)}${']'.repeat(200_000)}`)], /deep\.json \(document 1\): nested more than 256 levels deep/);
  await refused(tt, ['-f', write('deep-object.json', `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`)], /deep-object\.json \(document 1\): nested more than 256 levels deep/);
  await refused(tt, ['-f', write('deep.yaml', `${'- '.repeat(200_000)}x\n`)], /deep\.yaml \(document 1\): nested more than 256 levels deep/);
  await refused(tt, ['-f', write('deep-flow.yaml', `a: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`)], /deep-flow\.yaml \(document 1\): nested more than 256 levels deep/);
  await refused(tt, ['-f', write('cycle.yaml', 'a: &a [*a]\n')], /cycle\.yaml \(document 1\): (nested more than 256 levels deep \(or cyclic|its YAML aliases)/);
  // 300 levels parse fine but are deeper than any manifest.
  await refused(tt, ['-f', write('deep300.json', `${'{"a":'.repeat(300)}1${'}'.repeat(300)}`)], /deep300\.json \(document 1\): nested more than 256 levels deep/);
});

t.test('a document over 4 MiB is refused before it is held; a long stream of small ones is not', async (tt) => {
  const big = 'x'.repeat(1024 * 1024);
  const cm = (name: string, mib: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata:\n  blob: |\n${Array(mib).fill(`    ${big}`).join('\n')}\n`;
  const line = /huge\.yaml \(document 2\): the document is larger than 4 MiB, the most mutate reads as one document \(the API server takes at most 3 MiB per object\); give a List's items as separate documents$/m;
  await refused(tt, ['-f', write('huge.yaml', `${POD}---\n${cm('huge', 5)}`)], line);
  await refused(tt, ['-f', '-'], /<stdin> \(document 1\): the document is larger than 4 MiB/, { stdin: `a: ${'y'.repeat(5 * 1024 * 1024)}\n` });
  await refused(tt, ['-f', write('huge.json', JSON.stringify({ kind: 'ConfigMap', data: { blob: big.repeat(5) } }))], /huge\.json \(document 1\): the document is larger than 4 MiB/);
  const stream = [POD, ...Array.from({ length: 6 }, (_, i) => cm(`part${i}`, 1))].join('---\n');
  const r = await runCli(['mutate', '--service-accounts', SA, '-f', write('long.yaml', stream)]);
  tt.equal(r.code, 0, r.stderr);
  tt.ok(stream.length > 6 * 1024 * 1024, 'the stream is larger than one document may be');
  tt.equal(parseAllDocuments(r.stdout).length, 7);
});
