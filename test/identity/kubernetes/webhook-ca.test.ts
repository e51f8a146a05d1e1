import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import t from 'tap';
import { API_CALLS } from '../../../src/kubernetes/api-calls.js';
import { mergeCaBundle } from '../../../src/server/ca-bundle.js';
import { startFake, startSource } from './setup.js';

const MWC = 'mutatingwebhookconfigurations';
const ca = async (cn: string, notBefore: Date, days: number): Promise<string> =>
  (await generate([{ name: 'commonName', value: cn }], { notBeforeDate: notBefore, notAfterDate: new Date(notBefore.getTime() + days * 86_400_000), keyType: 'ec' } as any)).cert;
const PEM = await ca('replica-a', new Date(Date.now() - 60_000), 365);
const names = (bundleB64: string) => (Buffer.from(bundleB64, 'base64').toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [])
  .map((p) => new X509Certificate(p).subject.replace(/^CN=/, ''));

t.test('patchWebhookCaBundle writes the CA into every webhook', async (t) => {
  const fake = await startFake(t);
  fake.add(MWC, {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'pod-identity-webhook' },
    webhooks: [
      { name: 'a.amazonaws.com', clientConfig: { service: { name: 'pod-identity-webhook', namespace: 'eks' }, caBundle: 'b2xk' } },
      { name: 'b.amazonaws.com', clientConfig: { url: 'https://x' } },
    ],
  });
  const { running } = await startSource(t, fake, ['--self-signed']);
  const r = await running.patchWebhookCaBundle!(PEM);
  t.ok(r.ok, r.ok ? '' : r.error.message);
  const stored = fake.get(MWC, undefined, 'pod-identity-webhook')!;
  t.same(stored.webhooks.map((w: any) => names(w.clientConfig.caBundle)), [['replica-a'], ['replica-a']], 'junk in the old bundle is dropped');
  t.equal(stored.webhooks[0].clientConfig.service.name, 'pod-identity-webhook', 'the rest of clientConfig untouched');
  t.same(fake.requests.filter((q) => q.resource === MWC).map((q) => q.verb), ['get', 'patch']);
  t.same(fake.callsOutside(API_CALLS), []);
});

t.test('a missing MutatingWebhookConfiguration is a clear error', async (t) => {
  const fake = await startFake(t);
  const { running } = await startSource(t, fake, ['--webhook-config-name', 'pod-identity-webhook']);
  const r = await running.patchWebhookCaBundle!(PEM);
  t.ok(!r.ok);
  if (!r.ok) {
    t.equal(r.error.code, 'E_WEBHOOK_CA_PATCH');
    t.match(r.error.message, /^cannot write the CA bundle into MutatingWebhookConfiguration "pod-identity-webhook": GET: HTTP 404 .*not found/);
  }
});

t.test('replicas add their CAs instead of replacing each other, even racing', async (t) => {
  const fake = await startFake(t);
  fake.add(MWC, {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'pod-identity-webhook' },
    webhooks: [{ name: 'a.amazonaws.com', clientConfig: { service: { name: 'pod-identity-webhook', namespace: 'eks' } } }],
  });
  const { running } = await startSource(t, fake, ['--self-signed']);
  const b = await ca('replica-b', new Date(Date.now() - 30_000), 365);
  const c = await ca('replica-c', new Date(Date.now() - 10_000), 365);
  const results = await Promise.all([running.patchWebhookCaBundle!(PEM), running.patchWebhookCaBundle!(b)]);
  t.ok(results.every((r) => r.ok), 'both patches land (the loser of the race reads again)');
  t.same(names(fake.get(MWC, undefined, 'pod-identity-webhook')!.webhooks[0].clientConfig.caBundle).sort(), ['replica-a', 'replica-b']);
  const again = await running.patchWebhookCaBundle!(c);
  t.ok(again.ok);
  t.same(names(fake.get(MWC, undefined, 'pod-identity-webhook')!.webhooks[0].clientConfig.caBundle), ['replica-c', 'replica-b', 'replica-a'], 'ours first, then newest');
  t.same(fake.callsOutside(API_CALLS), []);
});

t.test('mergeCaBundle drops expired, duplicate and unreadable CAs and caps the bundle', async (t) => {
  const now = new Date();
  const day = 86_400_000;
  const expired = await ca('expired', new Date(now.getTime() - 10 * day), 1);
  const olds = await Promise.all(Array.from({ length: 10 }, (_, i) => ca(`old-${i}`, new Date(now.getTime() - (i + 1) * day), 365)));
  const ours = await ca('ours', now, 365);
  const existing = [expired, ...olds, olds[0], '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'].join('\n');
  const merged = names(Buffer.from(mergeCaBundle(existing, ours, now, 4)).toString('base64'));
  t.same(merged, ['ours', 'old-0', 'old-1', 'old-2']);
  t.same(names(Buffer.from(mergeCaBundle('', ours, now)).toString('base64')), ['ours'], 'an empty bundle gets ours');
  t.same(names(Buffer.from(mergeCaBundle(ours, ours, now)).toString('base64')), ['ours'], 'ours is not added twice');
});
