// What every load generator gets and gives back, so phases and reports do not care which one ran.

import type { Scenario } from '../scenario.js';
import type { Sample } from '../stats.js';

export interface LoadSpec {
  /** Target name (file names, labels). */
  target: string;
  /** Base URL as the load generator reaches it. */
  url: string;
  scenario: Scenario;
  /** Arrival rate, requests per second (open loop). */
  rate: number;
  durationS: number;
  timeoutS: number;
  sloP99Ms: number;
  /** Label of the phase, used in file names. */
  label: string;
  /** Folder for this run's raw driver files. */
  rawDir: string;
  /** CPU list for `taskset -c` (native mode), or undefined. */
  cpus?: string;
}

/** The driver's own summary of a run, kept beside our figures for cross-checking. */
export interface DriverReport {
  requests: number;
  dropped: number;
  statusCodes: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  errors: string[];
}

export interface LoadRun {
  samples: Sample[];
  /** Set when the driver counts dropped iterations itself. */
  dropped?: number;
  report: DriverReport;
  /** CPU seconds the load generator process used, sampled from /proc. */
  generatorCpuS: number;
  wallS: number;
}

export interface Driver {
  name: 'vegeta' | 'k6';
  /** Loop model: both drivers here are open-loop (arrival rate independent of answers). */
  loop: 'open';
  version(): Promise<string>;
  /** Gets the generator ready (e.g. builds it) before anything is timed. */
  prepare(): Promise<void>;
  run(spec: LoadSpec): Promise<LoadRun>;
}
