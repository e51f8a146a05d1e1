// --self-signed with Kubernetes access: add our CA to every webhook of the
// MutatingWebhookConfiguration. GET first so the JSON patch can address each
// webhook by index, with test ops on the object's resourceVersion and each
// webhook's name: a concurrent edit (another replica adding its CA) fails the
// patch, and we read again and retry instead of overwriting its CA.

import { errors as E, fail, ok, type Result } from '../errors.js';
import { isObject } from '../util/json.js';
import { mergeCaBundle } from './ca-bundle.js';
import type { KubeConnection } from '../kubernetes/client.js';

const BASE = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';

const ATTEMPTS = 5;

export async function patchWebhookCaBundle(
  conn: KubeConnection, name: string, caBundlePem: string, now: () => Date = () => new Date(),
): Promise<Result<void>> {
  const path = `${BASE}/${encodeURIComponent(name)}`;
  try {
    for (let attempt = 1; ; attempt++) {
      const got = await conn.json({ path, timeoutMs: 10_000 });
      if (got.status !== 200) return fail(E.webhookCaPatchFailed(name, `GET: HTTP ${got.status} ${got.message}`));
      const webhooks = isObject(got.body) && Array.isArray(got.body.webhooks) ? got.body.webhooks : [];
      if (webhooks.length === 0) return fail(E.webhookCaPatchFailed(name, 'it has no webhooks'));
      const meta = isObject(got.body) && isObject(got.body.metadata) ? got.body.metadata : {};
      const guard: Array<{ op: string; path: string; value: unknown }> = typeof meta.resourceVersion === 'string'
        ? [{ op: 'test', path: '/metadata/resourceVersion', value: meta.resourceVersion }]
        : [];
      const ops = guard.concat(webhooks.flatMap((w: unknown, i: number) => {
        const clientConfig = isObject(w) && isObject(w.clientConfig) ? w.clientConfig : undefined;
        const current = typeof clientConfig?.caBundle === 'string' ? clientConfig.caBundle : undefined;
        const existingPem = current ? Buffer.from(current, 'base64').toString('utf8') : '';
        const bundle = Buffer.from(mergeCaBundle(existingPem, caBundlePem, now()), 'utf8').toString('base64');
        return [
          { op: 'test', path: `/webhooks/${i}/name`, value: isObject(w) ? w.name : undefined },
          clientConfig
            ? { op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: bundle }
            : { op: 'add', path: `/webhooks/${i}/clientConfig`, value: { caBundle: bundle } },
        ];
      }));
      const patched = await conn.json({
        method: 'PATCH', path, timeoutMs: 10_000,
        contentType: 'application/json-patch+json', body: JSON.stringify(ops),
      });
      if (patched.status === 200) return ok(undefined);
      // A failed test op (someone else changed the bundle since our GET) or a conflict: read again.
      const raced = patched.status === 409 || patched.status === 422;
      if (!raced || attempt >= ATTEMPTS) {
        return fail(E.webhookCaPatchFailed(name, `PATCH: HTTP ${patched.status} ${patched.message}`));
      }
    }
  } catch (err) {
    return fail(E.webhookCaPatchFailed(name, `${conn.server}: ${(err as Error).message}`));
  }
}
