// Writing to stdout/stderr without stack traces, and without losing output
// when stdout is a pipe that closes early (`| head`).

import type { Command } from './flags.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

/**
 * Every line a command writes to stderr starts the same way, whatever the
 * command: "pod-identity-webhook COMMAND: message" ("pod-identity-webhook:
 * message" before a command is known), like Go programs and kubectl plugins.
 */
export function stderrLine(command: Command | undefined, message: string): string {
  return `pod-identity-webhook${command ? ` ${command}` : ''}: ${message}\n`;
}
