// `replay`: AdmissionReview files in, one JSON response per line out, in input
// order. A bad input is reported on stderr (naming the file) and the others are
// still answered; the exit code is 1 if any input was bad.

import { handleReview } from '../admission/handle.js';
import { displayName, readDocuments } from '../io/documents.js';
import { staticIdentityFromFlags } from './options.js';
import type { Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';

export async function runReplay(args: ParsedArgs, io: Io): Promise<number> {
  const v = args.values;
  const identity = await staticIdentityFromFlags(v);
  if (!identity.ok) return report(io, identity.error.message);
  const { config, stores } = identity.value;

  const files = args.positionals.length > 0 ? args.positionals : ['-'];
  let failed = false;
  for (const file of files) {
    const name = displayName(file);
    const docs = await readDocuments(file);
    if (!docs.ok) {
      failed = true;
      io.err(`replay: ${docs.error.message}\n`);
      continue;
    }
    if (docs.value.length === 0) {
      failed = true;
      io.err(`replay: ${name}: no AdmissionReview found\n`);
      continue;
    }
    for (const [i, doc] of docs.value.entries()) {
      const handled = await handleReview(doc, { source: stores.source, config: config, random: Math.random });
      if (!handled.ok) {
        failed = true;
        const where = docs.value.length > 1 ? `${name} (document ${i + 1})` : name;
        io.err(`replay: ${where}: ${handled.error.message}\n`);
        continue;
      }
      io.out(`${JSON.stringify(handled.value.response)}\n`);
    }
  }
  return failed ? 1 : 0;
}

function report(io: Io, message: string): number {
  io.err(`replay: ${message}\n`);
  return 1;
}
