// Small hand-made results for the verdict and table tests: each target's figures are given directly, so a test
// can state exactly which target is better on what (a real run's fixture is in fixtures/results.json).
import type { PhaseKind, Results, SummaryKey, TargetResult, TrialPhase } from '../src/results.js';
import { RESULTS_SCHEMA, RESULTS_VERSION, SUMMARY_KEYS } from '../src/results.js';
import { type Spread, spread } from '../src/stats.js';

export interface Given {
  capacity: number;
  startupMs: number;
  p50: number;
  p99: number;
  cpuMs: number;
  rssMiB: number;
  errors: number;
  shedPct: number;
  acceptedP99: number;
  recoveryS: number;
}

const DEFAULTS: Given = {
  capacity: 30,
  startupMs: 100,
  p50: 30,
  p99: 60,
  cpuMs: 30,
  rssMiB: 50,
  errors: 0,
  shedPct: 33,
  acceptedP99: 200,
  recoveryS: 0,
};

const FIXED = [
  { name: 'fixed-50%', rate: 10, basis: '50% of the slowest capacity' },
  { name: 'fixed-80%', rate: 16, basis: '80% of the slowest capacity' },
];

function phase(name: string, kind: PhaseKind, rate: number, values: Partial<Record<SummaryKey, number>>) {
  const summary = Object.fromEntries(
    SUMMARY_KEYS.map((k) => [k, spread([values[k] ?? Number.NaN])]),
  ) as Record<SummaryKey, Spread>;
  const p: TrialPhase = { name, kind, offeredRate: rate, basis: name, trials: [], summary };
  return p;
}

export function target(name: string, given: Partial<Given> = {}): TargetResult {
  const g = { ...DEFAULTS, ...given };
  const fixed = FIXED.map((f) =>
    phase(f.name, 'fixed', f.rate, {
      p50: g.p50,
      p99: g.p99,
      cpuMsPerOk: g.cpuMs,
      peakRssMiB: g.rssMiB,
      errors: g.errors,
    }),
  );
  const overload = phase('overload', 'overload', Math.round(1.5 * g.capacity), {
    shedPct: g.shedPct,
    acceptedP99: g.acceptedP99,
  });
  overload.recoveryS = spread([g.recoveryS]);
  return {
    name,
    kind: name,
    url: 'http://127.0.0.1:1',
    info: { implementation: name },
    env: { CONCURRENCY: '1' },
    startup: { healthzMs: spread([g.startupMs / 2]), firstProcessMs: spread([g.startupMs]) },
    warmup: { closedLoop: true, requests: 10, inFlight: 2, medianMs: 30, reqPerS: 30, note: '' },
    capacity: { reqPerS: g.capacity, firstFailure: g.capacity + 1, steps: [] },
    phases: [...fixed, overload, phase('recovery', 'recovery', Math.round(0.5 * g.capacity), {})],
    sessions: [],
  };
}

export function results(targets: TargetResult[], method: Partial<Results['method']> = {}): Results {
  return {
    schema: RESULTS_SCHEMA,
    schemaVersion: RESULTS_VERSION,
    createdAt: '2026-12-02T00:00:00Z',
    finishedAt: '2026-12-02T00:01:00Z',
    command: 'test',
    environment: {
      cpuModel: 'test CPU',
      cores: 2,
      pinning: { serverCpus: '1', loadCpus: '0', note: '' },
      os: 'test',
      kernel: 'test',
      node: 'v26',
      go: 'go1.26',
      sharp: '0',
      libvips: '0',
      driver: 'vegeta',
      gitCommit: '0000000',
      gitDirty: false,
      hostname: 'test',
      loadAvg: { start: [0, 0, 0], end: [0, 0, 0] },
    },
    method: {
      mode: 'native',
      driver: 'vegeta',
      driverVersion: 'vegeta',
      loopModel: 'open',
      body: 'multipart',
      image: { name: 'hd', file: 'photo-hd.jpg', bytes: 1, width: 1920, height: 1080 },
      op: { name: 'grayscale', query: 'grayscale=true', describe: 'grey' },
      expected: { contentType: 'image/jpeg', width: 1920, height: 1080, channels: 1 },
      sloP99Ms: 500,
      serverCpus: 1,
      quick: false,
      ci: false,
      trials: 3,
      phaseS: 15,
      preset: { overloadFactor: 1.5, recoveryS: 8 },
      rules: [],
      ...method,
    },
    preflight: {
      reference: targets[0]?.name ?? '',
      barKind: 'gray',
      minPsnrDb: 45,
      maxMae: 1,
      targets: [],
      pass: true,
    },
    fixedRates: FIXED,
    targets,
    notes: [],
  };
}
