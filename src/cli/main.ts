#!/usr/bin/env node
// Entry point: pick the command, parse its flags, hand over. Every failure a
// user can cause ends as one line on stderr and a non-zero exit, never a trace.

import { errors as E } from '../errors.js';
import { COMMANDS, type Command } from './flags.js';
import { renderCommandHelp, renderTopHelp } from './help.js';
import { runMutate } from './mutate.js';
import { processIo, type Io } from './output.js';
import { parseArgs } from './parse-args.js';
import { runReplay } from './replay.js';
import { runServe } from './serve.js';
import { version } from './version.js';

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(renderTopHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === 'version') {
    io.out(`pod-identity-webhook ${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first)?.name as Command | undefined;
  if (!command) {
    io.err(`pod-identity-webhook: ${E.unknownCommand(first).message}\n`);
    return 2;
  }
  const parsed = parseArgs(command, rest);
  if (!parsed.ok) {
    io.err(`pod-identity-webhook ${command}: ${parsed.error.message}\n`);
    return 2;
  }
  if (parsed.value.values.help === true) {
    io.out(renderCommandHelp(command));
    return 0;
  }
  if (parsed.value.values.version === true) {
    io.out(`pod-identity-webhook ${version()}\n`);
    return 0;
  }
  switch (command) {
    case 'replay': return runReplay(parsed.value, io);
    case 'mutate': return runMutate(parsed.value, io);
    case 'serve': return runServe(parsed.value, io);
  }
}

main(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A bug, not a user error: say so in one line; the trace only on request.
    process.stderr.write(`pod-identity-webhook: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    if (process.env.PIW_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    process.exitCode = 70;
  },
);
