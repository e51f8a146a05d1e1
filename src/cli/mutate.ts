// `mutate`: manifests in, manifests out with every pod template mutated exactly
// as the webhook would mutate the pods it creates (like istioctl kube-inject).
// All input is read and checked before anything is printed, so a bad file
// never leaves half a manifest on stdout.

import { stringify } from 'yaml';
import { errors as E } from '../errors.js';
import type { EngineResult } from '../engine/inject.js';
import { displayName, readDocuments } from '../io/documents.js';
import { mutateDocument } from '../manifests/mutate-manifest.js';
import type { PodSite } from '../manifests/pod-templates.js';
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
      const mutated = await mutateDocument(doc, { source: stores.source, config, random: Math.random });
      for (const p of mutated.problems) problems.push(`${where}: ${p.site.kind} ${p.site.name}: ${p.message}`);
      for (const { site, serviceAccount, result } of mutated.sites) {
        explained.push({ site, file: where, serviceAccount, result });
        for (const w of result.warnings) warnings.push(`${site.kind} ${site.namespace}/${site.name}: ${w.message}`);
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
    if (p.chain && r.awsConfig) {
      const extras = [p.chain.externalId !== undefined ? `external id ${p.chain.externalId}` : '', p.roleSessionName !== undefined ? `session name ${p.roleSessionName}` : ''].filter((x) => x !== '');
      lines.push(`  then AssumeRole into ${p.chain.targetRoleArn}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}: AWS_PROFILE ${r.awsConfig.profile} in AWS_CONFIG_FILE ${r.awsConfig.file}, projected from annotation ${r.awsConfig.annotation}`);
    } else if (p.roleSessionName !== undefined) {
      lines.push(`  session name ${p.roleSessionName} (AWS_ROLE_SESSION_NAME)`);
    }
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
