// The tables both reports show, as rows of cells: one column per target and one column per comparison that
// names the better target and by how much.

import type { Results, TargetResult } from '../results.js';
import type { Spread } from '../stats.js';
import {
  ABOUT_EQUAL,
  advantage,
  type Comparison,
  columnTitle,
  comparisons,
  fmtRatio,
} from './comparisons.js';
import { type Figure, headlineFigures, PHASE_FIGURES, phaseFigure } from './figures.js';

export interface Row {
  label: string;
  /** one per target, in results order */
  cells: string[];
  /** one per comparison of the table ('' where the row has none) */
  ratios: string[];
}

export interface Table {
  title: string;
  note?: string;
  header: string[];
  rows: Row[];
  /** Every column holds words, not figures: Markdown aligns them left (HTML decides per column). */
  words?: boolean;
}

export function num(v: number, digits = 1): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '—' : '∞';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  return v.toFixed(digits);
}

/** median [min–max]; trials that could not measure the figure are counted, never silently left out. */
export function fmtSpread(s: Spread | undefined, digits = 1): string {
  if (!s || s.values.length === 0) return '—';
  const missing = s.values.filter((v) => !Number.isFinite(v)).length;
  const tail = missing ? ` (${missing}/${s.values.length} n/a)` : '';
  if (missing === s.values.length) return `n/a${s.values.length > 1 ? ` (${missing}/${missing})` : ''}`;
  if (s.values.length - missing === 1 || s.min === s.max) return `${num(s.median, digits)}${tail}`;
  return `${num(s.median, digits)} [${num(s.min, digits)}–${num(s.max, digits)}]${tail}`;
}

const RATIO_NOTE = `comparison columns name the better of the two and by how much (more capacity; less time, CPU or memory), ≈ when within ${Math.round((ABOUT_EQUAL - 1) * 100)}%`;

/**
 * One comparison on one figure, explicit: the better target and its factor ("go-vips 1.18×"), never a bare ratio
 * the reader must orient; empty when the figure has no direction or each target had its own load.
 */
export function ratioCell(f: Figure, c: Comparison, targets: readonly TargetResult[]): string {
  if (!f.better || f.ownLoad) return '';
  const of = (name: string) => {
    const t = targets.find((x) => x.name === name);
    return t ? (f.spread(t)?.median ?? Number.NaN) : Number.NaN;
  };
  const x = advantage(of(c.first), of(c.second), f.better);
  if (!Number.isFinite(x)) return '—';
  const [winner, k] = x >= 1 ? [c.first, x] : [c.second, 1 / x];
  return k < ABOUT_EQUAL ? `≈ ${fmtRatio(k)}` : `${winner} ${fmtRatio(k)}`;
}

function figureRows(r: Results, figures: readonly Figure[], pairs: readonly Comparison[]): Row[] {
  return figures.map((f) => ({
    label: f.label,
    cells: r.targets.map((t) => f.na?.(t) ?? fmtSpread(f.spread(t), f.digits)),
    ratios: pairs.map((c) => ratioCell(f, c, r.targets)),
  }));
}

export const headerOf = (r: Results, pairs: readonly Comparison[]): string[] => [
  'figure',
  ...r.targets.map((t) => t.name),
  ...pairs.map(columnTitle),
];

export function headlineTable(r: Results): Table {
  const pairs = comparisons(r.targets.map((t) => t.name));
  return {
    title: '',
    note: `median [min–max] over trials; ${RATIO_NOTE}; overload and recovery rows have none: each target had its own offered load`,
    header: headerOf(r, pairs),
    rows: figureRows(r, headlineFigures(r), pairs),
  };
}

const phaseOf = (t: TargetResult, name: string) => t.phases.find((p) => p.name === name);

/** What an own-load phase's rate is, said once for all targets. */
function ownLoadBasis(r: Results, name: string): string {
  const pct = (key: string, fallback: number) => Math.round(Number(r.method.preset[key] ?? fallback) * 100);
  return name === 'overload'
    ? `${pct('overloadFactor', 1.5)}% of each target's own capacity`
    : `${pct('recoveryFraction', 0.5)}% of each target's own capacity, right after the overload`;
}

/** One table per phase; only the fixed phases, whose offered load is the same for every target, get ratios. */
export function phaseTables(r: Results): Table[] {
  const names = [...r.fixedRates.map((f) => f.name), 'overload', 'recovery'];
  return names.map((name) => {
    const kind = r.targets.map((t) => phaseOf(t, name)?.kind).find(Boolean);
    const shared = kind === 'fixed';
    const pairs = shared ? comparisons(r.targets.map((t) => t.name)) : [];
    const bases = shared ? [...new Set(r.targets.map((t) => phaseOf(t, name)?.basis).filter(Boolean))] : [];
    const rates = r.targets.map((t) => `${t.name} ${phaseOf(t, name)?.offeredRate ?? '—'} req/s`).join(', ');
    const rows: Row[] = [];
    if (!shared) {
      rows.push({
        label: 'offered load (req/s, this target’s own)',
        cells: r.targets.map((t) => String(phaseOf(t, name)?.offeredRate ?? '—')),
        ratios: [],
      });
    }
    rows.push(
      ...figureRows(
        r,
        PHASE_FIGURES.map((f) => phaseFigure(name, kind, f)),
        pairs,
      ),
    );
    if (name === 'overload') {
      rows.push({
        label: 'recovery (s; n/a = not within the recovery phase)',
        cells: r.targets.map((t) => fmtSpread(phaseOf(t, 'overload')?.recoveryS, 0)),
        ratios: [],
      });
    }
    return {
      title: `${name}: ${shared ? bases.join(' / ') : ownLoadBasis(r, name)}`,
      note: shared
        ? `offered: ${rates} (the same for every target); ${RATIO_NOTE}`
        : `offered: ${rates} — each target's own load, so no ratio between targets`,
      header: headerOf(r, pairs),
      rows,
    };
  });
}

/** Every open-loop step of one target's capacity search. */
export function capacityTable(t: TargetResult): Table {
  return {
    title: `${t.name}: ${t.capacity.reqPerS} req/s`,
    note: `Warm-up (closed loop, ${t.warmup.inFlight} requests in flight, not a benchmark figure): ${t.warmup.requests} requests, ${num(t.warmup.reqPerS)} answers/s, median ${num(t.warmup.medianMs)} ms.`,
    header: ['offered req/s', 'verdict', 'p50 ms', 'p99 ms', 'ok', 'errors', 'dropped', 'server CPU %'],
    rows: t.capacity.steps.map((s) => {
      const st = s.record.stats;
      return {
        label: String(s.rate),
        cells: [
          s.pass ? 'pass' : `fail: ${s.reasons.join('; ')}`,
          num(st.latency.p50),
          num(st.latency.p99),
          String(st.ok),
          String(st.errors),
          String(st.dropped),
          num(s.record.resources.cpuPct, 0),
        ],
        ratios: [],
      };
    }),
  };
}

/** Every parallelism-relevant setting: each service's /info, flattened. */
export function infoTable(t: TargetResult): Table {
  return {
    title: `${t.name}: /info`,
    header: ['/info key', 'value'],
    rows: flatten(t.info).map(([k, v]) => ({ label: k, cells: [v], ratios: [] })),
  };
}

export function flatten(o: unknown, prefix = ''): Array<[string, string]> {
  if (o === null || typeof o !== 'object') return [[prefix, String(o)]];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) =>
    flatten(v, prefix ? `${prefix}.${k}` : k),
  );
}
