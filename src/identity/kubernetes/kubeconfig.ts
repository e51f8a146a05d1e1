// Kubeconfig loading and auth with @kubernetes/client-node's own pieces: its
// kubeconfig parsers (config_types) and auth providers (token file, exec; OIDC,
// Azure and GCP loaded only when a kubeconfig names them). Not its KubeConfig
// class: that module imports the whole generated API (gen/index.js), measured at
// +27 MB heap and +70 MB RSS — half the webhook's memory budget at 100k
// ServiceAccounts (docs/benchmarks.md) — for code the webhook never calls.

import { readFileSync } from 'node:fs';
import type https from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import type { Authenticator } from '@kubernetes/client-node/dist/auth.js';
import { newClusters, newContexts, newUsers, type Cluster, type User } from '@kubernetes/client-node/dist/config_types.js';
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';
import { FileAuth } from '@kubernetes/client-node/dist/file_auth.js';
import { parse } from 'yaml';
import { isObject } from '../../util/json.js';

/** The current context's cluster and user. */
export interface KubeAccess {
  readonly cluster: Cluster;
  readonly user: User;
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
