import t from 'tap';
import { API_CALLS } from '../../../src/kubernetes/api-calls.js';
import { configMap } from '../../helpers/fake-kube-apiserver.js';
import { startFake, startSource, until } from './setup.js';

const CM = 'configmaps';
const cfg = (o: unknown) => ({ config: JSON.stringify(o) });

t.test('--watch-config-map: add, update (removed keys go), bad JSON keeps the previous, delete clears', async (t) => {
  const fake = await startFake(t);
  fake.add(CM, configMap('eks', 'other', cfg({ 'x/y': { RoleARN: 'arn:aws:iam::111122223333:role/other' } })));
  fake.add(CM, configMap('kube-system', 'pod-identity-webhook', cfg({ 'x/y': { RoleARN: 'arn:aws:iam::111122223333:role/wrong-ns' } })));
  const { running, logs, events } = await startSource(t, fake, ['--watch-config-map', '--namespace', 'eks']);
  const s = running.source;
  await until(() => s.synced(), 'sync');
  t.notOk((await s.lookup('x', 'y')).configMap, 'no ConfigMap yet; others ignored');

  fake.add(CM, configMap('eks', 'pod-identity-webhook', cfg({
    'x/y': { RoleARN: 'arn:aws:iam::111122223333:role/a', Audience: 'aud' },
    '*/any': { RoleARN: 'arn:aws:iam::111122223333:role/b', UseRegionalSTS: true },
  })));
  await until(async () => (await s.lookup('x', 'y')).configMap, 'ADDED');
  t.same((await s.lookup('x', 'y')).configMap, { RoleARN: 'arn:aws:iam::111122223333:role/a', Audience: 'aud' });
  t.equal((await s.lookup('q', 'any')).configMap?.RoleARN, 'arn:aws:iam::111122223333:role/b', 'wildcard namespace');

  fake.update(CM, configMap('eks', 'pod-identity-webhook', cfg({ 'x/y': { RoleARN: 'arn:aws:iam::111122223333:role/a2' } })));
  await until(async () => (await s.lookup('x', 'y')).configMap?.RoleARN.endsWith('a2'), 'MODIFIED');
  t.notOk((await s.lookup('q', 'any')).configMap, 'a key removed from the ConfigMap disappears');

  fake.update(CM, configMap('eks', 'pod-identity-webhook', { config: '{"x/y": {"RoleARN": ' }));
  await until(() => logs.some((l) => l.code === 'E_CONFIG_MAP_BAD'), 'bad JSON logged');
  const bad = logs.find((l) => l.code === 'E_CONFIG_MAP_BAD')!;
  t.match(bad.msg, /^ConfigMap eks\/pod-identity-webhook: data\.config is not a JSON map .*keeping the previous entries$/);
  t.ok(events.some((e) => e.type === 'reload-failed'));
  t.equal((await s.lookup('x', 'y')).configMap?.RoleARN, 'arn:aws:iam::111122223333:role/a2', 'previous entries kept');

  fake.delete(CM, 'eks', 'pod-identity-webhook');
  await until(async () => !(await s.lookup('x', 'y')).configMap, 'DELETED clears');

  const cmCalls = fake.requests.filter((r) => r.resource === 'configmaps');
  t.ok(cmCalls.length >= 2);
  t.ok(cmCalls.every((r) => r.namespace === 'eks' && r.query.fieldSelector === 'metadata.name=pod-identity-webhook'), 'only its own ConfigMap, by name');
  t.same(fake.callsOutside(API_CALLS), []);
});

t.test('without --watch-config-map the ConfigMap is neither read nor used', async (t) => {
  const fake = await startFake(t);
  fake.add(CM, configMap('eks', 'pod-identity-webhook', cfg({ 'x/y': { RoleARN: 'arn:aws:iam::111122223333:role/a' } })));
  const { running } = await startSource(t, fake);
  await until(() => running.source.synced(), 'sync');
  t.notOk((await running.source.lookup('x', 'y')).configMap);
  t.equal(fake.requests.filter((r) => r.resource === 'configmaps').length, 0);
});

t.test('a ConfigMap that is bad at start is reported; ready anyway with no entries', async (t) => {
  const fake = await startFake(t);
  fake.add(CM, configMap('eks', 'pod-identity-webhook', { config: '[1,2]' }));
  const { running, logs } = await startSource(t, fake, ['--watch-config-map']);
  await until(() => running.source.synced(), 'sync');
  t.ok(logs.some((l) => l.code === 'E_CONFIG_MAP_BAD' && /not a JSON object/.test(l.msg)));
  t.notOk((await running.source.lookup('x', 'y')).configMap);
});
