#!/usr/bin/env node
// Entry point: pick the command, parse its flags, hand over. Every failure a
// user can cause ends as one line on stderr and a non-zero exit, never a trace.

import { errors as E } from '../errors.js';
import { RUNNERS } from './commands.js';
import { COMMANDS, commandGroup, type Command } from './flags.js';
import { renderCommandHelp, renderGroupHelp, renderTopHelp } from './help.js';
import { processIo, stderrLine, type Io } from './output.js';
import { parseArgs } from './parse-args.js';
import { version } from './version.js';

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(renderTopHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === 'version') {
    io.out(`pod-identity-webhook ${version()}\n`);
    return 0;
  }
  const chosen = chooseCommand(argv);
  if (!chosen.ok) {
    if (chosen.group) {
      io.out(renderGroupHelp(first));
      return chosen.help ? 0 : 2;
    }
    io.err(stderrLine(undefined, E.unknownCommand(chosen.word).message));
    return 2;
  }
  const { command, rest } = chosen;
  const parsed = parseArgs(command, rest);
  if (!parsed.ok) {
    io.err(stderrLine(command, parsed.error.message));
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
  const run = await RUNNERS[command]();
  return run(parsed.value, io);
}

type Chosen =
  | { ok: true; command: Command; rest: readonly string[] }
  | { ok: false; group: true; help: boolean }
  | { ok: false; group: false; word: string };

function chooseCommand(argv: readonly string[]): Chosen {
  const [first = '', second, ...after] = argv;
  // Upstream's image runs the binary with flags only (`/webhook --in-cluster=false …`):
  // a command line that starts with a flag is `serve`, so its Deployments work unchanged.
  if (first.startsWith('-')) return { ok: true, command: 'serve', rest: argv };
  const direct = COMMANDS.find((c) => c.name === first);
  if (direct) return { ok: true, command: direct.name, rest: argv.slice(1) };
  const group = commandGroup(first);
  if (group.length > 0) {
    const sub = group.find((c) => c.name === `${first} ${second}`);
    if (sub) return { ok: true, command: sub.name, rest: after };
    if (second === undefined || second === '--help' || second === '-h') return { ok: false, group: true, help: second !== undefined };
    return { ok: false, group: false, word: `${first} ${second}` };
  }
  return { ok: false, group: false, word: first };
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
