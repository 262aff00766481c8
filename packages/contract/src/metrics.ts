// Metric names both services expose at GET /metrics, beside their client library's process metrics.

export const METRICS = {
  httpRequests: {
    name: 'http_requests_total',
    type: 'counter',
    help: 'HTTP requests answered.',
    labels: ['route', 'method', 'status'],
  },
  httpDuration: {
    name: 'http_request_duration_seconds',
    type: 'histogram',
    help: 'Time from request to response.',
    labels: ['route', 'method', 'status'],
  },
  stageDuration: {
    name: 'image_stage_duration_seconds',
    type: 'histogram',
    help: 'Time spent in each image stage.',
    labels: ['stage'],
  },
  inflight: {
    name: 'image_inflight',
    type: 'gauge',
    help: 'Requests holding a processing slot (decode, transform, encode).',
    labels: [],
  },
  queued: {
    name: 'image_queued',
    type: 'gauge',
    help: 'Requests with their whole body read, waiting for a processing slot.',
    labels: [],
  },
  uploading: {
    name: 'image_uploading',
    type: 'gauge',
    help: 'Requests reading their body now (they hold upload budget, no processing slot).',
    labels: [],
  },
  uploadReserved: {
    name: 'image_upload_reserved_bytes',
    type: 'gauge',
    help: 'Bytes of MAX_INFLIGHT_UPLOAD_BYTES reserved by bodies being read, queued or processed.',
    labels: [],
  },
  shed: {
    name: 'image_shed_total',
    type: 'counter',
    help: 'Requests answered 503 OVERLOADED, by reason: queue_full, upload_budget or draining.',
    labels: ['reason'],
  },
  rejected: {
    name: 'image_rejected_total',
    type: 'counter',
    help: 'Requests answered with a contract error, by code.',
    labels: ['code'],
  },
  bytes: {
    name: 'image_bytes_total',
    type: 'counter',
    help: 'Image bytes received (in) and sent (out).',
    labels: ['direction'],
  },
  lingering: {
    name: 'http_lingering_connections',
    type: 'gauge',
    help: 'Connections reading and discarding the rest of a request body after an early answer.',
    labels: [],
  },
  lingerCloses: {
    name: 'http_lingering_closes_total',
    type: 'counter',
    help: 'Connections closed after an early answer, by outcome: drained, timed_out or capped.',
    labels: ['outcome'],
  },
} as const;

/** Why a request was refused with 503 OVERLOADED; every reason is exported (at 0) from the start. */
export const SHED_REASONS = ['queue_full', 'upload_budget', 'draining'] as const;
export type ShedReason = (typeof SHED_REASONS)[number];

/** How a lingering close ends; every outcome is exported (at 0) from the start. */
export const LINGER_OUTCOMES = ['drained', 'timed_out', 'capped'] as const;
export type LingerOutcome = (typeof LINGER_OUTCOMES)[number];

export const METRIC_NAMES = Object.values(METRICS).map((m) => m.name);

/** Process metrics both client libraries (prom-client, client_golang) export by default. */
export const PROCESS_METRIC_NAMES = ['process_cpu_seconds_total', 'process_resident_memory_bytes'] as const;

export const STAGES = ['decode', 'transform', 'encode'] as const;
export type Stage = (typeof STAGES)[number];

/** Seconds; chosen to resolve 1 ms small images up to 30 s timeouts. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
