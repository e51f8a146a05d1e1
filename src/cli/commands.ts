// Which module runs each command. Loaded only when chosen: `oidc jwks` in a CI
// pipeline must not pay for the server or the Kubernetes client (each answers
// within a few hundred milliseconds of Node's start, docs/benchmarks.md).

import type { Command } from './flags.js';
import type { Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';

export type Runner = (args: ParsedArgs, io: Io) => Promise<number>;

export const RUNNERS: Record<Command, () => Promise<Runner>> = {
  serve: async () => (await import('./serve.js')).runServe,
  replay: async () => (await import('./replay.js')).runReplay,
  mutate: async () => (await import('./mutate.js')).runMutate,
  'oidc jwks': async () => (await import('./oidc-jwks.js')).run,
  'oidc discovery': async () => (await import('./oidc-discovery.js')).run,
  'oidc publish': async () => (await import('./oidc-publish.js')).run,
  'oidc verify-token': async () => (await import('./oidc-verify-token.js')).run,
  'trust-policy': async () => (await import('./trust-policy.js')).run,
  'check-trust': async () => (await import('./check-trust.js')).run,
};
