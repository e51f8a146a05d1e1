// Placeholder until the server lands (issue 3, in progress this session).
import type { Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';

export async function runServe(_args: ParsedArgs, io: Io): Promise<number> {
  io.err('pod-identity-webhook serve: not built yet\n');
  return 2;
}
