// The seam between `serve` and where identities come from. The server only
// ever sees a RunningSource; static files and the Kubernetes API both produce one.

import type { Logger } from 'pino';
import type { Result } from '../errors.js';
import type { FlagValues } from '../cli/parse-args.js';
import type { EngineConfig } from '../engine/config.js';
import type { IdentitySource } from './types.js';

export interface RunningSource {
  readonly source: IdentitySource;
  /** Engine config, completed by the source (e.g. --compose-role-arn account from instance metadata). */
  readonly config: EngineConfig;
  /** 'static' or 'kubernetes', for logs. */
  readonly kind: string;
  /** Stop watches and timers; resolves when nothing is left running. */
  stop(): Promise<void>;
  /**
   * Kubernetes mode with --self-signed: write the CA bundle into the
   * MutatingWebhookConfiguration named by --webhook-config-name.
   */
  patchWebhookCaBundle?(caBundlePem: string): Promise<Result<void>>;
}

export interface StartSourceDeps {
  readonly values: FlagValues;
  readonly logger: Logger;
  /** Called when a ServiceAccount could not be found (upstream's missing_sa_count). */
  readonly onEvent?: (event: SourceEvent) => void;
}

export type SourceEvent =
  | { type: 'synced'; serviceAccounts: number; ms: number }
  | { type: 'watch-restart'; resource: string; reason: string }
  | { type: 'reloaded'; what: string }
  | { type: 'reload-failed'; what: string; reason: string };

export type StartSource = (deps: StartSourceDeps) => Promise<Result<RunningSource>>;
