// What the app needs from outside, and the one place that builds it from a configuration.

import type { ServiceConfig } from '@rtip/contract';
import { type DestinationStream, type Logger, pino } from 'pino';
import { Admission } from './admission/admission.js';
import { UploadBudget } from './admission/upload-budget.js';
import { Linger } from './handlers/linger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { type Pipeline, sharedPipelinePool } from './pipeline/pool.js';

export interface Lifecycle {
  /** True once shutdown began: /readyz answers 503 and every answer closes its connection. */
  draining: boolean;
}

export interface AppDeps {
  config: ServiceConfig;
  logger: Logger;
  metrics: Metrics;
  admission: Admission;
  /** MAX_INFLIGHT_UPLOAD_BYTES: request bodies reserve their bytes here before they are read. */
  uploadBudget: UploadBudget;
  /** Lingering closes after early answers (used by the server, handlers/serve.ts). */
  linger: Linger;
  lifecycle: Lifecycle;
  /** Runs the images (pipeline/pool.ts: CONCURRENCY worker threads, off the event loop). */
  pipeline: Pipeline;
}

/** Builds the dependencies for `config`; tests override single members. */
export function createDeps(
  config: ServiceConfig,
  overrides: Partial<AppDeps> & { processMetrics?: boolean } = {},
): AppDeps {
  const { processMetrics = true, ...given } = overrides;
  const logger = given.logger ?? createLogger(config);
  const metrics = given.metrics ?? createMetrics({ processMetrics });
  const admission =
    given.admission ??
    new Admission(
      { concurrency: config.concurrency, queueDepth: config.queueDepth, timeoutMs: config.requestTimeoutMs },
      {
        onChange: (running, waiting) => {
          metrics.inflight.set(running);
          metrics.queued.set(waiting);
        },
      },
    );
  const uploadBudget =
    given.uploadBudget ??
    new UploadBudget(config.maxInflightUploadBytes, {
      onChange: (reserved) => metrics.uploadReserved.set(reserved),
    });
  const linger =
    given.linger ??
    new Linger(
      { timeoutMs: config.lingerTimeoutMs, idleMs: config.lingerIdleMs, max: config.maxLingering },
      {
        onChange: (active) => metrics.lingering.set(active),
        onClose: (outcome) => metrics.lingerCloses.inc({ outcome }),
      },
    );
  return {
    config,
    logger,
    metrics,
    admission,
    uploadBudget,
    linger,
    lifecycle: given.lifecycle ?? { draining: false },
    pipeline: given.pipeline ?? sharedPipelinePool(config.concurrency),
  };
}

/**
 * JSON lines: ISO time, level as a word, no pid/hostname noise. To `destination` (the process passes a synchronous
 * stdout writer, main.cts), else to pino's default, stdout.
 */
export function createLogger(
  config: Pick<ServiceConfig, 'logLevel'>,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.logLevel,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
