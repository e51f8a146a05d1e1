// GET a small JSON document over HTTPS the way STS fetches the issuer's
// documents: system CAs (plus --ca-file for test and private issuers), no
// redirects, an answer within a few seconds.

import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { ok, type Result } from '../errors.js';

export interface FetchOptions {
  /** Extra trusted CAs (PEM), added to the system ones. */
  readonly ca?: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/** The parsed body, or one line saying what went wrong (no stack, no body echo). */
export function getJson(url: string, opts: FetchOptions): Promise<Result<unknown, string>> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve({ ok: false, error: 'not a URL' });
      return;
    }
    if (u.protocol !== 'https:') {
      resolve({ ok: false, error: `${u.protocol} is not https:, and STS fetches over HTTPS only` });
      return;
    }
    const req = https.get(u, {
      ca: opts.ca ? [...rootCertificates, opts.ca] : [...rootCertificates],
      headers: { accept: 'application/json', 'user-agent': 'pod-identity-webhook' },
      agent: false,
    }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        const where = status >= 300 && status < 400 && res.headers.location ? ` (a redirect to ${res.headers.location}; serve the file at this URL itself)` : '';
        resolve({ ok: false, error: `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}${where}` });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > opts.maxBytes) {
          req.destroy(new Error(`the answer is larger than ${opts.maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.once('end', () => {
        try {
          resolve(ok(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        } catch {
          resolve({ ok: false, error: 'the answer is not JSON' });
        }
      });
      res.once('error', (err) => resolve({ ok: false, error: describe(err) }));
    });
    req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer within ${opts.timeoutMs / 1000} s`)));
    req.once('error', (err) => resolve({ ok: false, error: describe(err) }));
  });
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS/.test(e.code)) {
    // Node 24 appends its own hint (--use-system-ca) after a ';': ours is the one that applies here.
    const reason = e.message.split(';')[0];
    return `TLS: ${reason} (STS trusts public CAs, else the IAM provider's thumbprint; to trust a private CA here, pass --ca-file)`;
  }
  if (e?.code === 'ENOTFOUND') return `no such host (${e.message.replace(/^getaddrinfo ENOTFOUND\s*/, '')})`;
  return e?.message ?? String(err);
}
