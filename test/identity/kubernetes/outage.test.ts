import t from 'tap';
import { serviceAccount } from '../../helpers/fake-kube-apiserver.js';
import { ARN, ROLE, startFake, startSource, until } from './setup.js';

const SA = 'serviceaccounts';

t.test('during an API outage answers come from the cache; after it, the watch catches up', async (t) => {
  const fake = await startFake(t);
  fake.add(SA, serviceAccount('a', 'known', { [ROLE]: ARN(1) }));
  const { running, logs } = await startSource(t, fake, ['--resync-period', '0s']);
  await until(() => running.source.synced() && fake.openWatches === 1, 'sync');
  await fake.stop();
  await until(() => logs.some((l) => l.code === 'E_KUBE_API_UNREACHABLE'), 'the outage to be logged');
  t.equal((await running.source.lookup('a', 'known')).serviceAccount?.annotations[ROLE], ARN(1), 'cache still answers');
  t.ok(running.source.synced(), 'still ready');
  const msg = logs.find((l) => l.code === 'E_KUBE_API_UNREACHABLE')!.msg as string;
  t.match(msg, /^cannot watch ServiceAccounts at https:\/\/127\.0\.0\.1:\d+: .*; retrying/);
  t.notMatch(msg, /\n\s+at /, 'no stack trace');

  fake.add(SA, serviceAccount('a', 'later', { [ROLE]: ARN(2) }));
  await fake.start();
  await until(async () => (await running.source.lookup('a', 'later')).serviceAccount, 'catch up after the outage');
});

t.test('API unreachable at start: not ready, a clear message, ready once it comes up', async (t) => {
  const fake = await startFake(t);
  fake.add(SA, serviceAccount('a', 'x'));
  await fake.stop();
  const { running, logs } = await startSource(t, fake);
  await until(() => logs.some((l) => l.code === 'E_KUBE_API_UNREACHABLE'), 'message');
  t.equal(running.source.synced(), false);
  t.match(logs.find((l) => l.code === 'E_KUBE_API_UNREACHABLE')!.msg, /^cannot list ServiceAccounts at https:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  await fake.start();
  await until(() => running.source.synced(), 'ready after the API comes up');
});

t.test('RBAC refusal is reported with a hint and retried', async (t) => {
  const fake = await startFake(t);
  fake.failLists = { count: 2, status: 403 };
  const { running, logs } = await startSource(t, fake);
  await until(() => running.source.synced(), 'sync after the refusals stop');
  const refused = logs.filter((l) => l.code === 'E_KUBE_API_REFUSED');
  t.equal(refused.length, 2);
  t.match(refused[0]!.msg, /refused to list ServiceAccounts: HTTP 403 .*check the credentials and the RBAC rules/);
});

t.test('stop() while the API is down ends retries and timers', async (t) => {
  const fake = await startFake(t);
  await fake.stop();
  const { running } = await startSource(t, fake, [], { backoff: { minMs: 10_000, maxMs: 10_000 } });
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  await running.stop();
  t.ok(Date.now() - started < 1000, 'stop does not wait for the backoff');
});
