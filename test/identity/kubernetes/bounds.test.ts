// Issue 14 item 5: what the API server sends is bounded per object. These run
// in-process with the bound lowered to 64 KiB; memory.test.ts measures the
// built `serve` with the real 16 MiB bound.
import t from 'tap';
import { serviceAccount } from '../../helpers/fake-kube-apiserver.js';
import { ARN, ROLE, startFake, startSource, until } from './setup.js';

const SA = 'serviceaccounts';
const BOUND = { maxObjectBytes: 64 * 1024 };

t.test('a watch line without a newline past the bound ends the watch, logged; a fresh list and watch follow', async (t) => {
  const fake = await startFake(t);
  fake.add(SA, serviceAccount('a', 'known', { [ROLE]: ARN(1) }));
  const { running, logs } = await startSource(t, fake, ['--resync-period', '0s'], BOUND);
  await until(() => running.source.synced() && fake.openWatches === 1, 'watch');
  const sent = await fake.floodWatches(4 << 20, 16 * 1024);
  t.ok(sent[0]! < 1 << 20, `the client hung up after ${sent[0]} bytes, not 4 MiB`);
  const problem = await until(() => logs.find((l) => l.code === 'E_KUBE_WATCH_LINE_TOO_LONG'), 'the logged error');
  t.match(problem?.msg, /^cannot watch ServiceAccounts at https:\/\/127\.0\.0\.1:\d+: an event ran past 64 KiB without a newline \(no Kubernetes object is that large; check any proxy between the webhook and the API server\); listing again/);
  t.equal(problem?.level, 40, 'a warning');
  t.notMatch(problem?.msg, /\n\s+at /, 'no stack trace');
  t.equal((await running.source.lookup('a', 'known')).serviceAccount?.annotations[ROLE], ARN(1), 'the cache answers meanwhile');
  await until(() => fake.requests.filter((r) => r.verb === 'list').length === 2 && fake.openWatches === 1, 'a new list, then a new watch');
  fake.add(SA, serviceAccount('a', 'after', { [ROLE]: ARN(2) }));
  await until(async () => (await running.source.lookup('a', 'after')).serviceAccount, 'events after the restart');
  t.ok(running.source.synced(), 'ready throughout');
});

t.test('streams that keep breaking meet a growing backoff', async (t) => {
  const fake = await startFake(t);
  const { running, logs } = await startSource(t, fake, ['--resync-period', '0s'], { ...BOUND, backoff: { minMs: 200, maxMs: 10_000 } });
  const watchesAt: number[] = [];
  for (let i = 0; i < 3; i++) {
    await until(() => running.source.synced() && fake.openWatches === 1, `watch ${i + 1}`);
    watchesAt.push(Date.now());
    await fake.floodWatches(1 << 20, 16 * 1024);
    await until(() => logs.filter((l) => l.code === 'E_KUBE_WATCH_LINE_TOO_LONG').length === i + 1, `break ${i + 1}`);
    await until(() => fake.openWatches === 0, 'the broken stream to close');
  }
  await until(() => fake.openWatches === 1, 'watch 4');
  watchesAt.push(Date.now());
  const gaps = watchesAt.slice(1).map((at, i) => at - watchesAt[i]!);
  t.ok(gaps[0]! >= 180 && gaps[1]! >= 380 && gaps[2]! >= 780, `200, 400, 800 ms at least between watches (${gaps.join(', ')} ms)`);
});

t.test('a list item past the bound is skipped with a logged error; the rest of the list is used', async (t) => {
  const fake = await startFake(t);
  fake.add(SA, serviceAccount('a', 'one', { [ROLE]: ARN(1) }));
  fake.add(SA, serviceAccount('a', 'huge', { [ROLE]: ARN(2), pad: 'x'.repeat(100_000) }));
  fake.add(SA, serviceAccount('a', 'two', { [ROLE]: ARN(3) }));
  const { running, logs } = await startSource(t, fake, ['--resync-period', '0s'], BOUND);
  await until(() => running.source.synced(), 'sync');
  const s = running.source;
  t.ok((await s.lookup('a', 'one')).serviceAccount && (await s.lookup('a', 'two')).serviceAccount, 'the others are cached');
  t.notOk((await s.lookup('a', 'huge')).serviceAccount, 'the over-long one is not');
  const skipped = logs.filter((l) => l.code === 'E_KUBE_LIST_ITEM_TOO_LARGE');
  t.equal(skipped.length, 1);
  t.match(skipped[0]!.msg, /^list ServiceAccounts at https:\/\/127\.0\.0\.1:\d+: skipped one item of \d+ bytes, over the 64 KiB bound/);
});

t.test('a server that ignores limit: the whole page is read item by item and reconciled', async (t) => {
  const fake = await startFake(t);
  fake.ignoreLimit = true;
  fake.seed(SA, Array.from({ length: 3000 }, (_, i) => serviceAccount(`ns-${i % 7}`, `sa-${i}`, i % 3 === 0 ? { [ROLE]: ARN(i) } : {})));
  const { running } = await startSource(t, fake, ['--resync-period', '0s'], { ...BOUND, listLimit: 500 });
  await until(() => running.source.synced() && fake.openWatches === 1, 'sync and watch');
  const lists = fake.requests.filter((r) => r.verb === 'list');
  t.equal(lists.length, 1, 'one page although 500 were asked for');
  t.equal(lists[0]!.query.limit, '500');
  t.equal((await running.source.lookup('ns-3', 'sa-3')).serviceAccount?.annotations[ROLE], ARN(3));
  t.ok((await running.source.lookup('ns-3', 'sa-2999')).serviceAccount, 'the last item');
  t.equal(fake.requests.filter((r) => r.verb === 'watch').at(-1)?.query.resourceVersion, fake.resourceVersion, "watching from the page's resourceVersion");
});

t.test('a list response that is not a whole JSON list is refused, logged and retried', async (t) => {
  const fake = await startFake(t);
  fake.add(SA, serviceAccount('a', 'x'));
  fake.rawListBody = '{"kind":"ServiceAccountList","items":[{"metadata":{"name":"x","namespace":"a"}}';
  const { running, logs } = await startSource(t, fake, ['--resync-period', '0s']);
  await until(() => running.source.synced(), 'sync on the retry');
  const refused = logs.find((l) => l.code === 'E_KUBE_API_REFUSED');
  t.match(refused?.msg, /refused to list ServiceAccounts: HTTP 200 response is not a JSON list: response ended before the list did; retrying/);
  t.equal(fake.requests.filter((r) => r.verb === 'list').length, 2);
});

t.test('a GET answer over 16 MiB is not read whole: the lookup gives up on it and waits for the watch', async (t) => {
  const fake = await startFake(t);
  const { running, logs } = await startSource(t, fake, ['--service-account-lookup-grace-period', '3s', '--resync-period', '0s'], { graceGetTimeoutMs: 2500 });
  await until(() => running.source.synced() && fake.openWatches === 1, 'watch');
  fake.setSilently(SA, serviceAccount('a', 'vast', { [ROLE]: ARN(1), pad: 'x'.repeat(17 << 20) }));
  t.notOk((await running.source.lookup('a', 'vast')).serviceAccount, 'not taken from an oversized answer');
  t.ok(logs.some((l) => l.msg === 'ServiceAccount GET failed; waiting for the watch' && l.reason === 'response larger than 16 MiB'), `the reason is logged (${JSON.stringify(logs.filter((l) => /GET/.test(l.msg)))})`);
});
