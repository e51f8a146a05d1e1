// `oidc publish --issuer URL (--public-key FILE... | --from-cluster) --out DIR`:
// the two files STS fetches, laid out under DIR as under the issuer URL and
// written all or nothing. stdout gets the paths written, one a line, so a
// script can upload them; the next steps (for a person) go to stderr.

import { join } from 'node:path';
import { errors as E, type Message } from '../errors.js';
import { discoveryDocument } from '../oidc/discovery.js';
import { jwksOf, type Jwks } from '../oidc/jwks.js';
import { publishLayout } from '../oidc/layout.js';
import { nextSteps } from '../oidc/next-steps.js';
import { writeAllOrNothing } from '../oidc/write-files.js';
import { issuerFlag, jwksUriFlag, noPositionals, readKeyFiles, say } from './oidc-common.js';
import type { Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const cmd = args.command;
  const v = args.values;
  const extra = noPositionals(args);
  if (!extra.ok) return say(io, cmd, extra.error.message, 2);
  const issuer = issuerFlag(args);
  if (!issuer.ok) return say(io, cmd, issuer.error.message, 2);
  const jwksUri = jwksUriFlag(args, issuer.value);
  if (!jwksUri.ok) return say(io, cmd, jwksUri.error.message, 2);
  const files = v['public-key'] as string[];
  const fromCluster = v['from-cluster'] === true;
  if (fromCluster === (files.length > 0)) return say(io, cmd, E.publishKeySource(fromCluster).message, 2);
  const out = String(v.out ?? '');
  if (out === '') return say(io, cmd, E.publishNeedsOut().message, 2);
  const layout = publishLayout(issuer.value, jwksUri.value);
  if (!layout.ok) return say(io, cmd, E.jwksUriBad(jwksUri.value, layout.error).message, 2);

  // Everything is read and checked before anything is written.
  let jwks: Jwks;
  if (fromCluster) {
    const read = await keysFromCluster(args, issuer.value);
    if (!read.ok) return say(io, cmd, read.error.message, 1);
    jwks = read.value;
  } else {
    const keys = await readKeyFiles(files);
    if (!keys.ok) {
      for (const e of keys.error) say(io, cmd, e.message, 1);
      return 1;
    }
    const built = jwksOf(keys.value.map((k) => k.key));
    if (!built.ok) throw new Error(built.error);
    jwks = built.value;
  }
  const discovery = discoveryDocument(issuer.value, jwksUri.value, jwks);
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const written = await writeAllOrNothing(out, [
    { segments: layout.value.discovery, content: json(discovery) },
    { segments: layout.value.jwks, content: json(jwks) },
  ], (path, reason) => E.publishWriteFailed(path, reason, out));
  if (!written.ok) return say(io, cmd, written.error.message, 1);

  const paths = [join(out, ...layout.value.discovery), join(out, ...layout.value.jwks)];
  io.out(paths.map((p) => `${p}\n`).join(''));
  io.err(nextSteps({
    issuer: issuer.value, jwksUri: jwksUri.value,
    files: [{ path: paths[0] as string, url: `${issuer.value}/.well-known/openid-configuration` }, { path: paths[1] as string, url: jwksUri.value }],
    kids: jwks.keys.map((k) => k.kid), jwksUnderIssuer: layout.value.jwksUnderIssuer, fromCluster,
  }));
  return 0;
}

async function keysFromCluster(args: ParsedArgs, issuer: string): Promise<{ ok: true; value: Jwks } | { ok: false; error: Message }> {
  const v = args.values;
  const flags = { kubeconfig: String(v.kubeconfig ?? ''), kubeApi: String(v['kube-api'] ?? '') };
  if (!flags.kubeconfig && !flags.kubeApi && !process.env.KUBERNETES_SERVICE_HOST) return { ok: false, error: E.clusterAccessMissing() };
  const { readClusterIssuer } = await import('../oidc/from-cluster.js');
  const cluster = await readClusterIssuer(flags, { env: process.env, inClusterRoot: '' });
  if (!cluster.ok) return cluster;
  if (cluster.value.issuer !== issuer) return { ok: false, error: E.clusterIssuerMismatch(cluster.value.issuer, issuer) };
  return { ok: true, value: cluster.value.jwks };
}
