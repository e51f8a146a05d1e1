// `oidc publish --from-cluster`: the API server's own discovery document and
// JWKS (what `kubectl get --raw` shows), read with serve's connection code.
// Loaded only for --from-cluster, so the other commands never load the
// Kubernetes client.

import { errors as E, fail, ok, type Result } from '../errors.js';
import { connect } from '../kubernetes/client.js';
import { resolveKubeAccess, type ConnectionEnv, type ConnectionFlags } from '../kubernetes/kubeconfig.js';
import { readDiscovery } from './discovery.js';
import { DISCOVERY_PATH, JWKS_PATH } from './issuer.js';
import { readJwks, type Jwks } from './jwks.js';

const TIMEOUT_MS = 10_000;

export interface ClusterIssuer {
  readonly issuer: string;
  readonly jwks: Jwks;
  readonly server: string;
}

export async function readClusterIssuer(flags: ConnectionFlags, where: ConnectionEnv): Promise<Result<ClusterIssuer>> {
  const access = resolveKubeAccess(flags, where);
  if (!access.ok) return access;
  const conn = connect(access.value);
  try {
    const get = async (path: string): Promise<Result<unknown>> => {
      let res;
      try {
        res = await conn.json({ path, timeoutMs: TIMEOUT_MS });
      } catch (err) {
        return fail(E.clusterOidcUnreachable(path, conn.server, String((err as Error)?.message ?? err)));
      }
      if (res.status !== 200) return fail(E.clusterOidcRefused(path, conn.server, res.status, res.message));
      if (res.body === undefined) return fail(E.clusterOidcBad(path, conn.server, 'the answer is not JSON'));
      return ok(res.body);
    };
    const doc = await get(DISCOVERY_PATH);
    if (!doc.ok) return doc;
    const discovery = readDiscovery(doc.value);
    if (!discovery.ok) return fail(E.clusterOidcBad(DISCOVERY_PATH, conn.server, discovery.error));
    // kube-apiserver serves its keys here whatever its jwks_uri says (that is often the internal address).
    const keys = await get(JWKS_PATH);
    if (!keys.ok) return keys;
    const jwks = readJwks(keys.value);
    if (!jwks.ok) return fail(E.clusterOidcBad(JWKS_PATH, conn.server, jwks.error));
    return ok({ issuer: discovery.value.issuer, jwks: jwks.value, server: conn.server });
  } finally {
    conn.close();
  }
}
