// Child of bench-scale.js: the test suite's fake kube-apiserver holding 100k
// ServiceAccounts shaped like a real cluster's (labels, managedFields, kubectl's
// last-applied-configuration; 20 % with an IRSA role). Prints where it listens.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeKubeApiServer } from '../test/helpers/fake-kube-apiserver.js';

const count = Number(process.argv[2] ?? 100_000);
const fake = new FakeKubeApiServer({ recordLimit: 10 });

function* serviceAccounts() {
  for (let i = 0; i < count; i++) {
    const namespace = `team-${i % 2000}`;
    const name = `app-${i}`;
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': `${name}-prod`, 'app.kubernetes.io/managed-by': 'Helm', team: namespace };
    const irsa: Record<string, string> = i % 5 === 0
      ? { 'eks.amazonaws.com/role-arn': `arn:aws:iam::111122223333:role/${namespace}-${name}`, 'eks.amazonaws.com/sts-regional-endpoints': 'true' }
      : {};
    const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { annotations: irsa, labels, name, namespace } });
    yield {
      apiVersion: 'v1', kind: 'ServiceAccount',
      metadata: {
        name, namespace, uid: `0b6a${String(i).padStart(8, '0')}-1c2d-4e5f-8a9b-0c1d2e3f4a5b`,
        creationTimestamp: '2026-01-02T03:04:05Z', labels,
        annotations: { ...irsa, 'kubectl.kubernetes.io/last-applied-configuration': `${lastApplied}\n`, 'meta.helm.sh/release-name': `${name}-prod`, 'meta.helm.sh/release-namespace': namespace },
        managedFields: [{
          manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', time: '2026-01-02T03:04:05Z', fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} }, 'f:labels': { '.': {}, 'f:app.kubernetes.io/name': {}, 'f:team': {} } } },
        }],
      },
    };
  }
}

fake.seed('serviceaccounts', serviceAccounts());
await fake.start();
const dir = mkdtempSync(join(tmpdir(), 'piw-bench-scale-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(kubeconfig, fake.kubeconfigYaml());
writeFileSync(join(dir, 'ca.crt'), fake.tls.caPem);
process.stdout.write(`${JSON.stringify({ url: fake.url, kubeconfig, caFile: join(dir, 'ca.crt'), token: fake.token, dir, count })}\n`);
process.on('SIGTERM', () => void fake.stop().then(() => process.exit(0)));
