// The HTTP client to the API server: requests over node:https with one
// keep-alive agent we own, so close() can destroy every socket and a watch can
// be read line by line (see list-watch.ts for why the client-node informer is
// not used). Where to connect and how to authenticate is kubeconfig.ts's job.

import http from 'node:http';
import https from 'node:https';
import { authenticator, tlsOptions, type KubeAccess } from './kubeconfig.js';

/**
 * The largest single object (a watch line, a list item, a GET body) the client
 * reads. etcd refuses values over 1.5 MiB (its --max-request-bytes default),
 * and Kubernetes stores ServiceAccounts as protobuf; written out as JSON, a
 * string can grow up to 6× (a control character becomes \u00XX), so no object
 * the API server can hold exceeds ~9 MiB of JSON. 16 MiB leaves room for the
 * watch event's wrapper and still bounds what a broken or hostile peer can make
 * the webhook buffer (a line without a newline took 417 MB before, issue 14).
 */
export const MAX_OBJECT_BYTES = 16 * 1024 * 1024;

export interface RequestOptions {
  readonly method?: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: string;
  readonly contentType?: string;
  /** Whole-request timeout for ordinary calls; for watches, the longest silence tolerated. */
  readonly timeoutMs: number;
}

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
  /** Kubernetes Status message or the raw text, for error messages. */
  readonly message: string;
}

export interface KubeConnection {
  /** Server URL, for messages. */
  readonly server: string;
  /** Resolves with the response head (body unread), or rejects on a network error / timeout. */
  open(opts: RequestOptions): Promise<http.IncomingMessage>;
  /** open() and read a JSON body (at most MAX_OBJECT_BYTES). Rejects on network errors and larger bodies. */
  json(opts: RequestOptions): Promise<JsonResponse>;
  /** Destroys every request in flight and every socket. */
  close(): void;
}

export function connect(access: KubeAccess): KubeConnection {
  const server = access.cluster.server.replace(/\/+$/, '');
  const base = new URL(server);
  const secure = base.protocol === 'https:';
  const credentials = authenticator(access.user);
  let agent: http.Agent | undefined;
  const inFlight = new Set<http.ClientRequest>();
  let closed = false;

  const prepare = async (): Promise<{ headers: http.OutgoingHttpHeaders; auth?: string }> => {
    // Per request, so rotated token files and expiring exec credentials are picked up.
    const creds = await credentials();
    agent ??= secure ? new https.Agent({ keepAlive: true, ...tlsOptions(access) }) : new http.Agent({ keepAlive: true });
    return { headers: creds.headers, ...(creds.auth ? { auth: creds.auth } : {}) };
  };

  const open = async (opts: RequestOptions): Promise<http.IncomingMessage> => {
    if (closed) throw new Error('connection closed');
    const prepared = await prepare();
    if (closed) throw new Error('connection closed');
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const q = qs.toString();
    const headers: http.OutgoingHttpHeaders = {
      ...prepared.headers, accept: 'application/json', 'user-agent': 'pod-identity-webhook',
      ...(opts.body !== undefined ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': Buffer.byteLength(opts.body) } : {}),
    };
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request({
        protocol: base.protocol, hostname: base.hostname.replace(/^\[|\]$/g, ''), port: base.port || (secure ? 443 : 80),
        method: opts.method ?? 'GET', path: `${base.pathname.replace(/\/+$/, '')}${opts.path}${q ? `?${q}` : ''}`,
        headers, agent, ...(prepared.auth ? { auth: prepared.auth } : {}),
      });
      inFlight.add(req);
      req.once('close', () => inFlight.delete(req));
      req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
      req.once('error', (err) => reject(describeNetError(err)));
      req.once('response', resolve);
      req.end(opts.body);
    });
  };

  const raw = async (opts: RequestOptions) => {
    const res = await open(opts);
    return { status: res.statusCode ?? 0, body: await readBody(res, MAX_OBJECT_BYTES), statusMessage: res.statusMessage ?? '' };
  };
  return {
    server,
    open,
    async json(opts) {
      const r = await raw(opts);
      const text = r.body.toString('utf8');
      return { status: r.status, body: parseJson(text), message: describeBody(text, r.statusMessage) };
    },
    close() {
      closed = true;
      for (const req of inFlight) req.destroy();
      inFlight.clear();
      agent?.destroy();
    },
  };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Kubernetes Status message, else the start of the body, for error messages. */
export function describeBody(text: string, fallback = ''): string {
  const body = parseJson(text);
  return isStatusObject(body) ? String(body.message) : text.slice(0, 200).trim() || fallback;
}

export function readBody(res: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        // Reject first: destroying emits 'aborted', which would reject with a vaguer reason.
        reject(new Error(`response larger than ${formatBytes(maxBytes)}`));
        return void res.destroy();
      }
      chunks.push(c);
    });
    res.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    res.once('error', (err) => reject(describeNetError(err)));
    res.once('aborted', () => reject(new Error('connection dropped mid-response')));
  });
}

/** 16777216 → "16 MiB", for messages. */
export function formatBytes(n: number): string {
  return n % 1048576 === 0 ? `${n / 1048576} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

function isStatusObject(v: unknown): v is { kind: 'Status'; message: unknown } {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status' && 'message' in v;
}

/** Network errors as one readable line (no stack): "connect ECONNREFUSED 127.0.0.1:6443". */
export function describeNetError(err: unknown): Error {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  if (e?.code === 'ECONNRESET') return new Error('connection reset');
  if (typeof e?.code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO|TLS/.test(e.code)) {
    // Node 24 appends advice about --use-system-ca; ours is the one that applies,
    // and it must survive the catalogue's clipping.
    const reason = (e.message ?? '').replace(/; if the root CA is installed locally.*$/s, '');
    return new Error(`TLS: ${reason} (does the kubeconfig's certificate-authority match the server?)`);
  }
  return new Error(e?.message ?? String(err));
}
