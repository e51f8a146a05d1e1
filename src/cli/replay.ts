// `replay`: AdmissionReview files in, one JSON response per line out, in input
// order. A bad input is reported on stderr (naming the file) and the others are
// still answered; the exit code is 1 if any input was bad. A file larger than
// --max-request-bytes is refused with serve's message, as serve would refuse
// the body, so the answers are the server's exactly.

import { handleReview } from '../admission/handle.js';
import { decodeReview, isPodCreate } from '../admission/review.js';
import { errors as E, notes as N } from '../errors.js';
import { displayName, readDocuments } from '../io/documents.js';
import { staticIdentityFromFlags } from './options.js';
import { stderrLine, type Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';

export async function runReplay(args: ParsedArgs, io: Io): Promise<number> {
  const v = args.values;
  const say = (message: string) => io.err(stderrLine('replay', message));
  const maxBytes = Number(v['max-request-bytes']);
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    say(E.maxRequestBytesBad(maxBytes).message);
    return 2;
  }
  const identity = await staticIdentityFromFlags(v);
  if (!identity.ok) {
    say(identity.error.message);
    return 1;
  }
  const { config, stores } = identity.value;
  for (const note of stores.skipped) say(`note: ${note.message}`);
  if ((v['service-accounts'] as string[]).length === 0 && !v['container-credentials-config'] && !v['watch-container-credentials-config']) {
    say(`note: ${N.noServiceAccounts().message}`);
  }

  const files = args.positionals.length > 0 ? args.positionals : ['-'];
  let failed = false;
  for (const file of files) {
    const name = displayName(file);
    const docs = await readDocuments(file, { maxBytes, tooLarge: E.reviewTooLarge });
    if (!docs.ok) {
      failed = true;
      say(docs.error.message);
      continue;
    }
    if (docs.value.length === 0) {
      failed = true;
      say(`${name}: no AdmissionReview found`);
      continue;
    }
    for (const [i, doc] of docs.value.entries()) {
      const where = docs.value.length > 1 ? `${name} (document ${i + 1})` : name;
      const handled = await handleReview(doc, { source: stores.source, config: config, random: Math.random });
      if (!handled.ok) {
        failed = true;
        say(`${where}: ${handled.error.message}`);
        continue;
      }
      const review = decodeReview(doc);
      if (review.ok && !isPodCreate(review.value.request)) say(`note: ${N.notPodCreate(where, describeRequest(review.value.request)).message}`);
      io.out(`${JSON.stringify(handled.value.response)}\n`);
    }
  }
  return failed ? 1 : 0;
}

/** "an UPDATE of apps/v1 Deployment", "a CREATE of v1 Pod (subresource binding)". */
function describeRequest(r: { operation?: unknown; kind?: { group?: unknown; version?: unknown; kind?: unknown }; subResource?: unknown }): string {
  const op = typeof r.operation === 'string' && r.operation !== '' ? r.operation : 'request without an operation';
  const k = r.kind ?? {};
  const gv = [k.group, k.version].filter((x) => typeof x === 'string' && x !== '').join('/');
  const kind = typeof k.kind === 'string' && k.kind !== '' ? `${gv ? `${gv} ` : ''}${k.kind}` : 'an object of no kind';
  const sub = typeof r.subResource === 'string' && r.subResource !== '' ? ` (subresource ${r.subResource})` : '';
  return `${/^[AEIOU]/.test(op) ? 'an' : 'a'} ${op} of ${kind}${sub}`;
}
