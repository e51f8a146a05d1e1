// The installations deploy/ offers, rendered as `kubectl apply -k` would send
// them, plus lookups the deploy tests share.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs, type ParsedArgs } from '../../src/cli/parse-args.js';
import { render, repoPath, type K8sObject, type Obj } from '../helpers/kustomize.js';

export interface Variant {
  readonly name: string;
  readonly objects: K8sObject[];
}

/** An overlay plus components, as an operator would write it in their own kustomization. */
function withComponents(overlay: string, components: string[]): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'piw-kustomize-'));
  const rel = (p: string) => relative(dir, repoPath(p));
  writeFileSync(join(dir, 'kustomization.yaml'), [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    `resources: [${JSON.stringify(rel(overlay))}]`,
    `components: [${components.map((c) => JSON.stringify(rel(c))).join(', ')}]`,
  ].join('\n'));
  try {
    return render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function variants(): Variant[] {
  return [
    { name: 'cert-manager', objects: render(repoPath('deploy/overlays/cert-manager')) },
    { name: 'self-signed', objects: render(repoPath('deploy/overlays/self-signed')) },
    { name: 'cert-manager + watch-config-map', objects: withComponents('deploy/overlays/cert-manager', ['deploy/components/watch-config-map']) },
    { name: 'self-signed + watch-config-map', objects: withComponents('deploy/overlays/self-signed', ['deploy/components/watch-config-map']) },
  ];
}

export function only(objects: readonly K8sObject[], kind: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as K8sObject;
}

export function all(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function webhookContainer(deployment: K8sObject): Obj {
  const containers = deployment.spec.template.spec.containers as Obj[];
  const c = containers.find((x) => x.name === 'pod-identity-webhook');
  if (!c) throw new Error('no pod-identity-webhook container');
  return c;
}

export function serveArgs(deployment: K8sObject): { args: string[]; parsed: ParsedArgs } {
  const args = webhookContainer(deployment).args as string[];
  const parsed = parseArgs('serve', args);
  if (!parsed.ok) throw new Error(`Deployment args do not parse: ${JSON.stringify(parsed)}`);
  return { args, parsed: parsed.value };
}

/** A container port given by name or number, as the kubelet and Services resolve it. */
export function resolvePort(container: Obj, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  const named = (container.ports as Obj[] | undefined)?.find((p) => p.name === port);
  return named?.containerPort as number | undefined;
}

/** metav1.LabelSelector semantics (matchLabels AND every matchExpression). */
export function selects(selector: Obj, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>)) {
    if (labels[k] !== v) return false;
  }
  for (const e of (selector.matchExpressions ?? []) as Obj[]) {
    const has = Object.hasOwn(labels, e.key);
    const values = (e.values ?? []) as string[];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key] as string)) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key] as string)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}
