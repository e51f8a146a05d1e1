// `mutate`: manifests in, manifests out with every pod template mutated exactly
// as the webhook would mutate the pods it creates (like istioctl kube-inject).
//
// Two passes over the documents, which are read one at a time (a 50 MB stream
// is never held as parsed objects; docs/benchmarks.md has the figures):
//  1. check every document and take the ServiceAccounts (and the ConfigMap) it
//     holds as identities, wherever in the stream they are; each document is
//     kept in V8's compact serialized form (off the JS heap);
//  2. only when all input was good: mutate and print each document in turn.
// So a bad file never leaves half a manifest on stdout, and
// `kubectl kustomize overlay | pod-identity-webhook mutate -f -` finds the
// overlay's own ServiceAccounts.

import { deserialize, serialize } from 'node:v8';
import { stringify } from 'yaml';
import { clip, errors as E, notes as N } from '../errors.js';
import type { EngineResult } from '../engine/inject.js';
import { displayName, streamDocuments } from '../io/documents.js';
import { checkDocument, mutateDocument } from '../manifests/mutate-manifest.js';
import type { PodSite } from '../manifests/pod-templates.js';
import { isObject } from '../util/json.js';
import { staticIdentityFromFlags } from './options.js';
import { stderrLine, type Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';

/**
 * The largest document read: yaml's syntax tree takes ~90 bytes per character
 * (a 5 MB document needed 470 MB), and the API server takes at most 3 MiB per
 * object anyway; only a List is larger, and its items can be documents.
 */
export const MAX_DOCUMENT_CHARS = 4 * 1024 * 1024;

interface Explained {
  readonly site: PodSite;
  readonly file: string;
  readonly serviceAccount: string;
  readonly result: EngineResult;
}

interface Spooled {
  readonly file: number;
  readonly index: number;
  readonly bytes: Buffer;
}

export async function runMutate(args: ParsedArgs, io: Io): Promise<number> {
  const v = args.values;
  const say = (message: string) => io.err(stderrLine('mutate', message));
  const files = [...(v.file as string[]), ...args.positionals];
  if (files.length === 0) return report(io, E.mutateNeedsFile().message);
  if (files.filter((f) => f === '-').length > 1) {
    say(E.stdinTwice().message);
    return 2;
  }
  const podNamespace = String(v['pod-namespace'] ?? '');
  const defaultNamespace = podNamespace === '' ? undefined : podNamespace;
  const identity = await staticIdentityFromFlags(v, defaultNamespace ? { defaultNamespace } : {});
  if (!identity.ok) return report(io, identity.error.message);
  const { config, stores } = identity.value;

  // Pass 1: check everything, collect identities, keep the documents compactly.
  const problems: string[] = [];
  const notes: string[] = stores.skipped.map((n) => n.message);
  const spool: Array<Spooled | undefined> = [];
  const multiDocument: boolean[] = [];
  let sites = 0;
  for (const [f, file] of files.entries()) {
    const name = displayName(file);
    const found: Array<{ index: number; message: string }> = [];
    const later: Array<{ index: number; note: (where: string) => string }> = [];
    let documents = 0;
    let lastIndex = 0;
    let failed = false;
    let reviewNoted = false;
    for await (const item of streamDocuments(file, { maxDocumentChars: MAX_DOCUMENT_CHARS })) {
      if (!item.ok) {
        problems.push(item.error.message);
        failed = true;
        break;
      }
      const { index, value } = item.value;
      documents++;
      lastIndex = index;
      if (!isObject(value)) {
        found.push({ index, message: E.documentNotObject('@', describeValue(value)).message });
        continue;
      }
      if (isAdmissionReview(value) && !reviewNoted) {
        reviewNoted = true;
        later.push({ index, note: (where) => N.admissionReviewToMutate(where, file).message });
      }
      const taken = stores.addObject(value, `${name} (document ${index})`);
      if (!taken.ok) {
        problems.push(taken.error.message);
        continue;
      }
      const checked = checkDocument(value, defaultNamespace);
      sites += checked.sites;
      for (const p of checked.problems) found.push({ index, message: `@: ${p.site.kind} ${p.site.name}: ${p.message}` });
      if (problems.length === 0 && found.length === 0) spool.push({ file: f, index, bytes: serialize(value) });
    }
    if (!failed && documents === 0) problems.push(E.fileEmpty(name).message);
    // "(document N)" only where the file has several; known once it is read.
    const multi = lastIndex > 1;
    multiDocument[f] = multi;
    const where = (index: number) => (multi ? `${name} (document ${index})` : name);
    for (const p of found) problems.push(p.message.replace(/^@/, where(p.index)));
    for (const n of later) notes.push(n.note(where(n.index)));
  }
  if (problems.length > 0) {
    for (const p of problems) say(p);
    return 1;
  }
  for (const n of notes) say(`note: ${n}`);
  if (sites > 0 && (v['service-accounts'] as string[]).length === 0 && stores.serviceAccountCount() === 0
    && !v['container-credentials-config'] && !v['watch-container-credentials-config']) {
    say(`note: ${N.noServiceAccounts().message}`);
  }

  // Pass 2: every document is known good; mutate and print them one by one.
  const explaining = v.explain === true;
  let printed = 0;
  for (let i = 0; i < spool.length; i++) {
    const kept = spool[i] as Spooled;
    spool[i] = undefined;
    const doc: unknown = deserialize(kept.bytes);
    const name = displayName(files[kept.file] as string);
    const where = multiDocument[kept.file] ? `${name} (document ${kept.index})` : name;
    const mutated = await mutateDocument(doc, { source: stores.source, config, random: Math.random, ...(defaultNamespace ? { defaultNamespace } : {}) });
    // Pass 1 ran the same checks: a problem here is a bug, not bad input.
    if (mutated.problems.length > 0) throw new Error(`${where}: ${mutated.problems[0]?.message}`);
    for (const { site, serviceAccount, result } of mutated.sites) {
      for (const w of result.warnings) io.err(`Warning: ${site.kind} ${site.namespace}/${site.name}: ${w.message}\n`);
      const range = result.plan?.expirationRange;
      if (!explaining && range && site.kind !== 'Pod') {
        say(`note: ${N.bakedTokenLifetime(`${site.kind} ${site.namespace}/${site.name}`, result.plan?.expirationSeconds ?? 0, range[0], range[1]).message}`);
      }
      if (explaining) io.out(`${printed++ > 0 ? '\n' : ''}${explain({ site, file: where, serviceAccount, result })}`);
    }
    if (!explaining) io.out(`${printed++ > 0 ? '---\n' : ''}${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`);
  }
  if (explaining && printed === 0) io.out('No pods or pod templates found.\n');
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
    if (p.expirationRange) {
      lines.push(`  token lifetime randomised: the webhook draws one per pod between ${p.expirationRange[0]}s and ${p.expirationRange[1]}s; ${p.expirationSeconds}s is this run's draw`);
    }
    lines.push(`  ${r.reason}`);
    for (const c of r.containers) {
      const what = c.list === 'initContainers' ? 'init container' : 'container';
      const had = c.present.length > 0 ? c.present.join(', ') : 'none of them';
      const detail = c.outcome === 'injected' ? `added ${c.added.join(', ')}${c.present.length > 0 ? `; already had ${had}` : ''}`
        : c.outcome === 'skipped' ? 'skipped (listed in skip-containers)'
          : `unchanged: already had ${had}`;
      lines.push(`  ${what} ${c.name}: ${detail}`);
      for (const [why, whats] of groupBy(c.notAdded)) lines.push(`    not added: ${whats.join(', ')}: ${why}`);
    }
  }
  for (const w of r.warnings) lines.push(`  warning: ${w.message}`);
  return `${lines.join('\n')}\n`;
}

function groupBy(items: readonly { what: string; why: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { what, why } of items) out.set(why, [...(out.get(why) ?? []), what]);
  return out;
}

function isAdmissionReview(doc: Record<string, unknown>): boolean {
  return doc.kind === 'AdmissionReview' && typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith('admission.k8s.io/');
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string "${clip(value, 40)}"`;
  return `the ${typeof value} ${clip(String(value), 40)}`;
}

function report(io: Io, message: string): number {
  io.err(stderrLine('mutate', message));
  return 1;
}
