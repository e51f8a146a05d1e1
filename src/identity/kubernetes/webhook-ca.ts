// --self-signed with Kubernetes access: put our CA into every webhook of the
// MutatingWebhookConfiguration. GET first so the JSON patch can address each
// webhook by index, with a test op per index so a concurrent edit that reorders
// the list fails the patch instead of writing the bundle into the wrong webhook.

import { errors as E, fail, ok, type Result } from '../../errors.js';
import { isObject } from '../../engine/pod.js';
import type { KubeConnection } from './connection.js';

const BASE = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';

export async function patchWebhookCaBundle(conn: KubeConnection, name: string, caBundlePem: string): Promise<Result<void>> {
  const path = `${BASE}/${encodeURIComponent(name)}`;
  try {
    const got = await conn.json({ path, timeoutMs: 10_000 });
    if (got.status !== 200) return fail(E.webhookCaPatchFailed(name, `GET: HTTP ${got.status} ${got.message}`));
    const webhooks = isObject(got.body) && Array.isArray(got.body.webhooks) ? got.body.webhooks : [];
    if (webhooks.length === 0) return fail(E.webhookCaPatchFailed(name, 'it has no webhooks'));
    const bundle = Buffer.from(caBundlePem, 'utf8').toString('base64');
    const ops = webhooks.flatMap((w: unknown, i: number) => {
      const hasClientConfig = isObject(w) && isObject(w.clientConfig);
      return [
        { op: 'test', path: `/webhooks/${i}/name`, value: isObject(w) ? w.name : undefined },
        hasClientConfig
          ? { op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: bundle }
          : { op: 'add', path: `/webhooks/${i}/clientConfig`, value: { caBundle: bundle } },
      ];
    });
    const patched = await conn.json({
      method: 'PATCH', path, timeoutMs: 10_000,
      contentType: 'application/json-patch+json', body: JSON.stringify(ops),
    });
    if (patched.status !== 200) return fail(E.webhookCaPatchFailed(name, `PATCH: HTTP ${patched.status} ${patched.message}`));
    return ok(undefined);
  } catch (err) {
    return fail(E.webhookCaPatchFailed(name, `${conn.server}: ${(err as Error).message}`));
  }
}
