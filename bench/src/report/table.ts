// The figures both reports show, as rows of cells: one column per target and a Go/TS ratio column.

import type { Results, SummaryKey, TargetResult, TrialPhase } from '../results.js';
import type { Spread } from '../stats.js';

export interface Row {
  label: string;
  /** one per target, in results order */
  cells: string[];
  ratio: string;
}

export interface Table {
  title: string;
  note?: string;
  header: string[];
  rows: Row[];
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

/** Go ÷ TS of the medians, when both are in the run. */
export function ratioOf(r: Results, pick: (t: TargetResult) => number): string {
  const go = r.targets.find((t) => t.name === 'go');
  const ts = r.targets.find((t) => t.name === 'ts');
  if (!go || !ts) return '';
  const a = pick(go);
  const b = pick(ts);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

export const hasRatio = (r: Results) =>
  r.targets.some((t) => t.name === 'go') && r.targets.some((t) => t.name === 'ts');

const phase = (t: TargetResult, name: string): TrialPhase | undefined =>
  t.phases.find((p) => p.name === name);

function figureRow(r: Results, label: string, phaseName: string, key: SummaryKey, digits = 1): Row {
  const get = (t: TargetResult) => phase(t, phaseName)?.summary[key];
  return {
    label,
    cells: r.targets.map((t) => fmtSpread(get(t), digits)),
    ratio: ratioOf(r, (t) => get(t)?.median ?? Number.NaN),
  };
}

export function headerOf(r: Results): string[] {
  return ['figure', ...r.targets.map((t) => t.name), ...(hasRatio(r) ? ['go/ts'] : [])];
}

export function headlineTable(r: Results): Table {
  const rows: Row[] = [
    {
      label: 'start-up to first 200 of POST /process (ms)',
      cells: r.targets.map((t) => fmtSpread(t.startup.firstProcessMs, 0)),
      ratio: ratioOf(r, (t) => t.startup.firstProcessMs.median),
    },
    {
      label: `capacity (req/s; p99 ≤ ${r.method.sloP99Ms} ms, no errors, no drops)`,
      cells: r.targets.map((t) => String(t.capacity.reqPerS)),
      ratio: ratioOf(r, (t) => t.capacity.reqPerS),
    },
  ];
  for (const f of r.fixedRates) {
    rows.push(figureRow(r, `p50 latency (ms) @ ${f.rate} req/s`, f.name, 'p50'));
    rows.push(figureRow(r, `p99 latency (ms) @ ${f.rate} req/s`, f.name, 'p99'));
  }
  const last = r.fixedRates[r.fixedRates.length - 1];
  if (last) {
    rows.push(figureRow(r, `server CPU ms per request @ ${last.rate} req/s`, last.name, 'cpuMsPerOk', 2));
    rows.push(figureRow(r, `peak RSS (MiB) @ ${last.rate} req/s`, last.name, 'peakRssMiB', 0));
    rows.push(figureRow(r, `errors @ ${last.rate} req/s`, last.name, 'errors', 0));
  }
  rows.push(figureRow(r, 'overload (150% of own capacity): shed 503 (%)', 'overload', 'shedPct'));
  rows.push(figureRow(r, 'overload: accepted-request p99 (ms)', 'overload', 'acceptedP99'));
  rows.push({
    label: 'recovery after overload (s; n/a = not within the recovery phase)',
    cells: r.targets.map((t) => fmtSpread(phase(t, 'overload')?.recoveryS, 0)),
    ratio: '',
  });
  return {
    title: 'Headline',
    note: 'median [min–max] over trials; ratio = go ÷ ts of the medians (lower is better for latency, CPU, memory)',
    header: headerOf(r),
    rows,
  };
}

const PHASE_ROWS: Array<[string, SummaryKey, number]> = [
  ['achieved (2xx/s)', 'achievedRate', 1],
  ['p50 (ms)', 'p50', 1],
  ['p90 (ms)', 'p90', 1],
  ['p99 (ms)', 'p99', 1],
  ['max (ms)', 'max', 1],
  ['accepted (2xx) p99 (ms)', 'acceptedP99', 1],
  ['errors (all non-2xx + no answer)', 'errors', 0],
  ['shed 503 (%)', 'shedPct', 1],
  ['dropped (not sent)', 'dropped', 0],
  ['server CPU ms per 2xx', 'cpuMsPerOk', 2],
  ['server CPU (% of one CPU)', 'cpuPct', 0],
  ['peak RSS (MiB)', 'peakRssMiB', 0],
  ['load generator CPU (%)', 'generatorCpuPct', 0],
  ['other CPU on the machine (%)', 'otherCpuPct', 0],
];

export function phaseTables(r: Results): Table[] {
  const names = [...r.fixedRates.map((f) => f.name), 'overload', 'recovery'];
  return names.map((name) => {
    const bases = [...new Set(r.targets.map((t) => phase(t, name)?.basis).filter(Boolean))];
    const rates = r.targets.map((t) => `${t.name} ${phase(t, name)?.offeredRate ?? '—'} req/s`).join(', ');
    const rows = PHASE_ROWS.map(([label, key, d]) => figureRow(r, label, name, key, d));
    if (name === 'overload') {
      rows.push({
        label: 'recovery (s; n/a = not within the recovery phase)',
        cells: r.targets.map((t) => fmtSpread(phase(t, 'overload')?.recoveryS, 0)),
        ratio: '',
      });
    }
    return {
      title: `${name}: ${bases.join(' / ')}`,
      note: `offered: ${rates}`,
      header: headerOf(r),
      rows,
    };
  });
}

/** Every parallelism-relevant setting: the env the harness set and each service's /info, flattened. */
export function flatten(o: unknown, prefix = ''): Array<[string, string]> {
  if (o === null || typeof o !== 'object') return [[prefix, String(o)]];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) =>
    flatten(v, prefix ? `${prefix}.${k}` : k),
  );
}
