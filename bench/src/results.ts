// results.json: the versioned schema every report is written from.

import type { DriverReport } from './drivers/types.js';
import type { PlanSettings } from './plan.js';
import type { Preflight } from './preflight.js';
import type { ProbeResult } from './probe.js';
import type { ImplementationProfile } from './profile/collect.js';
import type { CapacityStep, PhaseStats, Spread } from './stats.js';

export const RESULTS_SCHEMA = 'rtip-bench/results';
/**
 * 2: markers are phase bands (start, end, kind); method says CI, server CPUs; pre-flight has its MAE bar.
 * 3: per target the implementation profile, the pipeline probe and RSS after start-up and after the run; the
 *    capacity plan's settings. Version 2 files still render (those sections say "not measured").
 * 4: the pipeline probe starts its images at the overhead row's fixed rate (probe.rate) instead of back to back,
 *    so that it is measured at the service's pace. Version 3 probes render as "n/a" in the overhead rows.
 */
export const RESULTS_VERSION = 4;
export const READABLE_VERSIONS: readonly number[] = [2, 3, 4];

export interface Environment {
  cpuModel: string;
  cores: number;
  pinning: { serverCpus: string; loadCpus: string; note: string };
  os: string;
  kernel: string;
  node: string;
  go: string;
  /** sharp and libvips as seen by the harness (the TS service's own are in its /info). */
  sharp: string;
  libvips: string;
  driver: string;
  gitCommit: string;
  gitDirty: boolean;
  hostname: string;
  /** 1/5/15-minute load averages when the run started and ended: other work on the machine shows here. */
  loadAvg: { start: number[]; end: number[] };
}

export interface PhaseResources {
  /** Server process tree CPU seconds during the phase. */
  serverCpuS: number;
  /** Server CPU milliseconds per successful (2xx) answer. */
  cpuMsPerOk: number;
  /** Server CPU use, percent of one CPU. */
  cpuPct: number;
  peakRssMiB: number;
  peakPssMiB: number;
  /** Load generator CPU use, percent of one CPU (a saturated client shows here). */
  generatorCpuPct: number;
  /** CPU used by everything else on the machine (this orchestrator included), percent of one CPU. */
  otherCpuPct: number;
}

export interface PhaseRecord {
  stats: Omit<PhaseStats, 'timeline'> & { timeline?: PhaseStats['timeline'] };
  resources: PhaseResources;
  driverReport: DriverReport;
}

export type PhaseKind = 'warmup' | 'capacity-step' | 'fixed' | 'overload' | 'recovery';

/** A phase measured in every trial: one record per trial, and the median/min–max of the key figures. */
export interface TrialPhase {
  name: string;
  kind: PhaseKind;
  offeredRate: number;
  /** What the rate is relative to, e.g. "50% of slowest capacity (ts)". */
  basis: string;
  trials: PhaseRecord[];
  summary: Record<SummaryKey, Spread>;
  /** Overload only: recovery seconds after the overload, per trial. */
  recoveryS?: Spread;
}

export const SUMMARY_KEYS = [
  'achievedRate',
  'p50',
  'p90',
  'p99',
  'max',
  'acceptedP99',
  'errors',
  'errorPct',
  'shedPct',
  'dropped',
  'cpuMsPerOk',
  'cpuPct',
  'peakRssMiB',
  'generatorCpuPct',
  'otherCpuPct',
] as const;
export type SummaryKey = (typeof SUMMARY_KEYS)[number];

export interface SeriesPoint {
  /** seconds since the session started */
  t: number;
  cpuPct: number;
  rssMiB: number;
  pssMiB: number;
}

/** What a stretch of a session was doing: the bands of the over-time charts. */
export type BandKind = 'warm-up' | 'capacity' | 'fixed' | 'overload' | 'recovery';

export interface Marker {
  /** seconds since the session started */
  t: number;
  end: number;
  kind: BandKind;
  /** e.g. "fixed-80% 26/s" */
  label: string;
}

/** One life of a server process: sampled CPU/memory and what it was doing when. */
export interface Session {
  label: string;
  points: SeriesPoint[];
  markers: Marker[];
}

export interface TargetResult {
  name: string;
  kind: string;
  url: string;
  info: Record<string, unknown>;
  /** Environment variables the harness set for the server. */
  env: Record<string, string>;
  startup: { healthzMs: Spread; firstProcessMs: Spread };
  warmup: {
    closedLoop: true;
    requests: number;
    inFlight: number;
    medianMs: number;
    /** Closed-loop answers per second: where the capacity search aims. */
    reqPerS: number;
    note: string;
  };
  capacity: {
    reqPerS: number;
    firstFailure: number;
    steps: Array<CapacityStep & { record: PhaseRecord }>;
  };
  phases: TrialPhase[];
  sessions: Session[];
  /** v3: RSS sampled right after each start-up (one benchmark request answered, then idle) and at each life's end. */
  memory?: { idleRssMiB: Spread; afterRunRssMiB: Spread };
  /** v3: the implementation's in-process pipeline probe, run after its capacity search with its server stopped. */
  probe?: ProbeResult;
  /** v3: code, dependencies, native libraries and build, measured at the start of the run. */
  profile?: ImplementationProfile;
}

export interface Results {
  schema: typeof RESULTS_SCHEMA;
  schemaVersion: 2 | typeof RESULTS_VERSION;
  createdAt: string;
  finishedAt: string;
  command: string;
  environment: Environment;
  method: {
    mode: 'native' | 'docker';
    driver: 'k6' | 'vegeta';
    driverVersion: string;
    loopModel: 'open';
    body: string;
    image: { name: string; file: string; bytes: number; width: number; height: number };
    op: { name: string; query: string; describe: string };
    expected: { width: number; height: number; contentType: string; channels: number };
    sloP99Ms: number;
    /** CPUs each server had (CONCURRENCY). */
    serverCpus: number;
    quick: boolean;
    /** The CI env var was set. */
    ci: boolean;
    trials: number;
    phaseS: number;
    preset: Record<string, unknown>;
    rules: string[];
  };
  preflight: Preflight;
  /** The offered loads every target got in the fixed-rate phases. */
  fixedRates: Array<{ name: string; rate: number; basis: string }>;
  targets: TargetResult[];
  notes: string[];
  /** v3: settings of the capacity plan (--plan-rate, --pod-cpus, --core-hour-usd). */
  plan?: PlanSettings;
}
