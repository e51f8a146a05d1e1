import t from 'tap';
import { jsonPieces, LazyJsonObject } from '../../src/util/json-stream.js';

const text = (v: unknown) => [...jsonPieces(v)].join('');

t.test('the same text as JSON.stringify, lazy parts included', async (t) => {
  const entries: Array<[string, unknown]> = [['a/b', { r: 'x"y\\z' }], ['c', [1, null, 'ü']], ['skip', undefined], ['d', {}]];
  const lazy = new LazyJsonObject(() => entries);
  const plain = Object.fromEntries(entries);
  t.equal(text(lazy), JSON.stringify(plain));
  t.equal(text({ first: 1, lazy, gone: undefined, nested: { lazy } }), JSON.stringify({ first: 1, lazy: plain, nested: { lazy: plain } }));
  t.equal(text(new LazyJsonObject(() => [])), '{}');
  for (const v of [null, 0, 'x', [1, { a: 2 }], { a: [] }]) t.equal(text(v), JSON.stringify(v), JSON.stringify(v));
  t.equal(text(undefined), 'null');
  t.equal(JSON.stringify({ lazy }), JSON.stringify({ lazy: plain }), 'JSON.stringify of a lazy object writes it whole');
});

t.test('pieces of about 64 KB, entries read only as they are written', async (t) => {
  let read = 0;
  const lazy = new LazyJsonObject(function* () {
    for (let i = 0; i < 20_000; i++) {
      read++;
      yield [`ns/sa-${i}`, { 'eks.amazonaws.com/role-arn': `arn:aws:iam::111122223333:role/r${i}` }] as const;
    }
  });
  const it = jsonPieces({ serviceAccounts: lazy });
  const first = it.next();
  t.ok(!first.done && first.value.length >= 65536 && first.value.length < 65536 + 200, `first piece ${first.done ? 0 : first.value.length} chars`);
  t.ok(read < 2000, `only ${read} of 20000 entries read for the first piece`);
  const rest = [...it];
  t.ok(rest.slice(0, -1).every((p) => p.length >= 65536 && p.length < 65536 + 200), 'every piece but the last about 64 KB');
  t.equal(Object.keys(JSON.parse((first.done ? '' : first.value) + rest.join('')).serviceAccounts).length, 20_000);
});
