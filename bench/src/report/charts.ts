// The charts of report.html: latency and throughput against offered load (all targets on one chart), and per
// target CPU and memory over time with the phases shaded, on y scales shared by all targets.

import type { BandKind, Results, Session, TargetResult } from '../results.js';
import { type Band, lineChart, type RefLine, type Series } from './svg.js';

const COLORS: Record<string, string> = {
  go: '#00828c',
  ts: '#c2410c',
  'go-vips': '#6d28d9',
  'ts-bun': '#be185d',
  'ts-deno': '#334155',
};
const EXTRA = ['#15803d', '#b91c1c', '#1d4ed8', '#a16207'];
export const colorOf = (r: Results, name: string) =>
  COLORS[name] ?? EXTRA[r.targets.findIndex((t) => t.name === name) % EXTRA.length] ?? '#333';

export const BAND_COLORS: Record<BandKind, string> = {
  'warm-up': '#eeeeee',
  capacity: '#dbeafe',
  fixed: '#dcfce7',
  overload: '#fee2e2',
  recovery: '#fef9c3',
};

type Stats = { latency: { p50: number; p90: number; p99: number }; achievedRate: number };

/** Points (offered rate → figure) from every open-loop measurement of a target: capacity steps and trial phases. */
function byRate(t: TargetResult, pick: (s: Stats) => number): Array<[number, number]> {
  const m = new Map<number, number[]>();
  const put = (rate: number, v: number) => m.set(rate, [...(m.get(rate) ?? []), v]);
  for (const s of t.capacity.steps) put(s.rate, pick(s.record.stats));
  for (const p of t.phases) {
    if (p.kind === 'recovery') continue;
    for (const rec of p.trials) put(p.offeredRate, pick(rec.stats));
  }
  return [...m.entries()]
    .map(([rate, vs]): [number, number] => [
      rate,
      [...vs].sort((a, b) => a - b)[Math.floor((vs.length - 1) / 2)] as number,
    ])
    .sort((a, b) => a[0] - b[0]);
}

export function latencyChart(r: Results): string {
  const series: Series[] = r.targets.flatMap((t) => {
    const color = colorOf(r, t.name);
    return [
      { name: `${t.name} p50`, color, dash: '2 3', points: byRate(t, (s) => s.latency.p50) },
      { name: `${t.name} p90`, color, dash: '7 3', points: byRate(t, (s) => s.latency.p90) },
      { name: `${t.name} p99`, color, points: byRate(t, (s) => s.latency.p99) },
    ];
  });
  return lineChart({
    id: 'latency-vs-load',
    title: 'Latency percentiles vs offered load (open loop, all requests)',
    xLabel: 'offered load (req/s)',
    yLabel: 'latency (ms)',
    logY: true,
    series,
    hLines: [{ at: r.method.sloP99Ms, label: `SLO: p99 ≤ ${r.method.sloP99Ms} ms` }],
    legendColumns: 3,
  });
}

export function throughputChart(r: Results): string {
  return lineChart({
    id: 'throughput-vs-load',
    title: 'Throughput vs offered load (dotted: achieved = offered)',
    xLabel: 'offered load (req/s)',
    yLabel: 'successful answers per second',
    identity: true,
    series: r.targets.map((t) => ({
      name: `${t.name} achieved 2xx/s`,
      color: colorOf(r, t.name),
      points: byRate(t, (s) => s.achievedRate),
    })),
  });
}

/** The capacity search and the first trial, one after the other on one time axis, with a restart line between. */
export interface Timeline {
  points: Session['points'];
  bands: Band[];
  restarts: RefLine[];
}

export function timeline(t: TargetResult): Timeline {
  const sessions = [
    t.sessions.find((s) => s.label === 'capacity search'),
    t.sessions.find((s) => s.label.startsWith('trial')),
  ].filter((s): s is Session => s !== undefined);
  const out: Timeline = { points: [], bands: [], restarts: [] };
  let offset = 0;
  for (const [i, s] of sessions.entries()) {
    if (i > 0) {
      out.restarts.push({ at: offset, label: `restart: ${s.label}` });
      // No value at the restart: the charts lift the pen instead of joining two processes' samples.
      out.points.push({ t: offset, cpuPct: Number.NaN, rssMiB: Number.NaN, pssMiB: Number.NaN });
    }
    out.points.push(...s.points.map((p) => ({ ...p, t: p.t + offset })));
    out.bands.push(
      ...s.markers.map((k) => ({
        x0: k.t + offset,
        x1: k.end + offset,
        kind: k.kind,
        label: k.label,
        // Bands are narrow: only the rate inside ("26/s"); the kind is in the colour and the legend.
        short: k.label.split(' ').at(-1) ?? k.label,
      })),
    );
    const end = Math.max(0, ...s.points.map((p) => p.t), ...s.markers.map((k) => k.end));
    offset += end + 1;
  }
  return out;
}

/** Per target: CPU and memory over time, bands for the phases; the y scales are the same for every target. */
export function timeCharts(r: Results): string[] {
  const lines = r.targets.map((t) => ({ t, tl: timeline(t) }));
  const cpuMax = Math.max(
    1,
    ...lines.flatMap(({ tl }) => tl.points.map((p) => p.cpuPct)).filter(Number.isFinite),
  );
  const memMax = Math.max(
    1,
    ...lines.flatMap(({ tl }) => tl.points.map((p) => Math.max(p.rssMiB, p.pssMiB))).filter(Number.isFinite),
  );
  return lines.flatMap(({ t, tl }) => {
    const color = colorOf(r, t.name);
    const common = {
      xLabel: 'seconds of this target’s run (capacity search, restart, first trial)',
      bands: tl.bands,
      bandColors: BAND_COLORS,
      vLines: tl.restarts,
    };
    const pts = (pick: (p: Session['points'][number]) => number) =>
      tl.points.map((p): [number, number] => [p.t, pick(p)]);
    return [
      lineChart({
        ...common,
        id: `cpu-over-time-${t.name}`,
        title: `${t.name}: server CPU over time`,
        yLabel: 'CPU (% of one CPU)',
        yMax: cpuMax,
        series: [{ name: `${t.name} CPU`, color, markers: false, points: pts((p) => p.cpuPct) }],
      }),
      lineChart({
        ...common,
        id: `memory-over-time-${t.name}`,
        title: `${t.name}: server memory over time`,
        yLabel: 'MiB',
        yMax: memMax,
        series: [
          { name: `${t.name} RSS`, color, markers: false, points: pts((p) => p.rssMiB) },
          { name: `${t.name} PSS`, color, dash: '4 3', markers: false, points: pts((p) => p.pssMiB) },
        ],
      }),
    ];
  });
}
