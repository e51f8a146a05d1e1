import t from 'tap';
import { ListFormatError, ListScanner } from '../../src/kubernetes/list-stream.js';
import { WatchLines } from '../../src/kubernetes/watch-lines.js';

// Everything a scanner that only finds value ends can get wrong: brackets and
// quotes inside strings, escaped quotes and backslashes, multi-byte UTF-8 cut
// between chunks, literals as items, metadata after items, nested unknown members.
const ITEMS: unknown[] = [
  { metadata: { name: 'a', annotations: { 'x/y': 'has "quotes", {braces}, [brackets] and \\\\ a backslash\\\\' } } },
  { metadata: { name: 'ü-ß-漢字-😀', namespace: 'ns' }, list: [[], [{}], [1, [2, [3]]]], n: -1.5e3, t: true, f: false, z: null },
  'a string item with \\u0041 and \\"',
  42,
  null,
  {},
  [],
];
const DOC = `{"kind":"ServiceAccountList","apiVersion":"v1","extra":{"nested":[1,{"a":"]}"}],"s":"}"},"num":7,"items":${JSON.stringify(ITEMS)},"metadata":{"resourceVersion":"123","continue":"abc"}}`;
const PRETTY = JSON.stringify(JSON.parse(DOC), null, 2);

function scan(doc: Buffer, cuts: number[], max = 1 << 20): { items: unknown[]; oversized: number[]; metadata: unknown } {
  const items: unknown[] = [];
  const oversized: number[] = [];
  const s = new ListScanner(max, { item: (v) => items.push(v), oversized: (n) => oversized.push(n) });
  let from = 0;
  for (const cut of [...cuts, doc.length]) {
    s.push(doc.subarray(from, cut));
    from = cut;
  }
  s.end();
  return { items, oversized, metadata: s.metadata };
}

t.test('items and metadata come out whole however the bytes are cut', async (t) => {
  const expected = JSON.parse(DOC);
  for (const text of [DOC, PRETTY]) {
    const doc = Buffer.from(text);
    let failures = 0;
    for (let cut = 0; cut <= doc.length; cut++) {
      const r = scan(doc, [cut]);
      if (JSON.stringify(r.items) !== JSON.stringify(expected.items) || JSON.stringify(r.metadata) !== JSON.stringify(expected.metadata)) failures++;
    }
    t.equal(failures, 0, `every two-piece split of ${doc.length} bytes`);
    const bytes = scan(doc, [...Array(doc.length).keys()].slice(1));
    t.same(bytes.items, expected.items, 'one byte per chunk');
    t.same(bytes.metadata, expected.metadata);
  }
});

t.test('an item over the bound is skipped unread and reported; the rest is used', async (t) => {
  const big = { metadata: { name: 'big', annotations: { pad: 'x'.repeat(5000) } } };
  const doc = Buffer.from(JSON.stringify({ metadata: { resourceVersion: '9' }, items: [{ n: 1 }, big, { n: 2 }] }));
  const r = scan(doc, [100, 2000, 4000], 1024);
  t.same(r.items, [{ n: 1 }, { n: 2 }]);
  t.same(r.oversized, [JSON.stringify(big).length]);
  t.same(r.metadata, { resourceVersion: '9' });
  t.same(scan(Buffer.from('{"items":[]}'), []).items, [], 'an empty list');
});

t.test('what is not one whole list is refused', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['[1,2]', /not a JSON object/],
    ['{"items":null}', /"items" is not an array/],
    ['{"metadata":{}}', /no "items"/],
    ['{"items":[{"a":1}', /ended before the list did/],
    ['{"items":[{"a":1}]', /ended before the list did/],
    ['{"items":[]} {}', /data after the end/],
    ['{"items":[{"a":1} {"b":2}]}', /expected "," or "\]"/],
    ['{"items":[{"a":}]}', /an item is not valid JSON/],
    ['{"items":[] "x":1}', /expected "," or "}"/],
    ['{items:[]}', /expected a member name/],
    ['{"metadata":{"resourceVersion":1,}, "items":[]}', /the list metadata is not valid JSON/],
  ];
  for (const [text, why] of bad) {
    let caught: unknown;
    try {
      scan(Buffer.from(text), []);
    } catch (err) {
      caught = err;
    }
    t.ok(caught instanceof ListFormatError, `${text}: refused`);
    t.match((caught as Error | undefined)?.message, why, text);
  }
});

t.test('watch lines: cut from raw bytes, bounded', async (t) => {
  const lines: string[] = [];
  const w = new WatchLines(16);
  const euro = Buffer.from('€');
  t.equal(w.push(Buffer.concat([Buffer.from('{"a":1}\n{"b":"'), euro.subarray(0, 1)]), (l) => (lines.push(l), true)), 'ok');
  t.equal(w.push(Buffer.concat([euro.subarray(1), Buffer.from('"}\n\n')]), (l) => (lines.push(l), true)), 'ok');
  t.same(lines, ['{"a":1}', '{"b":"€"}', ''], 'a multi-byte character cut between chunks survives');
  t.equal(w.push(Buffer.from('0123456789'), () => true), 'ok');
  t.equal(w.push(Buffer.from('0123456789'), () => true), 'too-long', 'no newline within 16 bytes');
  const stop = new WatchLines(100);
  let seen = 0;
  t.equal(stop.push(Buffer.from('1\n2\n3\n'), () => (++seen, false)), 'stopped');
  t.equal(seen, 1, 'no line after the consumer stops');
  t.equal(new WatchLines(4).push(Buffer.from('12345\n'), () => true), 'too-long', 'a complete line over the bound too');
});
