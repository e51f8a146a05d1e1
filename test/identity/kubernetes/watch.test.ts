import t from 'tap';
import { API_CALLS } from '../../../src/kubernetes/api-calls.js';
import { serviceAccount } from '../../helpers/fake-kube-apiserver.js';
import { ARN, ROLE, startFake, startSource, until } from './setup.js';

const SA = 'serviceaccounts';

t.test('watch: add, annotate, de-annotate, delete, bookmark', async (t) => {
  const fake = await startFake(t);
  fake.add(SA, serviceAccount('a', 'old'));
  const { running } = await startSource(t, fake, ['--resync-period', '0s']);
  const s = running.source;
  await until(() => s.synced() && fake.openWatches === 1, 'sync and watch');

  fake.add(SA, serviceAccount('a', 'new'));
  await until(async () => (await s.lookup('a', 'new')).serviceAccount, 'ADDED');
  t.same((await s.lookup('a', 'new')).serviceAccount?.annotations, {});

  fake.update(SA, serviceAccount('a', 'new', { [ROLE]: ARN(1), unrelated: 'dropped' }));
  await until(async () => (await s.lookup('a', 'new')).serviceAccount?.annotations[ROLE] === ARN(1), 'annotated');
  t.same((await s.lookup('a', 'new')).serviceAccount?.annotations, { [ROLE]: ARN(1) });

  fake.update(SA, serviceAccount('a', 'new', {}));
  await until(async () => (await s.lookup('a', 'new')).serviceAccount?.annotations[ROLE] === undefined, 'de-annotated');

  fake.delete(SA, 'a', 'new');
  await until(async () => !(await s.lookup('a', 'new')).serviceAccount, 'DELETED');
  t.ok((await s.lookup('a', 'old')).serviceAccount, 'others untouched');

  fake.bookmark();
  fake.add(SA, serviceAccount('a', 'after-bookmark'));
  await until(async () => (await s.lookup('a', 'after-bookmark')).serviceAccount, 'event after a bookmark');
  t.same(fake.callsOutside(API_CALLS), []);
});

t.test('a dropped watch reconnects from the last resourceVersion and misses nothing', async (t) => {
  const fake = await startFake(t);
  const { running, logs } = await startSource(t, fake, ['--resync-period', '0s']);
  await until(() => running.source.synced() && fake.openWatches === 1, 'watch');
  fake.add(SA, serviceAccount('a', 'one'));
  await until(async () => (await running.source.lookup('a', 'one')).serviceAccount, 'first event');
  const rvSeen = fake.resourceVersion;
  fake.dropWatches();
  fake.add(SA, serviceAccount('a', 'two', { [ROLE]: ARN(2) }));
  await until(async () => (await running.source.lookup('a', 'two')).serviceAccount, 'event made while the stream was down');
  const watches = fake.requests.filter((r) => r.verb === 'watch');
  t.ok(watches.length >= 2, 're-watched');
  t.equal(watches.at(-1)!.query.resourceVersion, rvSeen, 'from the last resourceVersion seen, not from scratch');
  t.equal(fake.requests.filter((r) => r.verb === 'list').length, 1, 'no re-list for a dropped stream');
  t.ok(logs.some((l) => l.code === 'E_KUBE_API_UNREACHABLE' && /stream dropped|reset/.test(l.msg)), 'the drop is logged');
});

for (const goneAsHttpStatus of [false, true]) {
  t.test(`410 Gone (${goneAsHttpStatus ? 'HTTP 410' : 'ERROR event'}) re-lists and reconciles adds, updates and deletes`, async (t) => {
    const fake = await startFake(t, { goneAsHttpStatus });
    fake.add(SA, serviceAccount('a', 'stays'));
    fake.add(SA, serviceAccount('a', 'changes', { [ROLE]: ARN(1) }));
    fake.add(SA, serviceAccount('a', 'goes', { [ROLE]: ARN(2) }));
    const { running, events } = await startSource(t, fake, ['--resync-period', '0s']);
    await until(() => running.source.synced() && fake.openWatches === 1, 'watch');
    // Changes the watch never delivers, then history is compacted: only a re-list can find them.
    fake.setSilently(SA, serviceAccount('a', 'changes', { [ROLE]: ARN(9) }));
    fake.deleteSilently(SA, 'a', 'goes');
    fake.setSilently(SA, serviceAccount('b', 'appears'));
    if (goneAsHttpStatus) {
      fake.compact();
      fake.dropWatches();
    } else {
      fake.expireWatches();
    }
    await until(async () => (await running.source.lookup('b', 'appears')).serviceAccount, 're-list');
    const s = running.source;
    t.equal((await s.lookup('a', 'changes')).serviceAccount?.annotations[ROLE], ARN(9), 'update reconciled');
    t.notOk((await s.lookup('a', 'goes')).serviceAccount, 'delete reconciled');
    t.ok((await s.lookup('a', 'stays')).serviceAccount, 'unchanged kept');
    t.ok(s.synced(), 'stays ready throughout');
    t.equal(fake.requests.filter((r) => r.verb === 'list').length, 2);
    t.ok(events.some((e) => e.type === 'watch-restart' && /410/.test(e.reason)));
  });
}

t.test('--resync-period re-lists and reconciles', async (t) => {
  const fake = await startFake(t);
  fake.add(SA, serviceAccount('a', 'x'));
  const { running } = await startSource(t, fake, ['--resync-period', '200ms']);
  await until(() => running.source.synced(), 'sync');
  fake.deleteSilently(SA, 'a', 'x');
  fake.setSilently(SA, serviceAccount('a', 'y'));
  await until(async () => (await running.source.lookup('a', 'y')).serviceAccount && !(await running.source.lookup('a', 'x')).serviceAccount, 'resync', 3000);
  t.ok(fake.requests.filter((r) => r.verb === 'list').length >= 2);
});
