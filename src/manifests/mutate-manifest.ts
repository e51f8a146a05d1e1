// One manifest document in, its pod templates mutated in place exactly as the
// webhook would mutate the pods they create: `mutate`'s counterpart of
// admission/handle.ts, and like it a thin caller of the engine's prepare step.

import jsonpatch from 'fast-json-patch';
import type { EngineConfig } from '../engine/config.js';
import type { IdentityLookupSource } from '../engine/identity.js';
import type { EngineResult } from '../engine/inject.js';
import { prepare } from '../engine/prepare.js';
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
    const prepared = await prepare({ pod: site.target, namespace: site.namespace, source: deps.source, config: deps.config, random: deps.random });
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
