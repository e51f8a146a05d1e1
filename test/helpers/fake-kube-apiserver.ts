// A small kube-apiserver over real HTTPS (its own CA, generated with openssl)
// that speaks the parts of the protocol the webhook uses: paginated lists with
// continue tokens and resourceVersions, chunked watch streams with bookmarks and
// 410 Gone, single GETs and 404s, JSON-patch on MutatingWebhookConfigurations.
// Tests drive it (add/update/delete, compact, drop streams, go down and come
// back) and read back every request it saw.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsonpatch from 'fast-json-patch';

type Obj = Record<string, any>;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly apiGroup: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  /** RBAC verb: get, list, watch, patch, ... */
  readonly verb: string;
}

interface Resource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

const RESOURCES: readonly Resource[] = [
  { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false },
];

interface Watcher {
  readonly resource: Resource;
  readonly namespace?: string;
  readonly name?: string;
  readonly bookmarks: boolean;
  readonly res: ServerResponse;
}

interface LoggedEvent {
  readonly rv: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly plural: string;
  readonly obj: Obj;
}

export interface TlsMaterial {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** A CA and a serving certificate for 127.0.0.1/localhost, made with openssl (EC keys: fast). */
export function makeTls(): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'fake-kube-tls-'));
  try {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
    run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=fake-kube-ca', '-days', '2', '-out', 'ca.crt');
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'tls.key');
    run('req', '-new', '-key', 'tls.key', '-subj', '/CN=fake-kube-apiserver', '-out', 'tls.csr');
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    run('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'tls.crt');
    return {
      caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
      certPem: readFileSync(join(dir, 'tls.crt'), 'utf8'),
      keyPem: readFileSync(join(dir, 'tls.key'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface FakeKubeOptions {
  readonly token?: string;
  readonly tls?: TlsMaterial;
  /** Answer a too-old watch with HTTP 410 instead of a 200 stream holding an ERROR event. */
  readonly goneAsHttpStatus?: boolean;
  /** Keep only the last N requests (the scale bench makes 200+ pages; tests keep all). */
  readonly recordLimit?: number;
  /** Plain HTTP with no authentication, like `kubectl proxy`. */
  readonly plainHttp?: boolean;
}

export class FakeKubeApiServer {
  readonly token: string;
  readonly tls: TlsMaterial;
  readonly requests: RecordedRequest[] = [];
  port = 0;
  goneAsHttpStatus: boolean;
  /** Answer the next N list calls with this status (e.g. 403, 500). */
  failLists: { count: number; status: number } = { count: 0, status: 500 };
  /** Answer the next list with this body, as it is (a broken or hostile server). */
  rawListBody: string | undefined;
  /** Send every list in one page, whatever `limit` asks (written in pieces, as a real server streams it). */
  ignoreLimit = false;
  /** Answer single GETs this late (a slow API server). */
  getDelayMs = 0;
  /**
   * What GET /.well-known/openid-configuration and GET /openid/v1/jwks answer
   * (service account issuer discovery); unset → 404, as with discovery off.
   */
  oidc: { discovery?: unknown; jwks?: unknown } = {};
  /**
   * Read single GETs when they arrive but hold the answer until releaseGets():
   * a GET answered late, after the watch has already told of a newer state.
   */
  holdGets = false;

  private readonly store = new Map<string, Map<string, Obj>>(RESOURCES.map((r) => [r.plural, new Map()]));
  private readonly sortedKeys = new Map<string, string[]>();
  private readonly log: LoggedEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly heldGets: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();
  private server: https.Server | http.Server | undefined;
  private readonly plainHttp: boolean;
  private rv = 1000;
  private compactedRv = 0;
  private readonly recordLimit: number;

  constructor(opts: FakeKubeOptions = {}) {
    this.token = opts.token ?? 'fake-token';
    this.tls = opts.tls ?? makeTls();
    this.goneAsHttpStatus = opts.goneAsHttpStatus ?? false;
    this.recordLimit = opts.recordLimit ?? Infinity;
    this.plainHttp = opts.plainHttp ?? false;
  }

  get url(): string {
    return `${this.plainHttp ? 'http' : 'https'}://127.0.0.1:${this.port}`;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Starts (or restarts after stop(), on the same port). */
  async start(): Promise<this> {
    const server = this.plainHttp
      ? http.createServer((req, res) => this.handle(req, res))
      : https.createServer({ cert: this.tls.certPem, key: this.tls.keyPem }, (req, res) => this.handle(req, res));
    server.on(this.plainHttp ? 'connection' : 'secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this;
  }

  /** Goes away abruptly, like an API server outage: listener closed, every socket destroyed. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
    this.heldGets.length = 0;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A kubeconfig that trusts the fake server's CA and carries its bearer token. */
  kubeconfigYaml(server = this.url): string {
    const ca = Buffer.from(this.tls.caPem).toString('base64');
    return [
      'apiVersion: v1', 'kind: Config', 'current-context: fake',
      'clusters:', '- name: fake', '  cluster:', `    server: ${server}`, `    certificate-authority-data: ${ca}`,
      'users:', '- name: fake', '  user:', `    token: ${this.token}`,
      'contexts:', '- name: fake', '  context:', '    cluster: fake', '    user: fake',
      '',
    ].join('\n');
  }

  // --- state ---

  add(plural: string, obj: Obj): Obj {
    return this.write(plural, obj, 'ADDED');
  }

  update(plural: string, obj: Obj): Obj {
    return this.write(plural, obj, 'MODIFIED');
  }

  /** Adds many objects without logging watch events (the bench's 100k). */
  seed(plural: string, objs: Iterable<Obj>): void {
    const m = this.store.get(plural)!;
    for (const obj of objs) {
      const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
      m.set(keyOf(stored), stored);
    }
    this.sortedKeys.delete(plural);
  }

  delete(plural: string, namespace: string | undefined, name: string): boolean {
    const m = this.store.get(plural)!;
    const key = namespace ? `${namespace}/${name}` : name;
    const old = m.get(key);
    if (!old) return false;
    m.delete(key);
    this.sortedKeys.delete(plural);
    const rv = ++this.rv;
    this.emit({ rv, type: 'DELETED', plural, obj: { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } } });
    return true;
  }

  /** Sets or replaces an object silently (no watch event), as if the event was lost: only a re-list sees it. */
  setSilently(plural: string, obj: Obj): void {
    this.seed(plural, [obj]);
  }

  deleteSilently(plural: string, namespace: string | undefined, name: string): void {
    this.store.get(plural)!.delete(namespace ? `${namespace}/${name}` : name);
    this.sortedKeys.delete(plural);
  }

  get(plural: string, namespace: string | undefined, name: string): Obj | undefined {
    return this.store.get(plural)!.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Forgets history: watches from an older resourceVersion get 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.log.length = 0;
  }

  /** Ends every watch stream mid-flight (TCP reset, no final chunk). */
  dropWatches(): void {
    for (const w of this.watchers) w.res.socket?.destroy();
    this.watchers.clear();
  }

  /** Sends a 410 ERROR event on every open watch (what etcd compaction looks like mid-stream). */
  expireWatches(): void {
    for (const w of this.watchers) {
      w.res.write(`${JSON.stringify({ type: 'ERROR', object: goneStatus() })}\n`);
      w.res.end();
    }
    this.watchers.clear();
    this.compact();
  }

  /** GETs read under holdGets and not yet answered. */
  get pendingGets(): number {
    return this.heldGets.length;
  }

  /** Answers every held GET with what it read on arrival; later GETs are answered at once. */
  releaseGets(): void {
    this.holdGets = false;
    for (const answer of this.heldGets.splice(0)) answer();
  }

  /**
   * Writes `totalBytes` without a newline to the watch streams open now (not to
   * ones opened meanwhile), in chunks, with backpressure; stops at a stream the
   * client closes. Resolves with the bytes each stream took.
   */
  floodWatches(totalBytes: number, chunkBytes = 1 << 20): Promise<number[]> {
    const chunk = Buffer.alloc(chunkBytes, 'x');
    return Promise.all([...this.watchers].map(async (w) => {
      let sent = 0;
      while (sent < totalBytes && !w.res.destroyed && !w.res.writableEnded) {
        const piece = chunk.subarray(0, Math.min(chunkBytes, totalBytes - sent));
        sent += piece.length;
        if (!w.res.write(piece)) await new Promise<void>((resolve) => w.res.once('drain', resolve).once('close', resolve));
      }
      return sent;
    }));
  }

  bookmark(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: w.resource.kind, apiVersion: apiVersionOf(w.resource), metadata: { resourceVersion: String(this.rv) } } })}\n`);
    }
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  /**
   * Requests whose (apiGroup, resource, verb, name) RBAC would not allow under the table.
   * As in kube-apiserver's authorizer, a list/watch with fieldSelector metadata.name=X
   * counts as a request for the object X, so resourceNames can allow it.
   */
  callsOutside(allowed: ReadonlyArray<{ apiGroup: string; resource: string; verbs: readonly string[]; resourceName?: string }>): RecordedRequest[] {
    const nameOf = (r: RecordedRequest): string | undefined => {
      if (r.name !== undefined) return r.name;
      const selector = r.query.fieldSelector;
      const m = /^metadata\.name=([^,]+)$/.exec(selector ?? '');
      return m ? m[1] : undefined;
    };
    return this.requests.filter((r) => !allowed.some((a) => a.apiGroup === r.apiGroup && a.resource === r.resource
      && a.verbs.includes(r.verb) && (a.resourceName === undefined || a.resourceName === nameOf(r))));
  }

  // --- protocol ---

  private write(plural: string, obj: Obj, type: 'ADDED' | 'MODIFIED'): Obj {
    const m = this.store.get(plural)!;
    const rv = ++this.rv;
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
    const key = keyOf(stored);
    const existed = m.has(key);
    m.set(key, stored);
    if (!existed) this.sortedKeys.delete(plural);
    this.emit({ rv, type: existed ? 'MODIFIED' : type === 'MODIFIED' ? 'ADDED' : type, plural, obj: stored });
    return stored;
  }

  private emit(ev: LoggedEvent): void {
    this.log.push(ev);
    for (const w of this.watchers) {
      if (w.resource.plural !== ev.plural || !matches(w, ev.obj)) continue;
      w.res.write(`${JSON.stringify({ type: ev.type, object: ev.obj })}\n`);
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://x');
    const query = Object.fromEntries(url.searchParams);
    const route = parsePath(url.pathname);
    const method = req.method ?? 'GET';
    const isWatch = query.watch === '1' || query.watch === 'true';
    const oidcPath = url.pathname === '/.well-known/openid-configuration' || url.pathname === '/openid/v1/jwks';
    const verb = oidcPath && method === 'GET' ? 'get' : !route ? 'unknown'
      : method === 'GET' ? (route.name ? 'get' : isWatch ? 'watch' : 'list')
        : method === 'PATCH' ? 'patch' : method === 'PUT' ? 'update' : method === 'POST' ? 'create' : method === 'DELETE' ? 'delete' : method.toLowerCase();
    this.requests.push({
      method, path: url.pathname, query,
      apiGroup: route?.resource.group ?? '?', resource: route?.resource.plural ?? url.pathname, verb,
      ...(route?.namespace ? { namespace: route.namespace } : {}), ...(route?.name ? { name: route.name } : {}),
    });
    if (this.requests.length > this.recordLimit) this.requests.splice(0, this.requests.length - this.recordLimit);

    if (!this.plainHttp && req.headers.authorization !== `Bearer ${this.token}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (oidcPath && method === 'GET') {
      const body = url.pathname === '/openid/v1/jwks' ? this.oidc.jwks : this.oidc.discovery;
      if (body === undefined) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
      // kube-apiserver's content types for the two documents.
      const text = JSON.stringify(body);
      res.writeHead(200, { 'content-type': url.pathname === '/openid/v1/jwks' ? 'application/jwk-set+json' : 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (!route) return status(res, 404, 'NotFound', `the server could not find the requested resource ${url.pathname}`);
    const { resource, namespace, name } = route;
    const fieldName = /^metadata\.name=(.+)$/.exec(query.fieldSelector ?? '')?.[1];

    if (verb === 'get') {
      if (this.holdGets) {
        // etcd reads at arrival; only the answer is late.
        const obj = this.get(resource.plural, namespace, name!);
        this.heldGets.push(() => {
          if (res.destroyed) return;
          if (!obj) status(res, 404, 'NotFound', `${resource.plural} "${name}" not found`);
          else json(res, 200, obj);
        });
        return;
      }
      if (this.getDelayMs <= 0) return this.handleGet(res, resource, namespace, name!);
      setTimeout(() => {
        if (!res.destroyed) this.handleGet(res, resource, namespace, name!);
      }, this.getDelayMs);
      return;
    }
    if (verb === 'list') {
      if (this.failLists.count > 0) {
        this.failLists.count--;
        return status(res, this.failLists.status, 'InternalError', `injected failure ${this.failLists.status}`);
      }
      if (this.rawListBody !== undefined) {
        const body = this.rawListBody;
        this.rawListBody = undefined;
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(body);
      }
      return this.list(res, resource, namespace, fieldName, query);
    }
    if (verb === 'watch') return this.watch(req, res, resource, namespace, fieldName, query);
    if (verb === 'patch') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const obj = this.get(resource.plural, namespace, name!);
        if (!obj) return status(res, 404, 'NotFound', `${resource.plural} "${name}" not found`);
        if (req.headers['content-type'] !== 'application/json-patch+json') return status(res, 415, 'UnsupportedMediaType', 'expected application/json-patch+json');
        try {
          const ops = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          const patched = jsonpatch.applyPatch(structuredClone(obj), ops, true, false).newDocument as Obj;
          return json(res, 200, this.update(resource.plural, patched));
        } catch (err) {
          return status(res, 422, 'Invalid', (err as Error).message);
        }
      });
      return;
    }
    return status(res, 405, 'MethodNotAllowed', `${method} is not supported by the fake`);
  }

  private handleGet(res: ServerResponse, resource: Resource, namespace: string | undefined, name: string): void {
    const obj = this.get(resource.plural, namespace, name);
    if (!obj) return status(res, 404, 'NotFound', `${resource.plural} "${name}" not found`);
    json(res, 200, obj);
  }

  private list(res: ServerResponse, resource: Resource, namespace: string | undefined, fieldName: string | undefined, query: Record<string, string>): void {
    const m = this.store.get(resource.plural)!;
    let keys = this.sortedKeys.get(resource.plural);
    if (!keys) {
      keys = [...m.keys()].sort();
      this.sortedKeys.set(resource.plural, keys);
    }
    const limit = this.ignoreLimit ? Infinity : Number(query.limit ?? 0) || Infinity;
    let start = 0;
    let listRv = this.rv;
    if (query.continue) {
      let token: { rv: number; after: string };
      try {
        token = JSON.parse(Buffer.from(query.continue, 'base64url').toString('utf8'));
      } catch {
        return status(res, 400, 'BadRequest', 'invalid continue token');
      }
      if (token.rv < this.compactedRv) return status(res, 410, 'Expired', 'The provided continue parameter is too old');
      listRv = token.rv;
      start = upperBound(keys, token.after);
    }
    const items: Obj[] = [];
    let i = start;
    for (; i < keys.length && items.length < limit; i++) {
      const obj = m.get(keys[i]!)!;
      if (matches({ namespace, name: fieldName }, obj)) items.push(obj);
    }
    const more = i < keys.length;
    const metadata: Obj = { resourceVersion: String(listRv) };
    if (more) metadata.continue = Buffer.from(JSON.stringify({ rv: listRv, after: keys[i - 1] })).toString('base64url');
    if (this.ignoreLimit) return streamList(res, { kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata }, items);
    json(res, 200, { kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata, items });
  }

  private watch(req: IncomingMessage, res: ServerResponse, resource: Resource, namespace: string | undefined, fieldName: string | undefined, query: Record<string, string>): void {
    const from = Number(query.resourceVersion ?? 0);
    const tooOld = from > 0 && from < this.compactedRv;
    if (tooOld && this.goneAsHttpStatus) return status(res, 410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (tooOld) {
      res.write(`${JSON.stringify({ type: 'ERROR', object: goneStatus(from, this.compactedRv) })}\n`);
      res.end();
      return;
    }
    const w: Watcher = { resource, res, bookmarks: query.allowWatchBookmarks === 'true', ...(namespace ? { namespace } : {}), ...(fieldName ? { name: fieldName } : {}) };
    for (const ev of this.log) {
      if (ev.rv > from && ev.plural === resource.plural && matches(w, ev.obj)) res.write(`${JSON.stringify({ type: ev.type, object: ev.obj })}\n`);
    }
    this.watchers.add(w);
    const timeout = Number(query.timeoutSeconds ?? 0);
    const timer = timeout > 0 ? setTimeout(() => {
      this.watchers.delete(w);
      res.end();
    }, timeout * 1000) : undefined;
    const done = () => {
      clearTimeout(timer);
      this.watchers.delete(w);
    };
    req.socket.once('close', done);
    res.once('close', done);
  }
}

function keyOf(obj: Obj): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : String(obj.metadata.name);
}

function matches(w: { namespace?: string | undefined; name?: string | undefined }, obj: Obj): boolean {
  return (!w.namespace || obj.metadata?.namespace === w.namespace) && (!w.name || obj.metadata?.name === w.name);
}

function upperBound(keys: readonly string[], after: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function parsePath(pathname: string): { resource: Resource; namespace?: string; name?: string } | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let rest: string[];
  let group = '';
  if (parts[0] === 'api' && parts[1] === 'v1') rest = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = RESOURCES.find((r) => r.group === group && r.plural === rest[0]);
  if (!resource || rest.length > 2 || (namespace && !resource.namespaced)) return undefined;
  return { resource, ...(namespace ? { namespace } : {}), ...(rest[1] ? { name: rest[1] } : {}) };
}

function apiVersionOf(r: Resource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

function goneStatus(from?: number, compacted?: number): Obj {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410,
    message: from ? `too old resource version: ${from} (${compacted})` : 'too old resource version' };
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A list written a thousand items at a time with backpressure, so a 100k page never exists as one string here. */
function streamList(res: ServerResponse, head: Obj, items: readonly Obj[]): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const open = JSON.stringify(head);
  res.write(`${open.slice(0, -1)},"items":[`);
  let i = 0;
  const more = () => {
    while (i < items.length && !res.destroyed) {
      const end = Math.min(items.length, i + 1000);
      let text = '';
      for (; i < end; i++) text += `${i > 0 ? ',' : ''}${JSON.stringify(items[i])}`;
      if (!res.write(text)) return void res.once('drain', more);
    }
    res.end(']}');
  };
  more();
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
}

/** Object builders the tests share. */
export function serviceAccount(namespace: string, name: string, annotations: Record<string, string> = {}, extra: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace, name, annotations, ...extra } };
}

export function configMap(namespace: string, name: string, data: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name }, data };
}
