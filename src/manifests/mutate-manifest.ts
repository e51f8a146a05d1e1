// One manifest document in, its pod templates mutated in place exactly as the
// webhook would mutate the pods they create: `mutate`'s counterpart of
// admission/handle.ts, and like it a thin caller of the engine's injectPod.
// Pods the webhook configuration's objectSelector excludes are left alone, as
// the API server never sends them to the webhook.

import jsonpatch from 'fast-json-patch';
import { DEFAULT_SERVICE_ACCOUNT, type EngineConfig } from '../engine/config.js';
import type { IdentityLookupSource } from '../engine/identity.js';
import type { EngineResult } from '../engine/inject.js';
import { readPod } from '../engine/pod.js';
import { injectPod } from '../engine/inject-pod.js';
import { isObject } from '../util/json.js';
import { excludedBy } from './object-selector.js';
import { findPodSites, type PodSite } from './pod-templates.js';

export interface ManifestDeps {
  readonly source: IdentityLookupSource;
  readonly config: EngineConfig;
  readonly random: () => number;
  /** Where objects without a namespace land. */
  readonly defaultNamespace?: string;
}

export interface MutatedSite {
  readonly site: PodSite;
  readonly serviceAccount: string;
  readonly result: EngineResult;
  /** Set when the objectSelector keeps the webhook from seeing these pods (result then injects nothing). */
  readonly excluded?: string;
}

export interface SiteProblem {
  readonly site: PodSite;
  readonly message: string;
}

/** Mutates every pod template of `doc` in place; a template the engine cannot read is a problem, not a throw. */
export async function mutateDocument(doc: unknown, deps: ManifestDeps): Promise<{ sites: MutatedSite[]; problems: SiteProblem[] }> {
  const sites: MutatedSite[] = [];
  const problems: SiteProblem[] = [];
  for (const site of findPodSites(doc, deps.defaultNamespace)) {
    const excluded = excludedSite(site);
    if (excluded) {
      sites.push(excluded);
      continue;
    }
    const prepared = await injectPod({ pod: site.target, namespace: site.namespace, source: deps.source, config: deps.config, random: deps.random, detail: true });
    if (!prepared.ok) {
      problems.push({ site, message: `not a readable pod template: ${prepared.error.message}` });
      continue;
    }
    const { serviceAccount, result } = prepared.value;
    jsonpatch.applyPatch(site.target, result.operations.map((o) => ({ ...o })), false, true);
    sites.push({ site, serviceAccount, result });
  }
  return { sites, problems };
}

/**
 * What mutateDocument would refuse, without mutating or looking anything up:
 * `mutate` checks the whole input before it prints a line.
 */
export function checkDocument(doc: unknown, defaultNamespace?: string): { sites: number; problems: SiteProblem[] } {
  const problems: SiteProblem[] = [];
  let sites = 0;
  for (const site of findPodSites(doc, defaultNamespace)) {
    if (excludedSite(site)) continue;
    sites++;
    const pod = readPod(site.target);
    if (!pod.ok) problems.push({ site, message: `not a readable pod template: ${pod.error.message}` });
  }
  return { sites, problems };
}

function excludedSite(site: PodSite): MutatedSite | undefined {
  const meta = isObject(site.target.metadata) ? site.target.metadata : {};
  const why = excludedBy(meta.labels);
  if (!why) return undefined;
  const pod = readPod(site.target);
  return {
    site,
    serviceAccount: pod.ok ? pod.value.serviceAccountName : DEFAULT_SERVICE_ACCOUNT,
    excluded: why,
    result: {
      operations: [], warnings: [], containers: [],
      reason: `the webhook configuration's objectSelector excludes these pods (${why}), so the API server never sends them to the webhook`,
    },
  };
}
