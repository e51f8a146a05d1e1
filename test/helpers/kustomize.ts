// The part of `kustomize build` that deploy/ uses, so tests can check what
// `kubectl apply -k` would send without a kustomize binary or a cluster.
// Any kustomization field outside this subset throws: a test must never pass
// on a rendering that real kustomize would produce differently.
//
// Supported: resources (files and directories), components, namespace,
// labels (metadata only), patches (strategic merge or JSON 6902, from a path
// or inline, with or without a target).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import jsonpatch from 'fast-json-patch';
import { parseAllDocuments, visit } from 'yaml';

export type Obj = Record<string, any>;

export interface K8sObject extends Obj {
  apiVersion: string;
  kind: string;
  metadata: Obj & { name: string; namespace?: string };
}

interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'components', 'namespace', 'labels', 'patches']);

// Kinds without a namespace; the namespace transformer leaves them alone.
// Anything not in either list throws so a new kind gets a conscious decision.
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration', 'ClusterIssuer', 'PriorityClass', 'CustomResourceDefinition',
]);
const NAMESPACED = new Set([
  'ServiceAccount', 'Role', 'RoleBinding', 'Deployment', 'Service', 'PodDisruptionBudget', 'ConfigMap',
  'Pod', 'Issuer', 'Certificate',
]);

export function isClusterScoped(kind: string): boolean {
  if (CLUSTER_SCOPED.has(kind)) return true;
  if (NAMESPACED.has(kind)) return false;
  throw new Error(`kustomize helper: scope of kind ${kind} unknown; add it to test/helpers/kustomize.ts`);
}

/**
 * YAML 1.2, as kustomize's parser reads it, except that kustomize also takes
 * a leading-zero number (0440) as octal where YAML 1.2 says decimal: such a
 * scalar is refused rather than guessed.
 */
export function parseYamlDocuments(text: string, where: string): Obj[] {
  const docs = parseAllDocuments(text);
  const out: Obj[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0]?.message}`);
    visit(doc, {
      Scalar(_key, node) {
        if (node.type === 'PLAIN' && typeof node.source === 'string' && /^[-+]?0[0-9]+$/.test(node.source)) {
          throw new Error(`${where}: ${node.source} is octal to kustomize and decimal to YAML 1.2; write it in decimal`);
        }
      },
    });
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    out.push(value as Obj);
  }
  return out;
}

export function render(dir: string): K8sObject[] {
  return build(resolve(dir), 'Kustomization');
}

function readKustomization(dir: string): Obj {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`no kustomization file in ${dir}`);
  const docs = parseYamlDocuments(readFileSync(file, 'utf8'), file);
  if (docs.length !== 1) throw new Error(`${file}: expected one document`);
  return docs[0] as Obj;
}

function build(dir: string, expectedKind: 'Kustomization' | 'Component', accumulated: K8sObject[] = []): K8sObject[] {
  const k = readKustomization(dir);
  for (const key of Object.keys(k)) {
    if (!KNOWN_FIELDS.has(key)) throw new Error(`${dir}: kustomization field "${key}" is not implemented by the test helper`);
  }
  if ((k.kind ?? 'Kustomization') !== expectedKind) throw new Error(`${dir}: expected kind ${expectedKind}, got ${k.kind}`);

  // A component transforms what the including kustomization has so far; a
  // kustomization starts from its own resources.
  const objects: K8sObject[] = expectedKind === 'Component' ? accumulated : [];
  for (const entry of (k.resources ?? []) as string[]) {
    const path = resolve(dir, entry);
    const loaded = statSync(path).isDirectory() ? build(path, 'Kustomization') : loadFile(path);
    for (const obj of loaded) add(objects, obj, path);
  }
  let result = objects;
  for (const entry of (k.components ?? []) as string[]) {
    result = build(resolve(dir, entry), 'Component', result);
  }
  for (const patch of (k.patches ?? []) as Obj[]) applyPatch(result, patch, dir);
  if (typeof k.namespace === 'string') setNamespace(result, k.namespace);
  for (const label of (k.labels ?? []) as Obj[]) applyLabels(result, label, dir);
  return result;
}

function loadFile(path: string): K8sObject[] {
  return parseYamlDocuments(readFileSync(path, 'utf8'), path).map((o) => {
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new Error(`${path}: every document needs apiVersion, kind and metadata.name`);
    }
    return o as K8sObject;
  });
}

export function idOf(o: K8sObject): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function add(objects: K8sObject[], obj: K8sObject, from: string): void {
  // kustomize refuses two resources with the same id.
  if (objects.some((o) => idOf(o) === idOf(obj))) throw new Error(`${from}: duplicate resource ${idOf(obj)}`);
  objects.push(obj);
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function matches(o: K8sObject, t: Target): boolean {
  const { group, version } = groupVersion(o.apiVersion);
  return (t.group === undefined || t.group === group)
    && (t.version === undefined || t.version === version)
    && (t.kind === undefined || t.kind === o.kind)
    && (t.name === undefined || t.name === o.metadata.name)
    && (t.namespace === undefined || t.namespace === o.metadata.namespace);
}

function applyPatch(objects: K8sObject[], entry: Obj, dir: string): void {
  let docs: unknown[];
  let where: string;
  if (typeof entry.path === 'string') {
    where = join(dir, entry.path);
    docs = parseYamlDocuments(readFileSync(where, 'utf8'), where);
  } else if (typeof entry.patch === 'string') {
    where = `${dir} (inline patch)`;
    docs = parseYamlDocuments(entry.patch, where);
  } else {
    throw new Error(`${dir}: a patch needs path or patch`);
  }
  if (docs.length !== 1) throw new Error(`${where}: expected one patch document`);
  const doc = docs[0];
  const target = entry.target as Target | undefined;

  if (Array.isArray(doc)) {
    if (!target) throw new Error(`${where}: a JSON 6902 patch needs a target`);
    const hits = objects.filter((o) => matches(o, target));
    if (hits.length === 0) throw new Error(`${where}: target matches nothing`);
    for (const hit of hits) {
      // validateOperation=true: a remove or replace of a missing path throws, as in kustomize.
      const patched = jsonpatch.applyPatch(structuredClone(hit), doc as jsonpatch.Operation[], true, false).newDocument;
      objects[objects.indexOf(hit)] = patched as K8sObject;
    }
    return;
  }

  const patch = doc as K8sObject;
  const { group, version } = groupVersion(patch.apiVersion);
  const self: Target = { group, version, kind: patch.kind, name: patch.metadata?.name };
  if (patch.metadata?.namespace !== undefined) self.namespace = patch.metadata.namespace;
  const hits = objects.filter((o) => matches(o, target ?? self));
  if (hits.length === 0) throw new Error(`${where}: strategic merge patch matches nothing`);
  for (const hit of hits) {
    const merged = strategicMerge(hit, patch, []) as K8sObject;
    if (target) merged.metadata.name = hit.metadata.name; // a targeted patch does not rename
    objects[objects.indexOf(hit)] = merged;
  }
}

// patchMergeKey of the list fields deploy/ patches, from the Kubernetes API
// types; every other list is replaced whole, as strategic merge does.
function mergeKey(field: string, items: unknown[]): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'volumes':
    case 'env':
    case 'imagePullSecrets':
    case 'webhooks':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'ports':
      return items.some((i) => typeof i === 'object' && i !== null && 'containerPort' in i) ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

export function strategicMerge(base: unknown, patch: unknown, path: string[]): unknown {
  if (Array.isArray(patch)) {
    const field = path[path.length - 1] ?? '';
    const key = Array.isArray(base) ? mergeKey(field, [...base, ...patch]) : undefined;
    if (!key || !Array.isArray(base)) return structuredClone(patch);
    const out: unknown[] = structuredClone(base);
    for (const item of patch as Obj[]) {
      const at = out.findIndex((o) => (o as Obj)[key] === item[key]);
      if (item.$patch === 'delete') {
        if (at >= 0) out.splice(at, 1);
      } else if (at >= 0) {
        out[at] = strategicMerge(out[at], item, [...path, field]);
      } else {
        out.push(structuredClone(item));
      }
    }
    return out;
  }
  if (patch !== null && typeof patch === 'object') {
    if (base === null || typeof base !== 'object' || Array.isArray(base)) return structuredClone(patch);
    const out: Obj = structuredClone(base as Obj);
    for (const [k, v] of Object.entries(patch as Obj)) {
      if (v === null) delete out[k];
      else out[k] = strategicMerge(out[k], v, [...path, k]);
    }
    return out;
  }
  return patch;
}

function setNamespace(objects: K8sObject[], namespace: string): void {
  for (const o of objects) {
    if (o.kind === 'Namespace') {
      if (o.metadata.name !== namespace) throw new Error(`Namespace ${o.metadata.name} differs from kustomization namespace ${namespace}; renaming is not implemented`);
      continue;
    }
    if (!isClusterScoped(o.kind)) o.metadata.namespace = namespace;
    if (o.kind === 'MutatingWebhookConfiguration' || o.kind === 'ValidatingWebhookConfiguration') {
      for (const w of (o.webhooks ?? []) as Obj[]) {
        if (w.clientConfig?.service) w.clientConfig.service.namespace = namespace;
      }
    }
    // kustomize's default for bindings (setRoleBindingSubjects: defaultOnly)
    // touches only subjects named "default".
    if (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') {
      for (const s of (o.subjects ?? []) as Obj[]) if (s.name === 'default') s.namespace = namespace;
    }
  }
}

function applyLabels(objects: K8sObject[], entry: Obj, dir: string): void {
  for (const key of Object.keys(entry)) {
    if (key !== 'pairs' && key !== 'includeSelectors' && key !== 'includeTemplates') throw new Error(`${dir}: labels.${key} not implemented`);
  }
  if (entry.includeSelectors === true) throw new Error(`${dir}: labels.includeSelectors is not implemented`);
  const pairs = entry.pairs as Record<string, string>;
  for (const o of objects) {
    o.metadata.labels = { ...(o.metadata.labels ?? {}), ...pairs };
    if (entry.includeTemplates === true && o.spec?.template?.metadata) {
      o.spec.template.metadata.labels = { ...(o.spec.template.metadata.labels ?? {}), ...pairs };
    }
  }
}

/** Directory of a file given relative to the repository root. */
export function repoPath(...parts: string[]): string {
  return resolve(dirname(new URL(import.meta.url).pathname), '..', '..', ...parts);
}
