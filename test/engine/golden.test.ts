// Golden fixtures: test/fixtures/<case>.yaml (identities, flags, an
// AdmissionReview) → <case>.injected.yaml (warnings, the decoded patch and the
// pod the API server ends up with). Regenerate after an intended change with
// `npm run fixtures` and review the diff like code. Each fixture goes through
// both front doors over the same files, as istio's injection tests do: the
// AdmissionReview path (serve, replay) and the manifest path (mutate).

import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { handleReview } from '../../src/admission/handle.js';
import { offlineEngineConfig } from '../../src/cli/options.js';
import { parseArgs } from '../../src/cli/parse-args.js';
import { ConfigMapCache, parseConfigMapData } from '../../src/identity/config-map.js';
import { PodIdentitySet, parsePodIdentityText } from '../../src/identity/pod-identity-file.js';
import { ServiceAccountCache, trimServiceAccount } from '../../src/identity/service-account-cache.js';
import { storesSource } from '../../src/identity/source.js';
import { parseDocuments } from '../../src/io/documents.js';
import { mutateDocument } from '../../src/manifests/mutate-manifest.js';
import { admit } from '../helpers/apiserver.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');
const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.injected.yaml')).sort();

t.ok(cases.length >= 10, 'fixtures are present');

for (const file of cases) {
  t.test(file, async (tt) => {
    const spec = parse(readFileSync(join(dir, file), 'utf8'));
    const args = parseArgs('replay', spec.flags ?? []);
    if (!args.ok) throw new Error(args.error.message);
    const config = offlineEngineConfig(args.value.values);
    if (!config.ok) throw new Error(config.error.message);

    const serviceAccounts = new ServiceAccountCache();
    let saDocs: any[] = spec.serviceAccounts ?? [];
    if (spec.serviceAccountsFile) {
      const docs = parseDocuments(readFileSync(join(dir, spec.serviceAccountsFile), 'utf8'), spec.serviceAccountsFile);
      if (!docs.ok) throw new Error(docs.error.message);
      saDocs = docs.value;
    }
    for (const d of saDocs) {
      const rec = trimServiceAccount(d, config.value.annotationPrefix);
      if (rec) serviceAccounts.set(rec);
    }
    const podIdentity = new PodIdentitySet();
    if (spec.podIdentity) {
      const parsed = parsePodIdentityText(JSON.stringify(spec.podIdentity));
      if (!parsed.ok) throw new Error(parsed.error);
      podIdentity.replace(parsed.value);
    }
    const configMap = new ConfigMapCache();
    if (spec.configMap) {
      const parsed = parseConfigMapData(JSON.stringify(spec.configMap));
      if (!parsed.ok) throw new Error(parsed.error);
      configMap.replace(parsed.value);
    }
    const source = storesSource({
      serviceAccounts, podIdentity, ...(args.value.values['watch-config-map'] === true ? { configMap } : {}),
    });
    const review = spec.reviewFile ? JSON.parse(readFileSync(join(dir, spec.reviewFile), 'utf8')) : spec.review;

    const handled = await handleReview(structuredClone(review), { source, config: config.value, random: () => 0.5 });
    if (!handled.ok) throw new Error(handled.error.message);
    const admitted = admit(review, handled.value.response);
    const actual = stringify({
      reason: handled.value.decision.reason,
      warnings: admitted.warnings,
      patch: admitted.operations,
      pod: admitted.pod,
    }, { lineWidth: 0, aliasDuplicateObjects: false });

    const expectedPath = join(dir, file.replace(/\.yaml$/, '.injected.yaml'));
    if (update || !existsSync(expectedPath)) {
      writeFileSync(expectedPath, actual);
      tt.pass(`wrote ${expectedPath}`);
    } else {
      tt.equal(actual, readFileSync(expectedPath, 'utf8'), `${file} matches its .injected.yaml (npm run fixtures regenerates)`);
    }

    // The manifest path: the same pod as a manifest, in the request's namespace, ends up the same.
    const isCreate = review.request.operation === 'CREATE' && review.request.kind?.kind === 'Pod';
    if (isCreate) {
      const manifest = structuredClone(review.request.object);
      const mutated = await mutateDocument(manifest, {
        source, config: config.value, random: () => 0.5, defaultNamespace: review.request.namespace,
      });
      tt.same(mutated.problems, [], 'mutate reads the pod');
      tt.same(manifest, admitted.pod, 'mutate gives the pod replay gives');
      tt.same(mutated.sites.flatMap((m) => m.result.warnings.map((w) => w.message)), admitted.warnings, 'and the same warnings');
    }

    // Re-invocation (reinvocationPolicy: IfNeeded) must not change the pod again.
    const again = await handleReview({ ...review, request: { ...review.request, object: admitted.pod } },
      { source, config: config.value, random: () => 0.5 });
    if (!again.ok) throw new Error(again.error.message);
    tt.equal(again.value.response.response.patch, undefined, 'a second pass yields no patch');
  });
}
