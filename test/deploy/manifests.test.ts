// What `kubectl apply -k deploy/overlays/<overlay>` sends, checked the way
// the API server, the scheduler, the kubelet and the webhook itself would
// read it. No cluster here, so the cross-references are checked in code.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FLAGS } from '../../src/cli/flags.js';
import { serveSettings } from '../../src/cli/serve-settings.js';
import { parseGoDuration } from '../../src/util/go-duration.js';
import { isClusterScoped, render, repoPath, type K8sObject, type Obj } from '../helpers/kustomize.js';
import { unknownFieldErrors } from './known-fields.js';
import { validateObject } from './schema.js';
import { all, only, resolvePort, selects, serveArgs, variants, webhookContainer } from './variants.js';

const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };
const VARIANTS = variants();

// Quantities as deploy/ writes them (m, Ki, Mi, Gi, plain numbers).
function quantity(q: string | number): number {
  const m = /^([0-9.]+)(m|Ki|Mi|Gi)?$/.exec(String(q));
  if (!m) throw new Error(`quantity ${q} not understood`);
  const n = Number(m[1]);
  const unit = m[2];
  return unit === 'm' ? n / 1000 : unit === 'Ki' ? n * 1024 : unit === 'Mi' ? n * 1024 ** 2 : unit === 'Gi' ? n * 1024 ** 3 : n;
}

t.test('every rendered object is valid against the Kubernetes schema and has only known fields', async (t) => {
  const examples = render(repoPath('deploy/examples'));
  for (const { name, objects } of [...VARIANTS, { name: 'examples', objects: examples }]) {
    for (const o of objects) {
      t.doesNotThrow(() => validateObject(o), `${name}: ${o.kind} ${o.metadata.name}`);
    }
    t.same(unknownFieldErrors(objects), [], `${name}: no field the API does not know`);
  }
});

t.test('the schema check and the field check can fail', async (t) => {
  const deployment = structuredClone(only(VARIANTS[0]!.objects, 'Deployment'));
  const c = webhookContainer(deployment);
  c.ports[0].containerPort = 'https';
  t.throws(() => validateObject(deployment), 'a string containerPort is refused');
  c.ports[0].containerPort = 8443;
  c.readinesProbe = c.readinessProbe;
  t.match(unknownFieldErrors([deployment]), [/readinesProbe/], 'a misspelt field is reported');
});

for (const { name, objects } of VARIANTS) {
  t.test(name, async (t) => {
    const deployment = only(objects, 'Deployment');
    const service = only(objects, 'Service');
    const pdb = only(objects, 'PodDisruptionBudget');
    const webhookConfig = only(objects, 'MutatingWebhookConfiguration');
    const container = webhookContainer(deployment);
    const podSpec = deployment.spec.template.spec as Obj;
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    const { args, parsed } = serveArgs(deployment);
    const v = parsed.values;
    const namespace = String(v.namespace);

    t.test('args are real serve flags, each given once, and the server accepts them', async (t) => {
      for (const arg of args) {
        const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
        t.ok(m, `${arg} is written --flag or --flag=value`);
        const spec = FLAGS.find((f) => f.name === m?.[1]);
        t.ok(spec?.commands.includes('serve'), `${arg} is a serve flag in src/cli/flags.ts`);
        t.notOk(spec?.ignored, `${arg} is not a flag accepted only for compatibility`);
      }
      // A repeated flag silently overrides the first; only list flags may repeat.
      t.equal(parsed.given.size, args.length, 'no flag given twice');
      t.same(parsed.positionals, [], 'no stray positional argument');
      const settings = serveSettings(parsed);
      t.ok(settings.ok, `serve settings accept the args: ${JSON.stringify(settings.ok ? '' : settings.error)}`);
      t.notOk(v.dev, 'not the developer mode');
      t.same(v['service-accounts'], [], 'Kubernetes mode: no static ServiceAccount files');
    });

    t.test('everything namespaced lives in --namespace', async (t) => {
      const ns = only(objects, 'Namespace');
      t.equal(ns.metadata.name, namespace);
      for (const o of objects) {
        if (isClusterScoped(o.kind)) t.equal(o.metadata.namespace, undefined, `${o.kind} ${o.metadata.name} is cluster-scoped`);
        else t.equal(o.metadata.namespace, namespace, `${o.kind} ${o.metadata.name}`);
        t.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], 'pod-identity-webhook', `${o.kind} ${o.metadata.name} carries the part-of label`);
      }
    });

    t.test('ports: Service 443 → container port = --port; probes over HTTPS on it; metrics exposed', async (t) => {
      const https = (service.spec.ports as Obj[]).find((p) => p.port === 443);
      t.ok(https, 'Service listens on 443');
      t.equal(resolvePort(container, https?.targetPort), v.port, 'Service targetPort is the container port given by --port');
      t.ok((container.ports as Obj[]).some((p) => p.containerPort === v.port && p.protocol === 'TCP'), 'container declares --port');
      t.ok(Number(v.port) >= 1024, 'an unprivileged port: the container runs as non-root with no capabilities');
      for (const [probe, path] of [['readinessProbe', '/readyz'], ['livenessProbe', '/healthz']] as const) {
        const get = container[probe]?.httpGet as Obj | undefined;
        t.equal(get?.path, path, `${probe} path`);
        t.equal(get?.scheme, 'HTTPS', `${probe} speaks TLS, as the port does`);
        t.equal(resolvePort(container, get?.port), v.port, `${probe} port`);
      }
      const metrics = (container.ports as Obj[]).find((p) => p.containerPort === v['metrics-port']);
      t.equal(metrics?.name, 'metrics', 'metrics port is declared and named');
      const annotations = deployment.spec.template.metadata.annotations as Record<string, string>;
      t.equal(annotations['prometheus.io/scrape'], 'true');
      t.equal(annotations['prometheus.io/port'], String(v['metrics-port']), 'scrape annotation names --metrics-port');
      t.equal(annotations['prometheus.io/path'], '/metrics');
      const svcMetrics = (service.spec.ports as Obj[]).find((p) => p.name === 'metrics');
      t.equal(resolvePort(container, svcMetrics?.targetPort), v['metrics-port'], 'Service metrics port reaches --metrics-port');
    });

    t.test('selectors: Service, Deployment, PDB and spread all select exactly the webhook pods', async (t) => {
      t.ok(selects(deployment.spec.selector, podLabels), 'Deployment selector matches its template');
      t.ok(selects({ matchLabels: service.spec.selector }, podLabels), 'Service selects the webhook pods');
      t.ok(selects(pdb.spec.selector, podLabels), 'PDB selects the webhook pods');
      for (const c of podSpec.topologySpreadConstraints as Obj[]) {
        t.ok(selects(c.labelSelector, podLabels), 'spread constraint counts the webhook pods');
        t.equal(c.topologyKey, 'kubernetes.io/hostname', 'spread across nodes');
      }
      t.equal(podSpec.serviceAccountName, only(objects, 'ServiceAccount').metadata.name, 'runs as the ServiceAccount the RBAC binds');
      t.not(podSpec.automountServiceAccountToken, false, 'needs its token to read ServiceAccounts');
    });

    t.test('availability: replicas, PDB, rollout, shutdown', async (t) => {
      const replicas = deployment.spec.replicas as number;
      // Self-signed included: each replica adds its own CA to the caBundle.
      t.equal(replicas, 2, 'two replicas');
      t.equal(pdb.spec.minAvailable, 1, 'PDB keeps one');
      const allowed = pdb.spec.minAvailable !== undefined ? replicas - pdb.spec.minAvailable : pdb.spec.maxUnavailable;
      t.ok(allowed >= 1, 'the PDB still lets a node drain evict a replica');
      t.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, 'a rollout never lowers the serving replicas');
      const preStop = (container.lifecycle?.preStop?.exec?.command ?? []) as string[];
      t.equal(preStop[0], 'node', 'preStop runs node, the binary the image is sure to have');
      const pauseMs = Number(/setTimeout\([^,]+,\s*(\d+)\)/.exec(preStop.join(' '))?.[1]);
      t.ok(pauseMs > 0, 'preStop pauses while endpoints drain');
      const graceMs = Number(v['shutdown-grace']);
      t.equal(graceMs, parseGoDuration('10s'));
      t.ok(podSpec.terminationGracePeriodSeconds * 1000 > pauseMs + graceMs,
        'terminationGracePeriodSeconds covers the preStop pause plus --shutdown-grace');
    });

    t.test('security: non-root numeric user, read-only root, no privilege, RuntimeDefault seccomp, resources', async (t) => {
      const sc = container.securityContext as Obj;
      t.equal(podSpec.securityContext.runAsNonRoot, true);
      t.equal(sc.runAsNonRoot, true);
      t.ok(Number.isInteger(sc.runAsUser) && sc.runAsUser > 0, 'numeric non-root runAsUser');
      t.equal(sc.readOnlyRootFilesystem, true);
      t.equal(sc.allowPrivilegeEscalation, false);
      t.same(sc.capabilities?.drop, ['ALL']);
      t.equal(sc.capabilities?.add, undefined, 'no capability added back');
      t.equal(sc.seccompProfile?.type, 'RuntimeDefault');
      t.equal(podSpec.securityContext.seccompProfile?.type, 'RuntimeDefault');
      t.notOk(podSpec.hostNetwork, 'no host network');
      for (const r of ['cpu', 'memory']) {
        const req = container.resources?.requests?.[r];
        const lim = container.resources?.limits?.[r];
        t.ok(req !== undefined && lim !== undefined, `${r} request and limit`);
        t.ok(quantity(req) <= quantity(lim), `${r} request within limit`);
      }
      t.equal(container.image, `pod-identity-webhook:${pkg.version}`, 'image tag is the package version');
    });

    t.test('files the webhook reads or writes are mounted, and writable where written', async (t) => {
      const mounts = (container.volumeMounts ?? []) as Obj[];
      const volumes = (podSpec.volumes ?? []) as Obj[];
      const mountFor = (file: string) => mounts
        .filter((m) => file === m.mountPath || file.startsWith(`${m.mountPath}/`))
        .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
      for (const m of mounts) t.ok(volumes.some((vol) => vol.name === m.name), `mount ${m.mountPath} has a volume`);
      if (v['self-signed'] === true) {
        const out = String(v['ca-bundle-out']);
        if (out !== '') {
          const m = mountFor(out);
          t.ok(m && !m.readOnly, '--ca-bundle-out is on a writable mount (the root is read-only)');
          t.ok(volumes.find((vol) => vol.name === m?.name)?.emptyDir, 'an emptyDir');
        }
      } else {
        const cert = only(all(objects, 'Certificate').filter((c) => !c.spec.isCA), 'Certificate');
        for (const flag of ['tls-cert', 'tls-key']) {
          const m = mountFor(String(v[flag]));
          t.equal(dirname(String(v[flag])), '/etc/webhook/certs', `--${flag} under /etc/webhook/certs`);
          t.ok(m?.readOnly, `--${flag} is on a read-only mount`);
          t.equal(volumes.find((vol) => vol.name === m?.name)?.secret?.secretName, cert.spec.secretName,
            `--${flag} comes from the Certificate's Secret`);
        }
      }
      const tmp = mountFor('/tmp/x');
      t.ok(tmp && !tmp.readOnly, '/tmp is writable scratch');
    });

    t.test('MutatingWebhookConfiguration', async (t) => {
      const webhooks = webhookConfig.webhooks as Obj[];
      t.equal(webhooks.length, 1);
      const w = webhooks[0] as Obj;
      t.ok((w.name as string).split('.').length >= 3, 'webhook name is fully qualified (three segments or more)');
      t.same(w.admissionReviewVersions, ['v1', 'v1beta1']);
      t.equal(w.sideEffects, 'None');
      t.equal(w.failurePolicy, 'Ignore');
      t.ok(w.timeoutSeconds >= 1 && w.timeoutSeconds <= 10, 'timeoutSeconds ≤ 10');
      t.equal(w.reinvocationPolicy, 'IfNeeded');
      t.same(w.rules, [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }]);
      const svc = w.clientConfig.service as Obj;
      t.equal(svc.name, service.metadata.name, 'calls the Service');
      t.equal(svc.namespace, service.metadata.namespace, 'in its namespace');
      t.ok((service.spec.ports as Obj[]).some((p) => p.port === svc.port), 'on a port the Service has');
      t.equal(svc.path, '/mutate');
      t.equal(w.clientConfig.url, undefined);

      const sel = w.objectSelector as Obj;
      for (const e of sel.matchExpressions as Obj[]) {
        const needsValues = e.operator === 'In' || e.operator === 'NotIn';
        t.equal((e.values ?? []).length > 0, needsValues, `${e.key} ${e.operator}: values only with In/NotIn, as the API server demands`);
      }
      t.notOk(selects(sel, podLabels), 'the webhook\'s own pods are excluded (a Fail policy cannot block its rollout)');
      t.notOk(selects(sel, { app: 'web', 'eks.amazonaws.com/skip-pod-identity-webhook': 'true' }), 'the opt-out label excludes a pod');
      t.notOk(selects(sel, { 'eks.amazonaws.com/skip-pod-identity-webhook': '' }), 'the opt-out label excludes with any value');
      t.ok(selects(sel, { app: 'web' }), 'an ordinary pod is sent to the webhook');
      t.ok(selects(sel, {}), 'a pod without labels is sent to the webhook');

      const inject = webhookConfig.metadata.annotations?.['cert-manager.io/inject-ca-from'];
      if (v['self-signed'] === true) {
        t.equal(inject, undefined, 'self-signed: no cert-manager annotation');
        t.equal(all(objects, 'Certificate').length, 0, 'self-signed: no cert-manager objects');
        t.equal(v['service-name'], service.metadata.name, '--service-name names the Service (certificate DNS names)');
        t.equal(v['webhook-config-name'], webhookConfig.metadata.name, '--webhook-config-name names this configuration');
      } else {
        const cert = only(all(objects, 'Certificate').filter((c) => !c.spec.isCA), 'Certificate');
        t.equal(inject, `${cert.metadata.namespace}/${cert.metadata.name}`, 'cainjector reads the serving Certificate');
        t.notOk(v['self-signed'], 'cert-manager: not --self-signed');
      }
    });

    if (v['self-signed'] !== true) {
      t.test('cert-manager: CA chain and DNS names', async (t) => {
        const issuers = all(objects, 'Issuer');
        const certs = all(objects, 'Certificate');
        const issuerOf = (c: K8sObject) => issuers.find((i) => i.metadata.name === c.spec.issuerRef.name && c.spec.issuerRef.kind === 'Issuer');
        const serving = only(certs.filter((c) => !c.spec.isCA), 'Certificate');
        const caIssuer = issuerOf(serving);
        t.ok(caIssuer?.spec.ca, 'the serving certificate is signed by a CA Issuer');
        const caCert = certs.find((c) => c.spec.isCA && c.spec.secretName === caIssuer?.spec.ca.secretName);
        t.ok(caCert, 'whose key pair comes from a CA Certificate');
        t.ok(caCert && issuerOf(caCert)?.spec.selfSigned, 'itself from a self-signed Issuer');
        const svcName = `${service.metadata.name}.${service.metadata.namespace}.svc`;
        t.ok((serving.spec.dnsNames as string[]).includes(svcName), `covers ${svcName}, the name the API server dials`);
        t.ok(serving.spec.usages.includes('server auth'), 'usable as a TLS server certificate');
        // cert-manager durations are Go durations.
        const renewBefore = parseGoDuration(String(serving.spec.renewBefore)) ?? NaN;
        const duration = parseGoDuration(String(serving.spec.duration)) ?? NaN;
        t.ok(renewBefore > 0 && renewBefore < duration, 'renews before it expires');
      });
    }
  });
}

t.test('examples: the app ServiceAccount has a role ARN and its pods are sent to the webhook', async (t) => {
  const objects = render(repoPath('deploy/examples'));
  const webhookConfig = only(render(repoPath('deploy/overlays/cert-manager')), 'MutatingWebhookConfiguration');
  const sel = webhookConfig.webhooks[0].objectSelector as Obj;
  const sa = only(objects, 'ServiceAccount');
  t.match(sa.metadata.annotations['eks.amazonaws.com/role-arn'], /^arn:aws:iam::\d{12}:role\/.+/);
  const app = only(objects, 'Deployment');
  t.equal(app.spec.template.spec.serviceAccountName, sa.metadata.name);
  t.ok(selects(sel, app.spec.template.metadata.labels), 'the example app is mutated');
  const skipped = only(objects, 'Pod');
  t.equal(skipped.spec.serviceAccountName, sa.metadata.name, 'same ServiceAccount, so only the label explains the difference');
  t.notOk(selects(sel, skipped.metadata.labels), 'the opt-out pod is not sent to the webhook');
});
