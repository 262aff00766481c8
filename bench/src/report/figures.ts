// The one table of figures: what each is, which way is better, and how the verdict says it in words. The headline
// table, the phase tables and the verdict are all read from here, so a direction is written down once.

import { pacedProbeMs, probeNaReason } from '../probe.js';
import type { Results, SummaryKey, TargetResult, TrialPhase } from '../results.js';
import type { Spread } from '../stats.js';
import { spread } from '../stats.js';
import type { Better } from './comparisons.js';

export interface VerdictWords {
  /** Short name that opens the verdict line. */
  head: string;
  /** Unit and conditions of the values listed after the head. */
  detail: string;
  /** The better target's phrase for a ratio such as "1.3×": "serves 1.3× more images per second". */
  says: (x: string) => string;
}

export interface Figure {
  id: string;
  /** Row label in the tables. */
  label: string;
  digits: number;
  /** Which way is better; absent when neither is (a count, a load, a shed share). */
  better?: Better;
  /** Each target had its own offered load (overload, recovery): no ratio between targets, ever. */
  ownLoad?: boolean;
  spread(t: TargetResult): Spread | undefined;
  /** Why a target has no value, when the table should say so ("n/a: probe missing") instead of a dash. */
  na?: (t: TargetResult) => string | undefined;
  verdict?: VerdictWords;
}

const phaseOf = (t: TargetResult, name: string): TrialPhase | undefined =>
  t.phases.find((p) => p.name === name);

const summary =
  (phase: string, key: SummaryKey) =>
  (t: TargetResult): Spread | undefined =>
    phaseOf(t, phase)?.summary[key];

/** "1 CPU" / "2 CPUs": what "per core" means in this run. */
export const cpusText = (r: Results): string =>
  `${r.method.serverCpus} CPU${r.method.serverCpus === 1 ? '' : 's'}`;

function fixedFigures(r: Results): Figure[] {
  const out: Figure[] = [];
  const last = r.fixedRates[r.fixedRates.length - 1];
  for (const f of r.fixedRates) {
    const inVerdict = f === last;
    out.push({
      id: `p50@${f.name}`,
      label: `p50 latency (ms) @ ${f.rate} req/s`,
      digits: 1,
      better: 'lower',
      spread: summary(f.name, 'p50'),
      ...(inVerdict && {
        verdict: {
          head: `Median latency at ${f.rate} req/s`,
          detail: 'ms, the same load for every target',
          says: (x) => `answers ${x} faster at the median`,
        },
      }),
    });
    out.push({
      id: `p99@${f.name}`,
      label: `p99 latency (ms) @ ${f.rate} req/s`,
      digits: 1,
      better: 'lower',
      spread: summary(f.name, 'p99'),
      ...(inVerdict && {
        verdict: {
          head: `p99 latency at ${f.rate} req/s`,
          detail: 'ms, the same load for every target',
          says: (x) => `has a ${x} lower p99`,
        },
      }),
    });
  }
  if (!last) return out;
  out.push(
    {
      id: 'cpuMsPerOk',
      label: `server CPU ms per request @ ${last.rate} req/s`,
      digits: 2,
      better: 'lower',
      spread: summary(last.name, 'cpuMsPerOk'),
      verdict: {
        head: 'CPU per image',
        detail: `ms of server CPU at ${last.rate} req/s`,
        says: (x) => `needs ${x} less CPU per image`,
      },
    },
    ...overheadFigures(last),
    {
      id: 'peakRssMiB',
      label: `peak RSS (MiB) @ ${last.rate} req/s`,
      digits: 0,
      better: 'lower',
      spread: summary(last.name, 'peakRssMiB'),
      verdict: {
        head: 'Memory',
        detail: `peak RSS in MiB at ${last.rate} req/s`,
        says: (x) => `uses ${x} less memory`,
      },
    },
    {
      id: 'errors',
      label: `errors @ ${last.rate} req/s`,
      digits: 0,
      spread: summary(last.name, 'errors'),
    },
  );
  return out;
}

/** What the probe row says for a target without a probe figure. */
export function probeNa(t: TargetResult): string | undefined {
  const p = t.probe;
  if (!p) return 'n/a: not measured (results before v3)';
  const why = probeNaReason(p);
  return why === undefined ? undefined : `n/a: ${why}`;
}

const probeMs = (t: TargetResult) => pacedProbeMs(t.probe);

/**
 * The pipeline's own CPU per image (the implementation's in-process probe, same image and query, images started at
 * the fixed load's rate) and what the service spends per request beyond it at that load: HTTP, body, multipart,
 * metrics, logs.
 */
export function overheadFigures(fixed: { name: string; rate: number }): Figure[] {
  return [
    {
      id: 'probeCpuMs',
      label: `pipeline CPU ms per image (in-process probe, no HTTP) @ ${fixed.rate} images/s`,
      digits: 2,
      better: 'lower',
      spread: (t) => (Number.isFinite(probeMs(t)) ? spread([probeMs(t)]) : undefined),
      na: probeNa,
    },
    {
      id: 'overheadMs',
      label: `overhead (HTTP, body, multipart, metrics, logs): CPU ms per request @ ${fixed.rate} req/s`,
      digits: 2,
      better: 'lower',
      verdict: {
        head: 'Overhead per request',
        detail: `server CPU ms per request beyond the in-process pipeline probe at ${fixed.rate} req/s`,
        says: (x) => `spends ${x} less CPU per request outside the pipeline`,
      },
      spread: (t) => {
        const trials = phaseOf(t, fixed.name)?.trials ?? [];
        if (!Number.isFinite(probeMs(t)) || trials.length === 0) return undefined;
        return spread(trials.map((x) => x.resources.cpuMsPerOk - probeMs(t)));
      },
      na: probeNa,
    },
  ];
}

function overloadFigures(r: Results): Figure[] {
  const factor = Number(r.method.preset.overloadFactor ?? 1.5);
  const own = `${Math.round(factor * 100)}% of own capacity`;
  return [
    {
      id: 'overloadRate',
      label: `overload: offered load (req/s; ${own})`,
      digits: 0,
      ownLoad: true,
      spread: (t) => {
        const p = phaseOf(t, 'overload');
        return p ? spread([p.offeredRate]) : undefined;
      },
    },
    {
      id: 'shedPct',
      label: 'overload: shed 503 (%)',
      digits: 1,
      ownLoad: true,
      spread: summary('overload', 'shedPct'),
    },
    {
      id: 'overloadAcceptedP99',
      label: 'overload: accepted-request p99 (ms)',
      digits: 1,
      better: 'lower',
      ownLoad: true,
      spread: summary('overload', 'acceptedP99'),
    },
    {
      id: 'recoveryS',
      label: 'recovery after overload (s; n/a = not within the recovery phase)',
      digits: 0,
      better: 'lower',
      ownLoad: true,
      spread: (t) => phaseOf(t, 'overload')?.recoveryS,
    },
  ];
}

/** The headline figures, in report order. */
export function headlineFigures(r: Results): Figure[] {
  return [
    {
      id: 'startup',
      label: 'start-up to first 200 of POST /process (ms)',
      digits: 0,
      better: 'lower',
      spread: (t) => t.startup.firstProcessMs,
      verdict: {
        head: 'Start-up',
        detail: 'ms from launch to the first image',
        says: (x) => `starts ${x} faster`,
      },
    },
    {
      id: 'capacity',
      label: `capacity (req/s; p99 ≤ ${r.method.sloP99Ms} ms, no errors, no drops)`,
      digits: 0,
      better: 'higher',
      spread: (t) => spread([t.capacity.reqPerS]),
      verdict: {
        head: 'Capacity',
        detail: `images per second at p99 ≤ ${r.method.sloP99Ms} ms, each on ${cpusText(r)}`,
        says: (x) => `serves ${x} more images per second`,
      },
    },
    ...fixedFigures(r),
    ...overloadFigures(r),
  ];
}

/** Rows of every phase table: the same figure in each phase, with its direction. */
export const PHASE_FIGURES: ReadonlyArray<{
  label: string;
  key: SummaryKey;
  digits: number;
  better?: Better;
}> = [
  { label: 'achieved (2xx/s)', key: 'achievedRate', digits: 1, better: 'higher' },
  { label: 'p50 (ms)', key: 'p50', digits: 1, better: 'lower' },
  { label: 'p90 (ms)', key: 'p90', digits: 1, better: 'lower' },
  { label: 'p99 (ms)', key: 'p99', digits: 1, better: 'lower' },
  { label: 'max (ms)', key: 'max', digits: 1, better: 'lower' },
  { label: 'accepted (2xx) p99 (ms)', key: 'acceptedP99', digits: 1, better: 'lower' },
  { label: 'errors (all non-2xx + no answer)', key: 'errors', digits: 0 },
  { label: 'shed 503 (%)', key: 'shedPct', digits: 1 },
  { label: 'dropped (not sent)', key: 'dropped', digits: 0 },
  { label: 'server CPU ms per 2xx', key: 'cpuMsPerOk', digits: 2, better: 'lower' },
  { label: 'server CPU (% of one CPU)', key: 'cpuPct', digits: 0, better: 'lower' },
  { label: 'peak RSS (MiB)', key: 'peakRssMiB', digits: 0, better: 'lower' },
  { label: 'load generator CPU (%)', key: 'generatorCpuPct', digits: 0 },
  { label: 'other CPU on the machine (%)', key: 'otherCpuPct', digits: 0 },
];

/** A phase figure as a Figure, for one named phase (fixed phases share loads; overload/recovery do not). */
export function phaseFigure(
  phase: TrialPhase['name'],
  kind: TrialPhase['kind'] | undefined,
  f: (typeof PHASE_FIGURES)[number],
): Figure {
  return {
    id: `${f.key}@${phase}`,
    label: f.label,
    digits: f.digits,
    ...(f.better && { better: f.better }),
    ownLoad: kind !== 'fixed',
    spread: summary(phase, f.key),
  };
}
