// The messages between a --workers primary and its workers: "listening", a
// renewed self-signed pair, whether the cluster trusts it yet, "stop". Workers
// also stop when the primary is gone.

import type { ServingPair } from './certificates.js';
import { checkPair } from './certificates.js';

export const MESSAGE = { listening: 'piw:listening', pair: 'piw:pair', trust: 'piw:trust', stop: 'piw:stop' } as const;
/** The primary's self-signed pair, handed to workers at fork. */
export const PAIR_ENV = 'PIW_WORKER_PAIR';

export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** What PAIR_ENV holds: the pair, and whether the cluster trusts its CA yet. */
export interface HandedPair extends PemPair {
  readonly trusted: boolean;
}

export function handedPairEnv(pair: PemPair, trusted: boolean): string {
  return JSON.stringify({ cert: pair.cert, key: pair.key, trusted } satisfies HandedPair);
}

export interface WorkerLink {
  /** The pair the primary handed over (self-signed mode), if any. */
  readonly pair?: PemPair;
  /**
   * The primary's word on whether the cluster trusts the pair's CA (its
   * caBundle patch landed): a worker is not ready before that, as a single
   * process is not (serving-certificate.ts).
   */
  trusted(): boolean;
  onPair(apply: (pair: ServingPair) => void): void;
  onStop(stop: (reason: string) => void): void;
  listening(port: number): void;
  /** Drop the IPC channel, which would otherwise keep the worker alive after it stopped. */
  done(): void;
}

type LinkMessage = { type?: string; cert?: string; key?: string; trusted?: boolean };

export function workerLink(): WorkerLink {
  const raw = process.env[PAIR_ENV];
  const handed = raw ? (JSON.parse(raw) as HandedPair) : undefined;
  let trusted = handed?.trusted ?? true;
  process.on('message', (m: LinkMessage) => {
    if (m?.type === MESSAGE.trust && typeof m.trusted === 'boolean') trusted = m.trusted;
  });
  return {
    ...(handed ? { pair: { cert: handed.cert, key: handed.key } } : {}),
    trusted: () => trusted,
    onPair(apply) {
      process.on('message', (m: LinkMessage) => {
        if (m?.type !== MESSAGE.pair || !m.cert || !m.key) return;
        const checked = checkPair(m.cert, m.key, 'renewed certificate', 'renewed key');
        if (checked.ok) apply(checked.value);
      });
    },
    onStop(stop) {
      process.on('message', (m: LinkMessage) => {
        if (m?.type === MESSAGE.stop) stop('primary');
      });
      process.once('disconnect', () => stop('primary gone'));
    },
    listening(port) {
      process.send?.({ type: MESSAGE.listening, port });
    },
    done() {
      if (process.connected) process.disconnect();
    },
  };
}
