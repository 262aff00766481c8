// Prometheus metrics of one app instance, on a registry the app owns (never prom-client's global one).

import { DURATION_BUCKETS, LINGER_OUTCOMES, METRICS } from '@rtip/contract';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  stageDuration: Histogram<'stage'>;
  inflight: Gauge;
  queued: Gauge;
  rejected: Counter<'code'>;
  bytes: Counter<'direction'>;
  lingering: Gauge;
  lingerCloses: Counter<'outcome'>;
}

/**
 * Creates the contract's metrics. With `processMetrics`, prom-client's default process and Node metrics are
 * added (process_cpu_seconds_total, process_resident_memory_bytes, nodejs_eventloop_lag_*); they sample
 * process-wide state, so tests that build many apps leave them off.
 */
export function createMetrics({ processMetrics }: { processMetrics: boolean }): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const m = METRICS;
  const metrics: Metrics = {
    registry,
    httpRequests: new Counter({
      name: m.httpRequests.name,
      help: m.httpRequests.help,
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: m.httpDuration.name,
      help: m.httpDuration.help,
      labelNames: ['route', 'method', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    stageDuration: new Histogram({
      name: m.stageDuration.name,
      help: m.stageDuration.help,
      labelNames: ['stage'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    inflight: new Gauge({ name: m.inflight.name, help: m.inflight.help, registers }),
    queued: new Gauge({ name: m.queued.name, help: m.queued.help, registers }),
    rejected: new Counter({ name: m.rejected.name, help: m.rejected.help, labelNames: ['code'], registers }),
    bytes: new Counter({ name: m.bytes.name, help: m.bytes.help, labelNames: ['direction'], registers }),
    lingering: new Gauge({ name: m.lingering.name, help: m.lingering.help, registers }),
    lingerCloses: new Counter({
      name: m.lingerCloses.name,
      help: m.lingerCloses.help,
      labelNames: ['outcome'],
      registers,
    }),
  };
  // Series that exist before the first event, so dashboards and the conformance suite see every name.
  metrics.bytes.inc({ direction: 'in' }, 0);
  metrics.bytes.inc({ direction: 'out' }, 0);
  for (const outcome of LINGER_OUTCOMES) metrics.lingerCloses.inc({ outcome }, 0);
  if (processMetrics) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  return metrics;
}
