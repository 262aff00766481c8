// Prometheus metrics of one app instance, on a registry the app owns (never prom-client's global one).

import { DURATION_BUCKETS, LINGER_OUTCOMES, METRICS, SHED_REASONS } from '@rtip/contract';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  stageDuration: Histogram<'stage'>;
  inflight: Gauge;
  queued: Gauge;
  uploading: Gauge;
  uploadReserved: Gauge;
  shed: Counter<'reason'>;
  rejected: Counter<'code'>;
  bytes: Counter<'direction'>;
  lingering: Gauge;
  lingerCloses: Counter<'outcome'>;
}

/** prom-client default metrics that are gauges named like counters, dropped from the registry. */
const GAUGES_NAMED_TOTAL = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

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
    uploading: new Gauge({ name: m.uploading.name, help: m.uploading.help, registers }),
    uploadReserved: new Gauge({ name: m.uploadReserved.name, help: m.uploadReserved.help, registers }),
    shed: new Counter({ name: m.shed.name, help: m.shed.help, labelNames: ['reason'], registers }),
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
  for (const reason of SHED_REASONS) metrics.shed.inc({ reason }, 0);
  if (processMetrics) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
    // These three are gauges whose names end in _total, which the exposition format reserves for counters
    // (`promtool check metrics` rejects them); their twins without the suffix carry the same values.
    for (const name of GAUGES_NAMED_TOTAL) registry.removeSingleMetric(name);
  }
  return metrics;
}
