// A fake AWS STS on loopback that answers what the SDKs ask of it when they
// follow IRSA and role chains: AssumeRoleWithWebIdentity (unsigned, the token
// is the proof) and AssumeRole (SigV4-signed with credentials this same fake
// issued earlier). Responses are the Query-protocol XML the real STS sends, so
// the real SDK parses them; every call is recorded for the test to inspect.
//
// AssumeRole's signature is checked, not assumed: the canonical request, the
// string to sign and the signing key are rebuilt from the request as received
// (SigV4, as AWS documents it) with the secret issued for the access key, and
// the security token must be the session token issued with it. Callers decide
// what a token proves (`verifyToken`) and whom a role trusts (`trust`).

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** ISO 8601, second precision, as STS sends it. */
  readonly expiration: string;
  /** The IAM role assumed (arn:…:iam::<account>:role/<name>). */
  readonly roleArn: string;
  readonly roleSessionName: string;
  /** The session's principal, arn:…:sts::<account>:assumed-role/<name>/<session>. */
  readonly assumedRoleArn: string;
}

export type Verdict =
  | { readonly ok: true; readonly subject?: string; readonly audience?: string; readonly provider?: string }
  | { readonly ok: false; readonly code?: string; readonly message: string };

export interface WebIdentityRequest {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly token: string;
}

export interface AssumeRoleRequest {
  /** The session whose credentials signed the call. */
  readonly caller: IssuedCredentials;
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly externalId?: string;
}

export interface FakeStsOptions {
  /** Whether a web identity token may assume the role; default: any non-empty token. */
  readonly verifyToken?: (request: WebIdentityRequest) => Verdict | Promise<Verdict>;
  /** Whether the calling session may assume the role (its trust policy); default: yes. */
  readonly trust?: (request: AssumeRoleRequest) => Verdict | Promise<Verdict>;
  /** Session lifetime in seconds (default 3600). */
  readonly lifetimeSeconds?: number;
  /** When set, a signature scoped to another region is refused. */
  readonly region?: string;
}

export interface SignatureCheck {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly valid: boolean;
  /** Why it is not valid. */
  readonly problem?: string;
}

export interface StsCall {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly action: string;
  /** The form parameters (Action, Version, RoleArn, …). */
  readonly params: Readonly<Record<string, string>>;
  readonly status: number;
  /** The STS error code when refused. */
  readonly error?: string;
  /** Present when the request carried a SigV4 Authorization header. */
  readonly signature?: SignatureCheck;
  /** What this call handed out. */
  readonly issued?: IssuedCredentials;
}

export interface FakeSts {
  readonly url: string;
  readonly calls: StsCall[];
  /** Every credential set handed out, in order. */
  readonly issued: IssuedCredentials[];
  close(): Promise<void>;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:(aws[a-z0-9-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** STS refuses requests signed more than 15 minutes away from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;

class StsError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 percent-encoding, as SigV4 wants it (everything but A-Z a-z 0-9 - _ . ~). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function randomId(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/**
 * The SigV4 signature over a request as received, with `secret`: canonical
 * request → string to sign → HMAC chain of date, region, service, aws4_request.
 */
export function sigV4Signature(input: {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly signedHeaders: readonly string[];
  readonly amzDate: string;
  readonly scope: { readonly date: string; readonly region: string; readonly service: string };
  readonly secret: string;
}): string {
  const [rawPath = '/', rawQuery = ''] = input.url.split('?', 2);
  // Every service but S3 encodes each path segment once more when signing.
  const canonicalUri = rawPath.split('/').map(uriEncode).join('/') || '/';
  const canonicalQuery = rawQuery === '' ? '' : rawQuery.split('&').map((pair) => {
    const [k = '', v = ''] = pair.split('=', 2);
    return [uriEncode(decodeURIComponent(k.replace(/\+/g, ' '))), uriEncode(decodeURIComponent(v.replace(/\+/g, ' ')))];
  }).sort(([ak = '', av = ''], [bk = '', bv = '']) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
  const canonicalHeaders = input.signedHeaders.map((name) => {
    const raw = input.headers[name];
    const value = Array.isArray(raw) ? raw.join(',') : raw ?? '';
    return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
  }).join('');
  const canonicalRequest = [
    input.method, canonicalUri, canonicalQuery, canonicalHeaders, input.signedHeaders.join(';'), sha256(input.body),
  ].join('\n');
  const { date, region, service } = input.scope;
  const stringToSign = ['AWS4-HMAC-SHA256', input.amzDate, `${date}/${region}/${service}/aws4_request`, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${input.secret}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** Checks a request's SigV4 signature against the credentials this fake issued. */
function checkSignature(
  method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, issued: ReadonlyMap<string, IssuedCredentials>, region: string | undefined,
): { check: SignatureCheck; caller?: IssuedCredentials } {
  const auth = String(headers.authorization ?? '');
  const m = AUTHORIZATION.exec(auth);
  if (!m) {
    return { check: { accessKeyId: '', date: '', region: '', service: '', signedHeaders: [], valid: false, problem: 'Authorization is not AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…' } };
  }
  const [, accessKeyId = '', date = '', scopeRegion = '', service = '', signed = '', signature = ''] = m;
  const signedHeaders = signed.split(';');
  const base = { accessKeyId, date, region: scopeRegion, service, signedHeaders };
  const refuse = (problem: string): { check: SignatureCheck } => ({ check: { ...base, valid: false, problem } });
  const caller = issued.get(accessKeyId);
  if (!caller) return refuse(`access key ${accessKeyId} was not issued by this STS`);
  const amzDate = String(headers['x-amz-date'] ?? '');
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date) return refuse(`x-amz-date ${amzDate} does not match the credential scope date ${date}`);
  const signedAt = Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (!(Math.abs(Date.now() - signedAt) <= MAX_SKEW_MS)) return refuse(`signed at ${amzDate}, more than 15 minutes from now`);
  if (service !== 'sts') return refuse(`signed for service ${service}, not sts`);
  if (region !== undefined && scopeRegion !== region) return refuse(`signed for region ${scopeRegion}, expected ${region}`);
  for (const required of ['host', 'x-amz-date']) if (!signedHeaders.includes(required)) return refuse(`${required} is not a signed header`);
  if (headers['x-amz-security-token'] !== caller.sessionToken) return refuse('x-amz-security-token is not the session token issued with this access key');
  if (!signedHeaders.includes('x-amz-security-token')) return refuse('x-amz-security-token is not a signed header');
  const declared = headers['x-amz-content-sha256'];
  if (typeof declared === 'string' && declared !== sha256(body)) return refuse('x-amz-content-sha256 is not the hash of the body');
  const expected = sigV4Signature({ method, url, headers, body, signedHeaders, amzDate, scope: { date, region: scopeRegion, service }, secret: caller.secretAccessKey });
  const valid = timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(signature, 'hex'));
  return valid ? { check: { ...base, valid: true }, caller } : refuse('signature does not match the one computed with the issued secret');
}

function issue(roleArn: string, roleSessionName: string, lifetimeSeconds: number): IssuedCredentials {
  const [, partition = 'aws', account = '', name = ''] = ROLE_ARN.exec(roleArn) ?? [];
  return {
    accessKeyId: randomId('ASIA', 16),
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: `IQoJfake${randomBytes(96).toString('base64')}`,
    expiration: new Date(Math.floor(Date.now() / 1000) * 1000 + lifetimeSeconds * 1000).toISOString().replace('.000Z', 'Z'),
    roleArn,
    roleSessionName,
    assumedRoleArn: `arn:${partition}:sts::${account}:assumed-role/${name}/${roleSessionName}`,
  };
}

function credentialsXml(c: IssuedCredentials): string {
  return `<AssumedRoleUser>
      <Arn>${xml(c.assumedRoleArn)}</Arn>
      <AssumedRoleId>${randomId('AROA', 17)}:${xml(c.roleSessionName)}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${c.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${xml(c.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${xml(c.sessionToken)}</SessionToken>
      <Expiration>${c.expiration}</Expiration>
    </Credentials>`;
}

function envelope(action: string, result: string): string {
  return `<${action}Response xmlns="${NS}">
  <${action}Result>
    ${result}
  </${action}Result>
  <ResponseMetadata>
    <RequestId>${randomBytes(16).toString('hex')}</RequestId>
  </ResponseMetadata>
</${action}Response>
`;
}

function errorXml(err: StsError): string {
  return `<ErrorResponse xmlns="${NS}">
  <Error>
    <Type>Sender</Type>
    <Code>${xml(err.code)}</Code>
    <Message>${xml(err.message)}</Message>
  </Error>
  <RequestId>${randomBytes(16).toString('hex')}</RequestId>
</ErrorResponse>
`;
}

/** The checks STS makes on the parameters both actions share. */
function roleParams(params: Record<string, string>): { roleArn: string; roleSessionName: string } {
  const roleArn = params.RoleArn ?? '';
  const roleSessionName = params.RoleSessionName ?? '';
  if (!ROLE_ARN.test(roleArn)) throw new StsError(400, 'ValidationError', `RoleArn ${roleArn} is not a role ARN`);
  if (!SESSION_NAME.test(roleSessionName)) throw new StsError(400, 'ValidationError', "Value at 'roleSessionName' failed to satisfy constraint: [\\w+=,.@-]{2,64}");
  return { roleArn, roleSessionName };
}

export async function startFakeSts(options: FakeStsOptions = {}): Promise<FakeSts> {
  const calls: StsCall[] = [];
  const issuedList: IssuedCredentials[] = [];
  const byKey = new Map<string, IssuedCredentials>();
  const lifetime = options.lifetimeSeconds ?? 3600;

  const answer = async (method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): Promise<{ status: number; xml: string; call: StsCall }> => {
    const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    const action = params.Action ?? '';
    let signature: SignatureCheck | undefined;
    const record = (status: number, extra: Partial<StsCall>): StsCall => ({
      method, url, headers, action, params, status, ...(signature ? { signature } : {}), ...extra,
    });
    try {
      if (method !== 'POST') throw new StsError(400, 'InvalidAction', 'STS is called with POST');
      if (action === 'AssumeRoleWithWebIdentity') {
        const { roleArn, roleSessionName } = roleParams(params);
        const token = params.WebIdentityToken ?? '';
        if (token === '') throw new StsError(400, 'ValidationError', 'WebIdentityToken is required');
        const verdict = await (options.verifyToken?.({ roleArn, roleSessionName, token }) ?? { ok: true } as Verdict);
        if (!verdict.ok) throw new StsError(400, verdict.code ?? 'InvalidIdentityToken', verdict.message);
        const creds = issue(roleArn, roleSessionName, lifetime);
        issuedList.push(creds);
        byKey.set(creds.accessKeyId, creds);
        const extra = `<SubjectFromWebIdentityToken>${xml(verdict.subject ?? 'system:serviceaccount:default:default')}</SubjectFromWebIdentityToken>
    <Audience>${xml(verdict.audience ?? 'sts.amazonaws.com')}</Audience>
    ${verdict.provider ? `<Provider>${xml(verdict.provider)}</Provider>` : ''}
    `;
        return { status: 200, xml: envelope(action, extra + credentialsXml(creds)), call: record(200, { issued: creds }) };
      }
      if (action === 'AssumeRole') {
        if (headers.authorization === undefined) throw new StsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
        const checked = checkSignature(method, url, headers, body, byKey, options.region);
        signature = checked.check;
        if (!checked.caller) {
          const unknownKey = !byKey.has(checked.check.accessKeyId);
          throw unknownKey
            ? new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.')
            : new StsError(403, 'SignatureDoesNotMatch', `The request signature we calculated does not match the signature you provided: ${checked.check.problem}`);
        }
        const { roleArn, roleSessionName } = roleParams(params);
        const externalId = params.ExternalId;
        if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
          throw new StsError(400, 'ValidationError', "Value at 'externalId' failed to satisfy constraint: [\\w+=,.@:\\/-]{2,1224}");
        }
        const verdict = await (options.trust?.({ caller: checked.caller, roleArn, roleSessionName, ...(externalId !== undefined ? { externalId } : {}) }) ?? { ok: true } as Verdict);
        if (!verdict.ok) {
          throw new StsError(403, verdict.code ?? 'AccessDenied', `User: ${checked.caller.assumedRoleArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}: ${verdict.message}`);
        }
        const creds = issue(roleArn, roleSessionName, lifetime);
        issuedList.push(creds);
        byKey.set(creds.accessKeyId, creds);
        return { status: 200, xml: envelope(action, credentialsXml(creds)), call: record(200, { issued: creds }) };
      }
      throw new StsError(400, 'InvalidAction', `Could not find operation ${action} for version ${params.Version ?? '?'}`);
    } catch (err) {
      const e = err instanceof StsError ? err : new StsError(500, 'InternalFailure', String(err));
      return { status: e.status, xml: errorXml(e), call: record(e.status, { error: e.code }) };
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void answer(req.method ?? '', req.url ?? '/', req.headers, Buffer.concat(chunks)).then(({ status, xml: text, call }) => {
        calls.push(call);
        res.writeHead(status, { 'content-type': 'text/xml' }).end(text);
      });
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    issued: issuedList,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

/** The account of a role or assumed-role ARN. */
export function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}
