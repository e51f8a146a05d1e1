import t from 'tap';
import { handleReview } from '../../../src/admission/handle.js';
import { TokenBucket } from '../../../src/kubernetes/rate-limit.js';
import { serviceAccount } from '../../helpers/fake-kube-apiserver.js';
import { ARN, ROLE, startFake, startSource, until } from './setup.js';

const SA = 'serviceaccounts';

t.test('grace period: a ServiceAccount the watch has not delivered is fetched with a GET', async (t) => {
  const fake = await startFake(t);
  const { running } = await startSource(t, fake, ['--service-account-lookup-grace-period', '2s', '--resync-period', '0s']);
  await until(() => running.source.synced(), 'sync');
  fake.setSilently(SA, serviceAccount('a', 'fresh', { [ROLE]: ARN(1) }));
  const started = Date.now();
  const found = await running.source.lookup('a', 'fresh');
  t.equal(found.serviceAccount?.annotations[ROLE], ARN(1));
  t.ok(Date.now() - started < 1500, 'answered by the GET, not by running out the grace period');
  t.match(fake.requests.filter((r) => r.verb === 'get'), [{ resource: 'serviceaccounts', namespace: 'a', name: 'fresh' }]);
  t.ok((await running.source.lookup('a', 'fresh')).serviceAccount, 'kept in the cache');
  t.equal(fake.requests.filter((r) => r.verb === 'get').length, 1, 'second lookup is a cache hit');
});

t.test('grace period: a 404 ends the wait; unknown ServiceAccounts are not mutated', async (t) => {
  const fake = await startFake(t);
  const { running } = await startSource(t, fake, ['--service-account-lookup-grace-period', '3s']);
  await until(() => running.source.synced(), 'sync');
  const started = Date.now();
  const handled = await handleReview({
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: { uid: 'u', operation: 'CREATE', namespace: 'a', kind: { group: '', version: 'v1', kind: 'Pod' },
      object: { metadata: { name: 'p' }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'i' }] } } },
  }, { source: running.source, config: running.config, random: () => 0 });
  t.ok(Date.now() - started < 2000, '404 answers before the grace period runs out');
  t.ok(handled.ok && handled.value.decision.missingServiceAccount && !handled.value.decision.mutated);
});

t.test('grace period: the watch can deliver first', async (t) => {
  const fake = await startFake(t);
  const { running } = await startSource(t, fake, ['--service-account-lookup-grace-period', '2s'], { graceGetTimeoutMs: 1000 });
  await until(() => running.source.synced() && fake.openWatches === 1, 'watch');
  // The API is slow to answer the GET, and the watch brings the object first.
  fake.getDelayMs = 600;
  const pending = running.source.lookup('a', 'late');
  setTimeout(() => fake.add(SA, serviceAccount('a', 'late', { [ROLE]: ARN(3) })), 50);
  t.equal((await pending).serviceAccount?.annotations[ROLE], ARN(3));
});

t.test('grace period: still missing after the wait (API unreachable) → undefined in time', async (t) => {
  const fake = await startFake(t);
  const { running } = await startSource(t, fake, ['--service-account-lookup-grace-period', '300ms']);
  await until(() => running.source.synced(), 'sync');
  await fake.stop();
  const started = Date.now();
  const r = await running.source.lookup('a', 'nope');
  t.notOk(r.serviceAccount);
  const took = Date.now() - started;
  t.ok(took >= 250 && took < 1500, `waited about the grace period (${took} ms)`);
});

t.test('no grace period: a miss answers at once without calling the API', async (t) => {
  const fake = await startFake(t);
  const { running } = await startSource(t, fake);
  await until(() => running.source.synced(), 'sync');
  t.notOk((await running.source.lookup('a', 'nope')).serviceAccount);
  t.equal(fake.requests.filter((r) => r.verb === 'get').length, 0);
});

t.test('token bucket: burst 20, then 10 per second', async (t) => {
  let now = 0;
  const b = new TokenBucket(10, 20, () => now);
  for (let i = 0; i < 20; i++) t.equal(b.take(), 0);
  t.equal(b.take(), 100, 'the 21st waits 100 ms');
  now += 100;
  t.equal(b.take(), 0);
  now += 10_000;
  for (let i = 0; i < 20; i++) b.take();
  t.ok(b.take() > 0, 'refill is capped at the burst');
});

// Issue 14 item 4: a GET that reads the ServiceAccount, then answers after the
// watch has told of a newer state, must not put the older state back.
const GET_DISCARDED = /GET answered after the watch/;

t.test('grace period: a GET answered late after a watch MODIFIED does not undo the new role', async (t) => {
  const fake = await startFake(t);
  const { running, logs } = await startSource(t, fake, ['--service-account-lookup-grace-period', '5s', '--resync-period', '0s'], { graceGetTimeoutMs: 4000 });
  await until(() => running.source.synced() && fake.openWatches === 1, 'watch');
  fake.setSilently(SA, serviceAccount('a', 'late')); // exists, but the watch has not said so
  fake.holdGets = true;
  const pending = running.source.lookup('a', 'late');
  await until(() => fake.pendingGets === 1, 'the GET to be read (without a role)');
  fake.update(SA, serviceAccount('a', 'late', { [ROLE]: ARN(7) })); // the watch delivers MODIFIED: role added
  t.equal((await pending).serviceAccount?.annotations[ROLE], ARN(7), 'the waiting lookup takes the watch event');
  fake.releaseGets(); // now the GET answers with the older, role-less object
  await until(() => logs.some((l) => GET_DISCARDED.test(l.msg)), 'the late GET answer to be discarded');
  t.equal((await running.source.lookup('a', 'late')).serviceAccount?.annotations[ROLE], ARN(7), 'the role survives the late GET');
  t.equal(fake.requests.filter((r) => r.verb === 'get').length, 1, 'answered from the cache');
});

t.test('grace period: a GET answered late after a watch DELETED does not bring the ServiceAccount back', async (t) => {
  const fake = await startFake(t);
  const { running, logs } = await startSource(t, fake, ['--service-account-lookup-grace-period', '5s', '--resync-period', '0s'], { graceGetTimeoutMs: 4000 });
  await until(() => running.source.synced() && fake.openWatches === 1, 'watch');
  fake.setSilently(SA, serviceAccount('a', 'gone', { [ROLE]: ARN(8) }));
  fake.holdGets = true;
  const started = Date.now();
  const pending = running.source.lookup('a', 'gone');
  await until(() => fake.pendingGets === 1, 'the GET to be read (ServiceAccount present)');
  fake.delete(SA, 'a', 'gone'); // the watch delivers DELETED
  t.notOk((await pending).serviceAccount, 'the waiting lookup sees it deleted');
  t.ok(Date.now() - started < 3000, 'the DELETED ends the wait; it does not run out the grace period');
  fake.releaseGets(); // the GET answers 200 with what it read before the delete
  await until(() => logs.some((l) => GET_DISCARDED.test(l.msg)), 'the late GET answer to be discarded');
  t.notOk((await running.source.lookup('a', 'gone')).serviceAccount, 'still deleted');
  t.equal(fake.requests.filter((r) => r.verb === 'get').length, 2, 'not cached: the second lookup asked again and got 404');
});
