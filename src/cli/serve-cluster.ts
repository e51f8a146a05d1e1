// --workers N: a node cluster primary. Workers share the HTTPS port and each
// run the normal server path; the primary serves /metrics (aggregated from the
// workers) and /debug/alpha/cache, owns the self-signed CA (one CA for all
// workers, renewed here and sent to them), restarts a worker that dies, and
// on SIGTERM tells every worker to drain and waits for them.

import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { MESSAGE, PAIR_ENV, handedPairEnv, type PemPair } from '../server/cluster-link.js';
import { announcer, createLogger } from '../server/logger.js';
import { startMetricsServer } from '../server/metrics-server.js';
import { onStopSignal } from '../server/shutdown.js';
import type { Io } from './output.js';
import type { ParsedArgs } from './parse-args.js';
import { devBanner, noteIgnoredFlags, refuse } from './serve.js';
import { startBackendAndCertificate, stopBackend } from './serve-start.js';
import type { ServeSettings } from './serve-settings.js';

const RESTART_DELAY_MS = 1000;

export async function runPrimary(args: ParsedArgs, s: ServeSettings, io: Io): Promise<number> {
  const logger = createLogger(s.logLevel);
  noteIgnoredFlags(args, logger);

  // Workers forked later (restarts) start from the current pair and trust; running ones are told.
  const env: Record<string, string> = {};
  const broadcast = (message: Record<string, unknown>) => {
    for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send(message);
  };
  let handed: { pair: PemPair; trusted: boolean } | undefined;
  const handOut = (next: { pair: PemPair; trusted: boolean }) => {
    handed = next;
    env[PAIR_ENV] = handedPairEnv(next.pair, next.trusted);
  };
  // Files are checked here once so a bad path is one line, not one per worker.
  // The primary's own source backs /debug/alpha/cache and patches the CA bundle.
  const prepared = await startBackendAndCertificate(s, logger, {
    onTrust(trusted) {
      if (handed) handOut({ ...handed, trusted });
      broadcast({ type: MESSAGE.trust, trusted });
    },
  });
  if (!prepared.ok) return refuse(io, prepared.error.message, 1);
  const { backend, certificate } = prepared.value;
  // Workers load certificate files themselves; only a self-signed pair is handed over.
  const selfSigned = s.certificate.kind === 'self-signed' ? certificate : undefined;
  if (selfSigned) handOut({ pair: selfSigned.pair, trusted: selfSigned.trusted() });
  else certificate.stop();

  const aggregator = new AggregatorRegistry();
  const metrics = await startMetricsServer({
    host: s.metricsHost, port: s.metricsPort,
    collect: async () => ({ contentType: aggregator.contentType, text: await aggregator.clusterMetrics() }),
    ...(s.debugHandlers ? { snapshot: () => backend.source.snapshot() } : {}),
  });
  if (!metrics.ok) {
    selfSigned?.stop();
    await stopBackend(backend);
    return refuse(io, metrics.error.message, 1);
  }

  let stopping = false;
  let port = -1;
  cluster.setupPrimary({ execArgv: workerExecArgv() });
  const fork = () => {
    const worker = cluster.fork(env);
    // A trust change between fork and the worker's first listener would be
    // lost; answering its "listening" with the current state closes that gap.
    worker.on('message', (m: { type?: string }) => {
      if (m?.type === MESSAGE.listening && handed) worker.send({ type: MESSAGE.trust, trusted: handed.trusted });
    });
    return worker;
  };
  // One worker first: if it cannot start (port in use), its one-line error is the only one.
  const first = await started(fork());
  if (!first.ok) {
    await metrics.value.close();
    selfSigned?.stop();
    await stopBackend(backend);
    return first.code;
  }
  port = first.port;
  const rest = await Promise.all(Array.from({ length: s.workers - 1 }, () => started(fork())));
  if (rest.some((r) => !r.ok)) logger.error('a worker failed to start; it will be restarted');

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ worker: worker.id, code, signal }, 'worker exited; starting a new one');
    setTimeout(() => { if (!stopping) void started(fork()); }, RESTART_DELAY_MS).unref();
  });
  selfSigned?.keepFresh((pair) => {
    handOut({ pair, trusted: handed?.trusted ?? true });
    broadcast({ type: MESSAGE.pair, cert: pair.cert, key: pair.key });
  });

  const stopped = new Promise<string>((resolve) => onStopSignal(resolve));
  announcer(logger).info({
    port, metricsPort: metrics.value.port, metricsHost: s.metricsHost, workers: s.workers, source: backend.kind,
    tlsMinVersion: s.policy.minVersion, clientCertificates: s.policy.clientCa !== undefined, certificate: s.certificate.kind,
  }, 'listening');
  if (s.dev) io.err(devBanner(s, port, metrics.value.port));

  const signal = await stopped;
  stopping = true;
  const t0 = Date.now();
  logger.info({ signal, workers: s.workers }, 'shutting down: workers finish their in-flight requests');
  const codes = await Promise.all(Object.values(cluster.workers ?? {}).map((w) => stopWorker(w as Worker, s.graceMs + 5000)));
  await metrics.value.close();
  selfSigned?.stop();
  await stopBackend(backend);
  announcer(logger).info({ ms: Date.now() - t0, workerExitCodes: codes }, 'stopped');
  return codes.every((c) => c === 0) ? 0 : 1;
}

/**
 * Each admission leaves tens of KB of short-lived garbage; with V8's default
 * 16 MB semi-spaces each worker's RSS grows ~25 MB under load for no CPU gain
 * (docs/benchmarks.md), and N workers multiply that. An explicit setting wins.
 */
function workerExecArgv(): string[] {
  const given = /--max-semi-space-size/.test(`${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`);
  return given ? process.execArgv : [...process.execArgv, '--max-semi-space-size=4'];
}

type WorkerStarted = { ok: true; port: number } | { ok: false; code: number };

function started(worker: Worker): Promise<WorkerStarted> {
  return new Promise((resolve) => {
    const onMessage = (m: { type?: string; port?: number }) => {
      if (m?.type !== MESSAGE.listening) return;
      worker.off('exit', onExit);
      resolve({ ok: true, port: Number(m.port) });
    };
    const onExit = (code: number | null) => {
      worker.off('message', onMessage);
      resolve({ ok: false, code: code || 1 });
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

function stopWorker(worker: Worker, limitMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (worker.isDead()) return resolve(worker.process.exitCode);
    const timer = setTimeout(() => worker.process.kill('SIGKILL'), limitMs);
    worker.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    worker.send({ type: MESSAGE.stop });
  });
}
