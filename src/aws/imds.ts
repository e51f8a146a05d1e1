// --compose-role-arn without --aws-account-id: account and region from EC2
// instance metadata, IMDSv2 (session token first), as upstream. The endpoint can
// be moved with AWS_EC2_METADATA_SERVICE_ENDPOINT, the variable the AWS SDKs read.

import http from 'node:http';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { isObject } from '../util/json.js';
import { partitionForRegion } from './partition.js';

/** The instance's account and the partition of its region. */
export interface AccountInfo {
  readonly accountId: string;
  readonly partition: string;
}

export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';

export function imdsEndpoint(env: NodeJS.ProcessEnv): string {
  return (env.AWS_EC2_METADATA_SERVICE_ENDPOINT || DEFAULT_IMDS_ENDPOINT).replace(/\/+$/, '');
}

export async function accountFromImds(endpoint: string, timeoutMs = 2000): Promise<Result<AccountInfo>> {
  const token = await call(endpoint, 'PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, timeoutMs);
  if (!token.ok) return fail(E.imdsUnreachable(endpoint, token.error));
  if (token.value.status !== 200) return fail(E.imdsUnreachable(endpoint, `token request: HTTP ${token.value.status}`));
  const doc = await call(endpoint, 'GET', '/latest/dynamic/instance-identity/document', { 'x-aws-ec2-metadata-token': token.value.body }, timeoutMs);
  if (!doc.ok) return fail(E.imdsUnreachable(endpoint, doc.error));
  if (doc.value.status !== 200) return fail(E.imdsUnreachable(endpoint, `identity document: HTTP ${doc.value.status}`));
  return parseIdentityDocument(doc.value.body, endpoint);
}

export function parseIdentityDocument(text: string, endpoint: string): Result<AccountInfo> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(E.imdsBad(endpoint, (err as Error).message));
  }
  if (!isObject(parsed) || typeof parsed.accountId !== 'string' || !/^\d{12}$/.test(parsed.accountId)) {
    return fail(E.imdsBad(endpoint, 'no 12-digit accountId'));
  }
  if (typeof parsed.region !== 'string' || parsed.region === '') return fail(E.imdsBad(endpoint, 'no region'));
  return ok({ accountId: parsed.accountId, partition: partitionForRegion(parsed.region) });
}

function call(endpoint: string, method: string, path: string, headers: Record<string, string>, timeoutMs: number)
  : Promise<Result<{ status: number; body: string }, string>> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(path, `${endpoint}/`);
    } catch {
      return resolve({ ok: false, error: 'endpoint is not a URL' });
    }
    // agent:false closes the socket after the answer: nothing lingers once the source stops.
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve(ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
      res.once('error', (err) => resolve({ ok: false, error: err.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', (err) => resolve({ ok: false, error: err.message }));
    req.end();
  });
}
