// Prometheus metrics under upstream's names, so existing dashboards and alerts
// keep working. A registry per server (not prom-client's global one) lets
// tests run several servers in one process.

import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AdmissionDecision } from '../admission/handle.js';

export interface WebhookMetrics {
  readonly registry: Registry;
  /** One HTTP exchange; `path` is the route, never the raw URL (bounded label values). */
  observeRequest(verb: string, path: string, code: number, elapsedMs: number): void;
  observeDecision(decision: AdmissionDecision): void;
}

// Upstream observes microseconds with buckets from 125 ms to 8 s; admission
// answers take well under a millisecond, so finer buckets come first.
const LATENCY_BUCKETS_US = [250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 125_000, 250_000, 500_000, 1_000_000, 2_000_000, 4_000_000, 8_000_000];

// Upstream's label values (a contract for dashboards); the engine's modes map onto them only here.
const METHOD_LABEL = { irsa: 'sts_web_identity', 'pod-identity': 'container_credentials' } as const;

export function createMetrics(opts: { processMetrics?: boolean; clusterWorker?: boolean } = {}): WebhookMetrics {
  const registry = new Registry();
  if (opts.clusterWorker) {
    // Answer the primary's metric requests (the constructor installs the listener) from this registry.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_request_count', help: 'Counter of requests broken out for each verb, path, and response code.',
    labelNames: ['verb', 'path', 'code'] as const, registers: [registry],
  });
  const latencies = new Histogram({
    name: 'http_request_latencies', help: 'Response latency distribution in microseconds for each verb and path',
    labelNames: ['verb', 'path'] as const, buckets: LATENCY_BUCKETS_US, registers: [registry],
  });
  const pods = new Counter({
    name: 'pod_identity_webhook_pod_count', help: 'Number of pods mutated, by credential method',
    labelNames: ['method'] as const, registers: [registry],
  });
  const missing = new Counter({
    name: 'pod_identity_webhook_missing_sa_count', help: 'Number of pod admissions whose ServiceAccount was not found',
    registers: [registry],
  });
  const oversized = new Counter({
    name: 'pod_identity_webhook_oversized_pod_count', help: 'Pods admitted unchanged because they are too large to mutate, by reason (containers, patch)',
    labelNames: ['reason'] as const, registers: [registry],
  });
  const used = new Gauge({
    name: 'pod_identity_webhook_used', help: 'Indicator to know pod identity webhook is used', registers: [registry], aggregator: 'max',
  });
  // Show the series at 0 from the start, as Go's client does for declared label values.
  pods.inc({ method: METHOD_LABEL.irsa }, 0);
  pods.inc({ method: METHOD_LABEL['pod-identity'] }, 0);
  // Label values are few (methods × routes × codes): bind each combination once
  // instead of hashing the labels on every request.
  const bound = new Map<string, { count: () => void; observe: (us: number) => void }>();
  const series = (verb: string, path: string, code: number) => {
    const key = `${verb} ${path} ${code}`;
    let s = bound.get(key);
    if (!s) {
      const counter = requests.labels(verb, path, String(code));
      const histogram = latencies.labels(verb, path);
      s = { count: () => counter.inc(), observe: (us) => histogram.observe(us) };
      bound.set(key, s);
    }
    return s;
  };
  return {
    registry,
    observeRequest(verb, path, code, elapsedMs) {
      const s = series(verb, path, code);
      s.count();
      s.observe(elapsedMs * 1000);
    },
    observeDecision(decision) {
      if (decision.missingServiceAccount && decision.serviceAccount !== '') missing.inc();
      if (decision.mode) used.set(1);
      if (decision.mutated && decision.mode) pods.inc({ method: METHOD_LABEL[decision.mode] });
      if (decision.oversized) oversized.inc({ reason: decision.oversized });
    },
  };
}
