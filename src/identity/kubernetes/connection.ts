// How the webhook reaches the API server. Kubeconfig parsing and auth come from
// @kubernetes/client-node (kubeconfig.ts: token files are re-read, exec and OIDC
// providers work); the requests go over node:https with one keep-alive agent we
// own, so stop() can destroy every socket and a watch can be read line by line
// (see list-watch.ts for why the client-node informer is not used).

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIPv6 } from 'node:net';
import { errors as E, fail, ok, type Result } from '../../errors.js';
import { describeFsError } from '../../io/documents.js';
import { authenticator, parseKubeconfigFile, tlsOptions, type KubeAccess } from './kubeconfig.js';

export interface ConnectionFlags {
  readonly kubeconfig: string;
  readonly kubeApi: string;
}

export interface ConnectionEnv {
  readonly env: NodeJS.ProcessEnv;
  /** Prepended to /var/run/secrets/kubernetes.io/serviceaccount/* (tests point it at a temp dir). */
  readonly inClusterRoot: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Where and how to connect, as upstream's BuildConfigFromFlags decides: flags first, else in-cluster. */
export function loadKubeConfig(flags: ConnectionFlags, where: ConnectionEnv): Result<KubeAccess> {
  if (flags.kubeconfig) {
    try {
      readFileSync(flags.kubeconfig);
    } catch (err) {
      return fail(E.kubeconfigBad(flags.kubeconfig, `cannot read: ${describeFsError(err)}`));
    }
    let access: KubeAccess;
    try {
      access = parseKubeconfigFile(flags.kubeconfig);
    } catch (err) {
      return fail(E.kubeconfigBad(flags.kubeconfig, firstLine(err)));
    }
    const server = flags.kubeApi || access.cluster.server;
    const checked = checkServer(server);
    if (!checked.ok) {
      return flags.kubeApi ? fail(E.kubeApiBad(flags.kubeApi, checked.error)) : fail(E.kubeconfigBad(flags.kubeconfig, `cluster "${access.cluster.name}" server: ${checked.error}`));
    }
    if (access.cluster.proxyUrl) return fail(E.kubeconfigBad(flags.kubeconfig, `cluster "${access.cluster.name}": proxy-url is not supported`));
    try {
      tlsOptions(access);
    } catch (err) {
      return fail(E.kubeconfigBad(flags.kubeconfig, `cannot read a certificate or key: ${describeFsError(err)}`));
    }
    return ok({ ...access, cluster: { ...access.cluster, server } });
  }
  if (flags.kubeApi) {
    const checked = checkServer(flags.kubeApi);
    if (!checked.ok) return fail(E.kubeApiBad(flags.kubeApi, checked.error));
    return ok({ cluster: { name: 'kube-api', server: flags.kubeApi.replace(/\/+$/, ''), skipTLSVerify: false }, user: { name: 'kube-api' } });
  }
  const host = where.env.KUBERNETES_SERVICE_HOST;
  const port = where.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return fail(E.notInCluster('KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set'));
  for (const file of ['token', 'ca.crt']) {
    try {
      readFileSync(`${where.inClusterRoot}${SA_DIR}/${file}`);
    } catch (err) {
      return fail(E.notInCluster(`${where.inClusterRoot}${SA_DIR}/${file}: ${describeFsError(err)}`));
    }
  }
  const hostPart = isIPv6(host) ? `[${host}]` : host;
  // The token file is re-read by FileAuth (bound tokens rotate), as client-go does.
  return ok({
    cluster: { name: 'inCluster', server: `https://${hostPart}:${port}`, caFile: `${where.inClusterRoot}${SA_DIR}/ca.crt`, skipTLSVerify: false },
    user: { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: `${where.inClusterRoot}${SA_DIR}/token` } } },
  });
}

function checkServer(server: string): Result<void, string> {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return { ok: false, error: 'not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, error: `scheme ${url.protocol} is not http or https` };
  return ok(undefined);
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0] ?? '';
}

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
  /** open() and read the body as bytes. Rejects only on network errors. */
  raw(opts: RequestOptions): Promise<{ status: number; body: Buffer }>;
  /** open() and read a JSON body. Rejects only on network errors. */
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
    return { status: res.statusCode ?? 0, body: await readBody(res), statusMessage: res.statusMessage ?? '' };
  };
  return {
    server,
    open,
    raw,
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

export function readBody(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    res.once('error', (err) => reject(describeNetError(err)));
    res.once('aborted', () => reject(new Error('connection dropped mid-response')));
  });
}

function isStatusObject(v: unknown): v is { kind: 'Status'; message: unknown } {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status' && 'message' in v;
}

/** Network errors as one readable line (no stack): "connect ECONNREFUSED 127.0.0.1:6443". */
export function describeNetError(err: unknown): Error {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  if (e?.code === 'ECONNRESET') return new Error('connection reset');
  if (typeof e?.code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO|TLS/.test(e.code)) {
    return new Error(`TLS: ${e.message} (does the kubeconfig's certificate-authority match the server?)`);
  }
  return new Error(e?.message ?? String(err));
}
