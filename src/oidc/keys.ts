// Reading the service account keys as kube-apiserver's --service-account-key-file
// does: PEM, several blocks per file, public or private keys of which only the
// public half is kept. Everything kube-apiserver would refuse, or would accept
// but cannot sign with, is refused here with its own message, because a JWKS
// published from a wrong key only fails later, at STS, with a vaguer error.

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { errors as E, fail, ok, type Result } from '../errors.js';

export interface PemBlock {
  readonly type: string;
  /** 1-based line of the BEGIN line, for messages. */
  readonly line: number;
  /** RFC 1421 headers (Proc-Type, DEK-Info) of traditional OpenSSL PEM. */
  readonly headers: ReadonlyMap<string, string>;
  readonly der: Buffer;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----$/;

/** Splits PEM text into blocks; text around and between blocks is ignored, as Go's pem.Decode does. */
export function splitPem(text: string): Result<PemBlock[], { type: string; line: number }> {
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec((lines[i] ?? '').trim());
    if (!begin) continue;
    const type = begin[1] as string;
    const start = i;
    const headers = new Map<string, string>();
    const body: string[] = [];
    let ended = false;
    for (i++; i < lines.length; i++) {
      const line = (lines[i] ?? '').trim();
      if (line === `-----END ${type}-----`) {
        ended = true;
        break;
      }
      const colon = line.indexOf(':');
      if (body.length === 0 && colon > 0) headers.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      else body.push(line);
    }
    if (!ended) return { ok: false, error: { type, line: start + 1 } };
    blocks.push({ type, line: start + 1, headers, der: Buffer.from(body.join(''), 'base64') });
  }
  return ok(blocks);
}

/** A usable signing key's public half. */
export interface PublicKeyInfo {
  readonly key: KeyObject;
  /** "RS256", "ES256", ... */
  readonly alg: string;
  /** Where it came from, for messages: "sa.pub", "keys.pem (block 2, line 31)". */
  readonly source: string;
}

const CURVE_ALG: Readonly<Record<string, string>> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/** What kube-apiserver signs with: RSA ≥ 2048 bits → RS256, EC P-256/384/521 → ES256/384/512. */
export function signingAlgorithm(key: KeyObject): Result<string, { kind: string } | { rsaBits: number }> {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = d.modulusLength ?? 0;
      return bits >= 2048 ? ok('RS256') : { ok: false, error: { rsaBits: bits } };
    }
    case 'ec': {
      const alg = CURVE_ALG[d.namedCurve ?? ''];
      return alg ? ok(alg) : { ok: false, error: { kind: `an EC key on curve ${d.namedCurve ?? 'unknown'}` } };
    }
    default:
      return { ok: false, error: { kind: `${article(KEY_TYPE_NAMES[key.asymmetricKeyType ?? ''] ?? key.asymmetricKeyType ?? 'unknown')} key` } };
  }
}

const KEY_TYPE_NAMES: Readonly<Record<string, string>> = {
  ed25519: 'Ed25519', ed448: 'Ed448', x25519: 'X25519', x448: 'X448', dsa: 'DSA', dh: 'Diffie-Hellman', 'rsa-pss': 'RSA-PSS',
};

function article(name: string): string {
  return /^(?:[AEIOUX]|RSA)/i.test(name) ? `an ${name}` : `a ${name}`;
}

// OpenSSH formats people pass by mistake (upstream issue #36): a public key
// line, the RFC 4716 "SSH2" form, and the new private key block.
const OPENSSH_PUBLIC_LINE = /^(?:\S+\s+)?(ssh-rsa|ssh-dss|ssh-ed25519|ssh-ed448|ecdsa-sha2-nistp\d+|sk-\S+)\s+AAAA/m;
const SSH2_PUBLIC = /^---- BEGIN SSH2 PUBLIC KEY ----/m;
const SSH_TYPE_NAMES: Readonly<Record<string, string>> = { 'ssh-dss': 'DSA', 'ssh-ed25519': 'Ed25519', 'ssh-ed448': 'Ed448' };

/** Every key in one file's text. At least one, or the reason there is none. */
export function readPublicKeys(text: string, file: string): Result<PublicKeyInfo[]> {
  if (text.trim() === '') return fail(E.keyFileEmpty(file));
  const split = splitPem(text);
  if (!split.ok) return fail(E.keyPemUnterminated(file, split.error.type, split.error.line));
  const blocks = split.value;
  if (blocks.length === 0) {
    const ssh = OPENSSH_PUBLIC_LINE.exec(text);
    if (ssh) {
      const name = SSH_TYPE_NAMES[ssh[1] as string];
      return fail(name ? E.keyTypeUnsupported(file, `an OpenSSH ${name} public key`) : E.keyOpenSshPublic(file));
    }
    if (SSH2_PUBLIC.test(text)) return fail(E.keyOpenSshPublic(file));
    return fail(E.keyFileNoKey(file));
  }
  const keys: PublicKeyInfo[] = [];
  for (const block of blocks) {
    const where = blocks.length === 1 ? `its ${block.type} block` : `the ${block.type} block at line ${block.line}`;
    const read = publicKeyOf(block, file, where);
    if (!read.ok) return read;
    if (read.value === undefined) continue;
    const alg = signingAlgorithm(read.value);
    if (!alg.ok) {
      const e = alg.error;
      return fail('rsaBits' in e ? E.keyRsaTooSmall(file, where, e.rsaBits) : E.keyTypeUnsupported(file, `${where} is ${e.kind}`));
    }
    keys.push({ key: read.value, alg: alg.value, source: blocks.length === 1 ? file : `${file} (line ${block.line})` });
  }
  if (keys.length === 0) return fail(E.keyFileNoKey(file));
  return ok(keys);
}

/** The block's public key; undefined for blocks that hold no key and are harmless (EC PARAMETERS). */
function publicKeyOf(block: PemBlock, file: string, where: string): Result<KeyObject | undefined> {
  const decode = (what: () => KeyObject): Result<KeyObject> => {
    try {
      return ok(what());
    } catch (err) {
      return fail(E.keyBlockBad(file, where, firstLine(err)));
    }
  };
  if (/ENCRYPTED/i.test(block.headers.get('Proc-Type') ?? '')) return fail(E.keyEncrypted(file, where));
  const der = block.der;
  switch (block.type) {
    case 'PUBLIC KEY': return decode(() => createPublicKey({ key: der, format: 'der', type: 'spki' }));
    case 'RSA PUBLIC KEY': return decode(() => createPublicKey({ key: der, format: 'der', type: 'pkcs1' }));
    // Private keys: the public half is derived at once; the private KeyObject goes out of scope here.
    case 'RSA PRIVATE KEY': return decode(() => createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs1' })));
    case 'PRIVATE KEY': return decode(() => createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })));
    case 'EC PRIVATE KEY': return decode(() => createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'sec1' })));
    case 'EC PARAMETERS': return ok(undefined);
    case 'ENCRYPTED PRIVATE KEY': return fail(E.keyEncrypted(file, where));
    case 'OPENSSH PRIVATE KEY': {
      const name = SSH_TYPE_NAMES[opensshKeyType(der) ?? ''];
      return fail(name ? E.keyTypeUnsupported(file, `an OpenSSH ${name} private key`) : E.keyOpenSshPrivate(file));
    }
    case 'DSA PRIVATE KEY': return fail(E.keyTypeUnsupported(file, `${where} is a DSA key`));
    case 'CERTIFICATE': case 'TRUSTED CERTIFICATE': case 'X509 CERTIFICATE': return fail(E.keyCertificate(file, where));
    default: return fail(E.keyUnknownBlock(file, where));
  }
}

/**
 * The key type inside an "openssh-key-v1" blob (its first public key's type
 * string), so that an Ed25519 key is named as such instead of being sent to a
 * conversion that cannot work for it.
 */
function opensshKeyType(der: Buffer): string | undefined {
  const magic = Buffer.from('openssh-key-v1\0', 'latin1');
  if (der.length < magic.length || !der.subarray(0, magic.length).equals(magic)) return undefined;
  let at = magic.length;
  const str = (): Buffer | undefined => {
    if (at + 4 > der.length) return undefined;
    const len = der.readUInt32BE(at);
    if (at + 4 + len > der.length) return undefined;
    const out = der.subarray(at + 4, at + 4 + len);
    at += 4 + len;
    return out;
  };
  if (!str() || !str() || !str()) return undefined; // cipher, kdf, kdf options
  if (at + 4 > der.length) return undefined;
  at += 4; // number of keys
  const pub = str();
  if (!pub || pub.length < 4) return undefined;
  const len = pub.readUInt32BE(0);
  return len + 4 <= pub.length ? pub.subarray(4, 4 + len).toString('latin1') : undefined;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0] ?? '';
}
