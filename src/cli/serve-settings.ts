// `serve` flags → server settings, checked before anything starts, so a bad
// flag is one line on stderr and not a half-started server. --dev fills in
// developer defaults for every flag the user did not give.

import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SecureVersion } from 'node:tls';
import { errors as E, fail, ok, type Result } from '../errors.js';
import { readClientCa } from '../server/client-ca.js';
import type { ConnectionLimits } from '../server/connection-limits.js';
import { logLevelFrom, type LogLevel } from '../server/logger.js';
import { serviceDnsNames } from '../server/self-signed.js';
import type { CertificateSpec } from '../server/serving-certificate.js';
import { parseCipherSuites, parseTlsMinVersion, type TlsPolicy } from '../server/tls.js';
import type { FlagValues, ParsedArgs } from './parse-args.js';

export interface ServeSettings {
  /** Flag values with --dev defaults applied (what the identity source reads). */
  readonly values: FlagValues;
  readonly host: string;
  readonly port: number;
  readonly metricsPort: number;
  /** --metrics-bind-address: where the metrics port listens. */
  readonly metricsHost: string;
  readonly maxRequestBytes: number;
  readonly graceMs: number;
  readonly limits: ConnectionLimits;
  readonly workers: number;
  readonly logLevel: LogLevel;
  readonly policy: TlsPolicy;
  /** Set with --client-ca-file: watched, the CA in `policy` replaced when it changes. */
  readonly clientCaFile?: string;
  readonly certificate: CertificateSpec;
  readonly debugHandlers: boolean;
  readonly dev?: DevSettings;
}

export interface DevSettings {
  /** Where the CA was written (absent when --dev is given its own --tls-cert/--tls-key). */
  readonly caFile?: string;
  readonly reviewFile: string;
}

/** The package root (where examples/ and .dev/ live), from dist/cli/. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEV_PORT = 8443;

export function serveSettings(args: ParsedArgs): Result<ServeSettings> {
  const dev = args.values.dev === true;
  const values: FlagValues = { ...args.values };
  const given = (name: string) => args.given.has(name);
  if (dev) applyDevDefaults(values, given);

  const logLevel = logLevelFrom(String(values['log-level']), { logLevel: given('log-level'), v: given('v') }, Number(values.v));
  if (!logLevel.ok) return logLevel;
  for (const flag of ['port', 'metrics-port'] as const) {
    const p = Number(values[flag]);
    if (!Number.isInteger(p) || p < 0 || p > 65535) return fail(E.portBad(flag, p));
  }
  const metricsHost = bindAddress(String(values['metrics-bind-address']), dev);
  if (!metricsHost.ok) return metricsHost;
  const maxRequestBytes = Number(values['max-request-bytes']);
  if (!(maxRequestBytes > 0)) return fail(E.maxRequestBytesBad(maxRequestBytes));
  const limits: ConnectionLimits = {
    handshakeMs: Number(values['tls-handshake-timeout']),
    headerMs: Number(values['read-header-timeout']),
    requestMs: Number(values['read-timeout']),
    idleMs: Number(values['idle-timeout']),
    maxConnections: Number(values['max-connections']),
  };
  const badLimit = checkLimits(limits)
    // The idle timeout is socket inactivity: a lookup waiting out its grace period sends nothing meanwhile.
    ?? (Number(values['service-account-lookup-grace-period'] ?? 0) >= limits.idleMs
      ? E.timeoutBad('idle-timeout', 'more than --service-account-lookup-grace-period (a review waiting for its ServiceAccount sends nothing meanwhile)')
      : undefined);
  if (badLimit) return fail(badLimit);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) return fail(E.workersBad(workers));

  const minVersion = parseTlsMinVersion(String(values['tls-min-version']));
  if (!minVersion.ok) return minVersion;
  const ciphers = parseCipherSuites(String(values['tls-cipher-suites']), minVersion.value);
  if (!ciphers.ok) return ciphers;
  const clientCaFile = String(values['client-ca-file']);
  const clientCa = readClientCa(clientCaFile);
  if (!clientCa.ok) return clientCa;
  const policy: TlsPolicy = {
    minVersion: minVersion.value as SecureVersion,
    ...(ciphers.value ? { ciphers: ciphers.value } : {}),
    ...(clientCa.value ? { clientCa: clientCa.value } : {}),
  };

  const selfSignedOn = values['self-signed'] === true;
  const caBundleOut = String(values['ca-bundle-out']);
  if (caBundleOut !== '' && !selfSignedOn) return fail(E.caBundleOutNeedsSelfSigned());
  const names = dev && !given('service-name')
    ? ['localhost', '127.0.0.1', '::1']
    : serviceDnsNames(String(values['service-name']), String(values.namespace));
  const certificate: CertificateSpec = selfSignedOn
    ? { kind: 'self-signed', options: { names }, ...(caBundleOut ? { caBundleOut: resolve(caBundleOut) } : {}) }
    : { kind: 'files', certFile: String(values['tls-cert']), keyFile: String(values['tls-key']) };

  return ok({
    values,
    host: dev ? '127.0.0.1' : '::',
    port: Number(values.port),
    metricsPort: Number(values['metrics-port']),
    metricsHost: metricsHost.value,
    maxRequestBytes,
    graceMs: Number(values['shutdown-grace']),
    limits,
    workers,
    logLevel: logLevel.value,
    policy,
    ...(clientCa.value ? { clientCaFile } : {}),
    certificate,
    debugHandlers: values['enable-debugging-handlers'] === true,
    ...(dev ? { dev: { ...(caBundleOut ? { caFile: resolve(caBundleOut) } : {}), reviewFile: join(PACKAGE_ROOT, 'examples', 'admission-review.json') } } : {}),
  });
}

/** Node refuses a header timeout above the request timeout, and 0 would mean "never". */
function checkLimits(l: ConnectionLimits) {
  for (const [flag, ms] of [['tls-handshake-timeout', l.handshakeMs], ['read-header-timeout', l.headerMs], ['read-timeout', l.requestMs], ['idle-timeout', l.idleMs]] as const) {
    if (!(ms > 0)) return E.timeoutBad(flag, 'a duration above 0 (a timeout of 0 would hold connections forever)');
  }
  if (l.headerMs > l.requestMs) return E.timeoutBad('read-header-timeout', 'at most --read-timeout (the whole request includes its headers)');
  if (!Number.isInteger(l.maxConnections) || l.maxConnections < 1) return E.maxConnectionsBad(l.maxConnections);
  return undefined;
}

/**
 * An IP literal (brackets around IPv6 allowed), as Kubernetes components take
 * --bind-address. Empty means every interface, as upstream binds ":port":
 * Prometheus scrapes the pod IP, so loopback would be a silent outage.
 */
function bindAddress(value: string, dev: boolean): Result<string> {
  const v = value.trim().replace(/^\[(.*)\]$/, '$1');
  if (v === '') return ok(dev ? '127.0.0.1' : '::');
  return isIP(v) ? ok(v) : fail(E.bindAddressBad('metrics-bind-address', value));
}

function applyDevDefaults(values: FlagValues, given: (name: string) => boolean): void {
  if (!given('port')) values.port = DEV_PORT;
  if (!given('self-signed') && !given('tls-cert') && !given('tls-key')) values['self-signed'] = true;
  if (values['self-signed'] === true && !given('ca-bundle-out')) values['ca-bundle-out'] = join(PACKAGE_ROOT, '.dev', 'ca.crt');
  if ((values['service-accounts'] as string[]).length === 0) {
    values['service-accounts'] = [join(PACKAGE_ROOT, 'examples', 'service-accounts.yaml')];
    if (!given('container-credentials-config') && !given('watch-container-credentials-config')) {
      values['container-credentials-config'] = join(PACKAGE_ROOT, 'examples', 'pod-identity.json');
    }
  }
}
