import t from 'tap';
import { API_CALLS } from '../../../src/identity/kubernetes/api-calls.js';
import { startFake, startSource } from './setup.js';

const MWC = 'mutatingwebhookconfigurations';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

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
  const b64 = Buffer.from(PEM).toString('base64');
  t.same(stored.webhooks.map((w: any) => w.clientConfig.caBundle), [b64, b64]);
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
