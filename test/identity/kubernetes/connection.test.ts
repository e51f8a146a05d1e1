import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { makeTls } from '../../helpers/fake-kube-apiserver.js';
import { startFake, startSynced, tempDir, tryStart, until, writeKubeconfig } from './setup.js';

t.test('bad connection settings fail start with one clear line', async (t) => {
  const dir = tempDir(t);
  const notYaml = join(dir, 'not-yaml');
  writeFileSync(notYaml, 'clusters: [unclosed');
  const noContext = join(dir, 'no-context');
  writeFileSync(noContext, 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
  const badServer = join(dir, 'bad-server');
  writeFileSync(badServer, 'apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: ftp://x\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n');
  const cases: Array<[string, string[], string, RegExp]> = [
    ['missing kubeconfig', ['--kubeconfig', join(dir, 'nope')], 'E_KUBECONFIG_BAD', /^--kubeconfig .*nope: not a usable kubeconfig: cannot read: no such file$/],
    ['kubeconfig not YAML', ['--kubeconfig', notYaml], 'E_KUBECONFIG_BAD', /not a usable kubeconfig: /],
    ['no current context', ['--kubeconfig', noContext], 'E_KUBECONFIG_BAD', /not a usable kubeconfig: no current-context$/],
    ['server not http(s)', ['--kubeconfig', badServer], 'E_KUBECONFIG_BAD', /cluster "k" server: scheme ftp: is not http or https/],
    ['--kube-api not a URL', ['--kube-api', 'not a url'], 'E_KUBE_API_BAD', /^--kube-api "not a url": not a URL \(expected a URL such as/],
    ['not in a cluster', [], 'E_NOT_IN_CLUSTER', /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set; outside a pod pass --kubeconfig FILE or --kube-api URL/],
  ];
  for (const [name, args, code, message] of cases) {
    const { result } = await tryStart(args, { env: {} });
    t.notOk(result.ok, name);
    if (!result.ok) {
      t.equal(result.error.code, code, name);
      t.match(result.error.message, message, name);
      t.notMatch(result.error.message, /\n/, `${name}: one line`);
    }
  }
  const { result } = await tryStart([], { env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '1' }, inClusterRoot: dir });
  t.ok(!result.ok && result.error.code === 'E_NOT_IN_CLUSTER' && /serviceaccount\/token: no such file/.test(result.error.message), 'in-cluster without a token file');
});

t.test('in-cluster: token and CA from the standard paths, host and port from the environment', async (t) => {
  const fake = await startFake(t);
  const root = tempDir(t);
  const saDir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(saDir, { recursive: true });
  writeFileSync(join(saDir, 'token'), fake.token);
  writeFileSync(join(saDir, 'ca.crt'), fake.tls.caPem);
  await startSynced(t, [], { env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(fake.port) }, inClusterRoot: root }, 'sync in-cluster');
});

t.test('--kube-api overrides the kubeconfig server', async (t) => {
  const fake = await startFake(t);
  const kubeconfig = writeKubeconfig(t, fake, fake.kubeconfigYaml('https://127.0.0.1:1'));
  await startSynced(t, ['--kubeconfig', kubeconfig, '--kube-api', fake.url], {}, 'sync via --kube-api');
});

t.test('a CA that does not match, or a wrong token, is reported and retried', async (t) => {
  const fake = await startFake(t);
  const other = makeTls();
  const wrongCa = fake.kubeconfigYaml().replace(Buffer.from(fake.tls.caPem).toString('base64'), Buffer.from(other.caPem).toString('base64'));
  const a = await tryStart(['--kubeconfig', writeKubeconfig(t, fake, wrongCa)]);
  t.ok(a.result.ok);
  if (a.result.ok) t.teardown(() => a.result.ok && a.result.value.stop());
  await until(() => a.logs.some((l) => l.code === 'E_KUBE_API_UNREACHABLE'), 'TLS failure logged');
  t.match(a.logs.find((l) => l.code === 'E_KUBE_API_UNREACHABLE')!.msg, /TLS: .*certificate-authority/);

  const wrongToken = fake.kubeconfigYaml().replace(`token: ${fake.token}`, 'token: nope');
  const b = await tryStart(['--kubeconfig', writeKubeconfig(t, fake, wrongToken)]);
  if (b.result.ok) t.teardown(() => b.result.ok && b.result.value.stop());
  await until(() => b.logs.some((l) => l.code === 'E_KUBE_API_REFUSED'), '401 logged');
  t.match(b.logs.find((l) => l.code === 'E_KUBE_API_REFUSED')!.msg, /HTTP 401 Unauthorized \(check the credentials/);
});

t.test('--kube-api alone: plain http without credentials (kubectl proxy)', async (t) => {
  const fake = await startFake(t, { plainHttp: true });
  await startSynced(t, ['--kube-api', fake.url], {}, 'sync over http');
  t.notOk(fake.requests.some((r) => r.verb === 'unknown'));
});

t.test('relative certificate-authority path is relative to the kubeconfig', async (t) => {
  const fake = await startFake(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'ca.crt'), fake.tls.caPem);
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, fake.kubeconfigYaml().replace(/certificate-authority-data: .*/, 'certificate-authority: ca.crt'));
  await startSynced(t, ['--kubeconfig', file], {}, 'sync with a relative CA path');
});

t.test('exec credential plugins work (client-node ExecAuth), as with `aws eks get-token`', async (t) => {
  const fake = await startFake(t);
  const dir = tempDir(t);
  const plugin = join(dir, 'get-token.sh');
  writeFileSync(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${fake.token}"}}'\n`, { mode: 0o755 });
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, fake.kubeconfigYaml().replace(`    token: ${fake.token}`,
    `    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ${plugin}\n      interactiveMode: Never`));
  await startSynced(t, ['--kubeconfig', file], {}, 'sync with an exec plugin token');
});
