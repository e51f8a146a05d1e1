import t from 'tap';
import { handleReview } from '../../../src/admission/handle.js';
import { API_CALLS } from '../../../src/kubernetes/api-calls.js';
import { serviceAccount } from '../../helpers/fake-kube-apiserver.js';
import { ARN, ROLE, startFake, startSource, until } from './setup.js';

function review(namespace: string, sa: string) {
  return {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
      operation: 'CREATE', namespace,
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'p-' }, spec: { serviceAccountName: sa, containers: [{ name: 'app', image: 'x' }] } },
    },
  };
}

t.test('paginated list syncs the cache, then pods are injected from it', async (t) => {
  const fake = await startFake(t);
  fake.seed('serviceaccounts', Array.from({ length: 1200 }, (_, i) => serviceAccount(`ns${i % 7}`, `sa${i}`,
    i % 5 === 0 ? { [ROLE]: ARN(i), 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"x"}' } : { other: 'x' },
    { labels: { app: 'a' } })));
  const { running, events } = await startSource(t, fake, ['--resync-period', '0s']);
  t.equal(running.kind, 'kubernetes');
  t.equal(running.source.synced(), false, 'not synced before the first full list');
  await until(() => running.source.synced(), 'sync');
  t.match(events, [{ type: 'synced', serviceAccounts: 1200 }]);

  const lists = fake.requests.filter((r) => r.verb === 'list');
  t.equal(lists.length, 3, '1200 objects in pages of 500');
  t.same(lists.map((r) => r.query.limit), ['500', '500', '500']);
  t.notOk(lists[0]!.query.continue);
  t.ok(lists[1]!.query.continue && lists[2]!.query.continue, 'later pages carry the continue token');

  const hit = await running.source.lookup('ns0', 'sa0');
  t.same(hit.serviceAccount, { namespace: 'ns0', name: 'sa0', resourceVersion: fake.get('serviceaccounts', 'ns0', 'sa0')!.metadata.resourceVersion, annotations: { [ROLE]: ARN(0) } },
    'only annotations under the prefix are kept');
  const plain = await running.source.lookup('ns1', 'sa1');
  t.same(plain.serviceAccount?.annotations, {});

  const handled = await handleReview(review('ns0', 'sa0'), { source: running.source, config: running.config, random: () => 0.5 });
  t.ok(handled.ok);
  if (handled.ok) {
    t.equal(handled.value.decision.mutated, true);
    t.match(Buffer.from(String(handled.value.response.response.patch), 'base64').toString(), /role\/r0/);
  }
  const missing = await handleReview(review('ns0', 'nobody'), { source: running.source, config: running.config, random: () => 0.5 });
  t.ok(missing.ok && missing.value.decision.missingServiceAccount && !missing.value.decision.mutated, 'unknown ServiceAccount: not mutated, reported missing');

  await until(() => fake.requests.some((r) => r.verb === 'watch'), 'watch');
  const watch = fake.requests.find((r) => r.verb === 'watch')!;
  t.equal(watch.query.resourceVersion, fake.resourceVersion, 'watch continues from the list resourceVersion');
  t.equal(watch.query.allowWatchBookmarks, 'true');
  t.same(fake.callsOutside(API_CALLS), [], 'only calls from API_CALLS');

  await running.stop();
  await until(() => fake.openWatches === 0, 'the server to see the watch closed', 2000);
  t.pass('stop() ends the watch');
});
