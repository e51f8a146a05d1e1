// `mutate`: manifests in, manifests out with every pod template mutated exactly
// as the webhook would mutate the pods it creates (like istioctl kube-inject).
// All input is read and checked before anything is printed, so a bad file
// never leaves half a manifest on stdout.

import jsonpatch from 'fast-json-patch';
import { stringify } from 'yaml';
import { errors as E } from '../errors.js';
import type { EngineConfig } from '../engine/config.js';
import { inject, type EngineResult } from '../engine/inject.js';
import { readPod } from '../engine/pod.js';
import type { IdentitySource } from '../identity/types.js';
import { displayName, readDocuments } from '../io/documents.js';
import { findPodSites, type PodSite } from '../manifests/pod-templates.js';
import { staticIdentityFromFlags } from './options.js';
import type { Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';

interface Explained {
  readonly site: PodSite;
  readonly file: string;
  readonly serviceAccount: string;
  readonly result: EngineResult;
}

export async function runMutate(args: ParsedArgs, io: Io): Promise<number> {
  const v = args.values;
  const files = [...(v.file as string[]), ...args.positionals];
  if (files.length === 0) return report(io, E.mutateNeedsFile().message);
  const identity = await staticIdentityFromFlags(v);
  if (!identity.ok) return report(io, identity.error.message);
  const { config, stores } = identity.value;

  const problems: string[] = [];
  const outDocs: unknown[] = [];
  const explained: Explained[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const docs = await readDocuments(file);
    if (!docs.ok) {
      problems.push(docs.error.message);
      continue;
    }
    for (const [i, doc] of docs.value.entries()) {
      const where = docs.value.length > 1 ? `${displayName(file)} (document ${i + 1})` : displayName(file);
      for (const site of findPodSites(doc)) {
        const done = await mutateSite(site, stores.source, config);
        if (typeof done === 'string') {
          problems.push(`${where}: ${site.kind} ${site.name}: ${done}`);
          continue;
        }
        explained.push({ site, file: where, serviceAccount: done.serviceAccount, result: done.result });
        for (const w of done.result.warnings) warnings.push(`${site.kind} ${site.namespace}/${site.name}: ${w.message}`);
      }
      outDocs.push(doc);
    }
  }
  if (problems.length > 0) {
    for (const p of problems) io.err(`mutate: ${p}\n`);
    return 1;
  }
  for (const w of warnings) io.err(`Warning: ${w}\n`);
  if (v.explain === true) {
    io.out(explained.length === 0 ? 'No pods or pod templates found.\n' : explained.map(explain).join('\n'));
    return 0;
  }
  io.out(outDocs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n'));
  return 0;
}

async function mutateSite(site: PodSite, source: IdentitySource, config: EngineConfig)
  : Promise<string | { serviceAccount: string; result: EngineResult }> {
  const pod = readPod(site.target);
  if (!pod.ok) return `not a readable pod template: ${pod.error.message}`;
  const lookup = await source.lookup(site.namespace, pod.value.serviceAccountName);
  const result = inject({ pod: pod.value, namespace: site.namespace, lookup, config, random: Math.random });
  jsonpatch.applyPatch(site.target, result.operations.map((o) => ({ ...o })), false, true);
  return { serviceAccount: pod.value.serviceAccountName, result };
}

function explain(e: Explained): string {
  const head = `${e.site.kind} ${e.site.namespace}/${e.site.name || '<unnamed>'} (ServiceAccount ${e.site.namespace}/${e.serviceAccount}, ${e.file}):`;
  const r = e.result;
  const lines = [head];
  if (!r.plan) {
    lines.push(`  nothing injected: ${r.reason}`);
  } else {
    const p = r.plan;
    const from = p.source === 'pod-identity' ? 'the EKS Pod Identity file' : p.source === 'config-map' ? 'the pod-identity-webhook ConfigMap' : 'the ServiceAccount annotations';
    lines.push(`  ${p.mode === 'irsa' ? `IRSA role ${p.roleArn}` : 'EKS Pod Identity'} from ${from}; token audience ${p.audience}, expires in ${p.expirationSeconds}s, volume ${p.volumeName} at ${p.mountPath}`);
    lines.push(`  ${r.reason}`);
    for (const c of r.containers) {
      const what = c.list === 'initContainers' ? 'init container' : 'container';
      const detail = c.outcome === 'injected' ? `added ${c.added.join(', ')}`
        : c.outcome === 'skipped' ? 'skipped (listed in skip-containers)'
          : 'unchanged (its AWS variables and token mount are already present)';
      lines.push(`  ${what} ${c.name}: ${detail}`);
    }
  }
  for (const w of r.warnings) lines.push(`  warning: ${w.message}`);
  return `${lines.join('\n')}\n`;
}

function report(io: Io, message: string): number {
  io.err(`mutate: ${message}\n`);
  return 1;
}
