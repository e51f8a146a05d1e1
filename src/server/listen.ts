// Listening on every interface: '::' (dual stack) where the host has IPv6,
// '0.0.0.0' where it has not. Both ports go through here.

import type { Server } from 'node:net';
import type { Result } from '../errors.js';

export function listenWithFallback(server: Server, port: number, host: string): Promise<Result<void, string>> {
  return new Promise((resolve) => {
    const attempt = (h: string) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (h === '::' && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL')) return attempt('0.0.0.0');
        resolve({ ok: false, error: err.code ?? err.message });
      });
      server.listen(port, h, () => resolve({ ok: true, value: undefined }));
    };
    attempt(host);
  });
}
