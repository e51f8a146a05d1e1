// The messages between a --workers primary and its workers: "listening", a
// renewed self-signed pair, "stop". Workers also stop when the primary is gone.

import type { ServingPair } from './certificates.js';
import { checkPair } from './certificates.js';

export const MESSAGE = { listening: 'piw:listening', pair: 'piw:pair', stop: 'piw:stop' } as const;
/** The primary's self-signed pair, handed to workers at fork. */
export const PAIR_ENV = 'PIW_WORKER_PAIR';

export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

export interface WorkerLink {
  /** The pair the primary handed over (self-signed mode), if any. */
  readonly pair?: PemPair;
  onPair(apply: (pair: ServingPair) => void): void;
  onStop(stop: (reason: string) => void): void;
  listening(port: number): void;
  /** Drop the IPC channel, which would otherwise keep the worker alive after it stopped. */
  done(): void;
}

type Message = { type?: string; cert?: string; key?: string };

export function workerLink(): WorkerLink {
  const raw = process.env[PAIR_ENV];
  const pair = raw ? (JSON.parse(raw) as PemPair) : undefined;
  return {
    ...(pair ? { pair } : {}),
    onPair(apply) {
      process.on('message', (m: Message) => {
        if (m?.type !== MESSAGE.pair || !m.cert || !m.key) return;
        const checked = checkPair(m.cert, m.key, 'renewed certificate', 'renewed key');
        if (checked.ok) apply(checked.value);
      });
    },
    onStop(stop) {
      process.on('message', (m: Message) => {
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
