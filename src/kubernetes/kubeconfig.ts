// Where the API server is and how to authenticate, as upstream's
// BuildConfigFromFlags decides: --kubeconfig, --kube-api, else in-cluster.
// Kubeconfig loading and auth with @kubernetes/client-node's own pieces: its
// kubeconfig parsers (config_types) and auth providers (token file, exec; OIDC,
// Azure and GCP loaded only when a kubeconfig names them). Not its KubeConfig
// class: that module imports the whole generated API (gen/index.js), measured at
// +27 MB heap and +70 MB RSS — half the webhook's memory budget at 100k
// ServiceAccounts (docs/benchmarks.md) — for code the webhook never calls.

import { readFileSync } from 'node:fs';
import type https from 'node:https';
import { isIPv6 } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import type { Authenticator } from '@kubernetes/client-node/dist/auth.js';
import { newClusters, newContexts, newUsers, type Cluster, type User } from '@kubernetes/client-node/dist/config_types.js';
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';
import { FileAuth } from '@kubernetes/client-node/dist/file_auth.js';
import { parse } from 'yaml';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { describeFsError } from '../io/documents.js';
import { isObject } from '../util/json.js';

/** The current context's cluster and user. */
export interface KubeAccess {
  readonly cluster: Cluster;
  readonly user: User;
}

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
export function resolveKubeAccess(flags: ConnectionFlags, where: ConnectionEnv): Result<KubeAccess> {
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

/** Throws with a one-line reason; the caller turns it into a catalogue message. */
export function parseKubeconfigFile(file: string): KubeAccess {
  const doc: unknown = parse(readFileSync(file, 'utf8'));
  if (!isObject(doc)) throw new Error('not a YAML mapping');
  const clusters = newClusters(doc.clusters);
  const users = newUsers(doc.users);
  const contexts = newContexts(doc.contexts);
  const current = typeof doc['current-context'] === 'string' ? doc['current-context'] : '';
  if (!current) throw new Error('no current-context');
  const context = contexts.find((c) => c.name === current);
  if (!context) throw new Error(`current-context "${current}" is not among its contexts`);
  const cluster = clusters.find((c) => c.name === context.cluster);
  if (!cluster) throw new Error(`context "${current}" names cluster "${context.cluster}", which is not defined`);
  const user = users.find((u) => u.name === context.user);
  if (!user) throw new Error(`context "${current}" names user "${context.user}", which is not defined`);
  // Relative file paths in a kubeconfig are relative to the kubeconfig itself (kubectl's rule).
  const root = dirname(file);
  const abs = (p: string | undefined) => (p && !isAbsolute(p) ? join(root, p) : p);
  return {
    cluster: { ...cluster, ...(cluster.caFile ? { caFile: abs(cluster.caFile) } : {}) },
    user: { ...user, ...(user.certFile ? { certFile: abs(user.certFile) } : {}), ...(user.keyFile ? { keyFile: abs(user.keyFile) } : {}) },
  };
}

export interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized?: boolean;
}

export function tlsOptions(access: KubeAccess): TlsOptions {
  const { cluster, user } = access;
  const read = (file: string | undefined, data: string | undefined) =>
    file ? readFileSync(file) : data ? Buffer.from(data, 'base64') : undefined;
  const ca = read(cluster.caFile, cluster.caData);
  const cert = read(user.certFile, user.certData);
  const key = read(user.keyFile, user.keyData);
  return {
    ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}),
    ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
    ...(cluster.skipTLSVerify ? { rejectUnauthorized: false } : {}),
  };
}

/** Per-request credentials: headers (Bearer token, impersonation) and basic auth. */
export function authenticator(user: User): () => Promise<{ headers: Record<string, string>; auth?: string }> {
  const builtIn: Authenticator[] = [new FileAuth(), new ExecAuth()];
  let chosen: Promise<Authenticator | undefined> | undefined;
  const choose = async (): Promise<Authenticator | undefined> => {
    const found = builtIn.find((a) => a.isAuthProvider(user));
    if (found) return found;
    const name = user.authProvider?.name;
    if (name === 'oidc') return new (await import('@kubernetes/client-node/dist/oidc_auth.js')).OpenIDConnectAuth();
    if (name === 'azure') return new (await import('@kubernetes/client-node/dist/azure_auth.js')).AzureAuth();
    if (name === 'gcp') return new (await import('@kubernetes/client-node/dist/gcp_auth.js')).GoogleCloudPlatformAuth();
    return undefined;
  };
  return async () => {
    const opts: https.RequestOptions & { headers: Record<string, string> } = { headers: {} };
    chosen ??= choose();
    const auth = await chosen;
    if (auth) await auth.applyAuthentication(user, opts);
    if (user.token) opts.headers.Authorization = `Bearer ${user.token}`;
    if (user.impersonateUser) opts.headers['Impersonate-User'] = user.impersonateUser;
    return { headers: opts.headers, ...(user.username ? { auth: `${user.username}:${user.password ?? ''}` } : {}) };
  };
}
