import http from 'node:http';
import t from 'tap';
import { handleReview } from '../../../src/admission/handle.js';
import { serviceAccount } from '../../helpers/fake-kube-apiserver.js';
import { startFake, tryStart, until, writeKubeconfig } from './setup.js';

/** EC2 instance metadata (IMDSv2) on loopback. */
async function fakeImds(t: any, document: string, opts: { requireToken?: boolean } = {}) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return res.writeHead(400).end();
      return res.writeHead(200).end('tok-123');
    }
    if (req.method === 'GET' && req.url === '/latest/dynamic/instance-identity/document') {
      if ((opts.requireToken ?? true) && req.headers['x-aws-ec2-metadata-token'] !== 'tok-123') return res.writeHead(401).end();
      return res.writeHead(200, { 'content-type': 'application/json' }).end(document);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

function podReview(sa: string) {
  return {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: { uid: 'u', operation: 'CREATE', namespace: 'a', kind: { group: '', version: 'v1', kind: 'Pod' },
      object: { metadata: { name: 'p' }, spec: { serviceAccountName: sa, containers: [{ name: 'c', image: 'i' }] } } },
  };
}

async function roleArnInjected(t: any, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string | undefined> {
  const fake = await startFake(t);
  fake.add('serviceaccounts', serviceAccount('a', 's', { 'eks.amazonaws.com/role-arn': 'my-role' }));
  const { result } = await tryStart(['--kubeconfig', writeKubeconfig(t, fake), '--compose-role-arn', ...args], { env });
  if (!result.ok) throw new Error(result.error.message);
  t.teardown(() => result.value.stop());
  await until(() => result.value.source.synced(), 'sync');
  const handled = await handleReview(podReview('s'), { source: result.value.source, config: result.value.config, random: () => 0 });
  if (!handled.ok || !handled.value.response.response.patch) return undefined;
  const ops = JSON.parse(Buffer.from(handled.value.response.response.patch, 'base64').toString()) as Array<{ value: unknown }>;
  const env2 = ops.flatMap((o) => (Array.isArray(o.value) ? o.value : [o.value])) as Array<{ name?: string; value?: string }>;
  return env2.find((e) => e?.name === 'AWS_ROLE_ARN')?.value;
}

t.test('composed ARNs from --aws-account-id / --aws-partition need no instance metadata', async (t) => {
  t.equal(await roleArnInjected(t, ['--aws-account-id', '111122223333', '--aws-partition', 'aws-cn'], { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1' }),
    'arn:aws-cn:iam::111122223333:role/my-role');
});

t.test('composed ARNs from EC2 instance metadata (IMDSv2), partition from the region', async (t) => {
  const imds = await fakeImds(t, JSON.stringify({ accountId: '444455556666', region: 'us-gov-west-1', instanceId: 'i-1' }));
  t.equal(await roleArnInjected(t, [], { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint }), 'arn:aws-us-gov:iam::444455556666:role/my-role');
  t.same(imds.seen, ['PUT /latest/api/token', 'GET /latest/dynamic/instance-identity/document'], 'token first (IMDSv2)');
});

t.test('instance metadata unreachable or unusable: start fails with a clear message', async (t) => {
  const fake = await startFake(t);
  const kubeconfig = writeKubeconfig(t, fake);
  const down = await tryStart(['--kubeconfig', kubeconfig, '--compose-role-arn'], { env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1' } });
  t.ok(!down.result.ok);
  if (!down.result.ok) {
    t.equal(down.result.error.code, 'E_IMDS_UNREACHABLE');
    t.match(down.result.error.message, /^--compose-role-arn needs the AWS account ID, but EC2 instance metadata at http:\/\/127\.0\.0\.1:1 did not answer \(.*ECONNREFUSED.*\); pass --aws-account-id/);
  }
  const imds = await fakeImds(t, '{"region":"eu-west-1"}');
  const bad = await tryStart(['--kubeconfig', kubeconfig, '--compose-role-arn'], { env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint } });
  t.ok(!bad.result.ok && bad.result.error.code === 'E_IMDS_BAD' && /no 12-digit accountId/.test(bad.result.error.message));
  t.equal(fake.requests.length, 0, 'nothing started against the API when start fails');
});
