// report.html: one self-contained file (no scripts, fonts or images from the network) with inline SVG charts.

import type { Results, TargetResult } from '../results.js';
import { headerBlock } from './markdown.js';
import { esc, lineChart, type Series } from './svg.js';
import { hasRatio, headlineTable, phaseTables, type Table } from './table.js';

const COLORS: Record<string, string> = { go: '#00828c', ts: '#c2410c' };
const EXTRA = ['#6d28d9', '#15803d', '#b91c1c', '#1d4ed8'];
export const colorOf = (r: Results, name: string) =>
  COLORS[name] ?? EXTRA[r.targets.findIndex((t) => t.name === name) % EXTRA.length] ?? '#333';

/** Points (offered rate → figure) from every open-loop measurement of a target: capacity steps and trial phases. */
function byRate(
  t: TargetResult,
  pick: (s: { latency: { p50: number; p90: number; p99: number }; achievedRate: number }) => number,
) {
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

export function charts(r: Results): string[] {
  const lat: Series[] = [];
  const thr: Series[] = [];
  const cpu: Series[] = [];
  const rss: Series[] = [];
  for (const t of r.targets) {
    const c = colorOf(r, t.name);
    lat.push({ name: `${t.name} p50`, color: c, dash: '2 3', points: byRate(t, (s) => s.latency.p50) });
    lat.push({ name: `${t.name} p90`, color: c, dash: '7 3', points: byRate(t, (s) => s.latency.p90) });
    lat.push({ name: `${t.name} p99`, color: c, points: byRate(t, (s) => s.latency.p99) });
    thr.push({ name: `${t.name} achieved 2xx/s`, color: c, points: byRate(t, (s) => s.achievedRate) });
    const sess = t.sessions.find((s) => s.label.startsWith('trial')) ?? t.sessions[0];
    if (sess) {
      cpu.push({
        name: `${t.name} (${sess.label})`,
        color: c,
        markers: false,
        points: sess.points.map((p) => [p.t, p.cpuPct]),
      });
      rss.push({
        name: `${t.name} RSS`,
        color: c,
        markers: false,
        points: sess.points.map((p) => [p.t, p.rssMiB]),
      });
      rss.push({
        name: `${t.name} PSS`,
        color: c,
        dash: '4 3',
        markers: false,
        points: sess.points.map((p) => [p.t, p.pssMiB]),
      });
    }
  }
  return [
    lineChart({
      id: 'latency-vs-load',
      title: 'Latency percentiles vs offered load (open loop, all requests)',
      xLabel: 'offered load (req/s)',
      yLabel: 'latency (ms)',
      logY: true,
      series: lat,
    }),
    lineChart({
      id: 'throughput-vs-load',
      title: 'Throughput vs offered load (dotted: achieved = offered)',
      xLabel: 'offered load (req/s)',
      yLabel: 'successful answers per second',
      identity: true,
      series: thr,
    }),
    lineChart({
      id: 'cpu-over-time',
      title: 'Server CPU over time, first trial (warm-up, fixed loads, overload, recovery)',
      xLabel: 'seconds since start-up',
      yLabel: 'CPU (% of one CPU)',
      series: cpu,
    }),
    lineChart({
      id: 'rss-over-time',
      title: 'Server memory over time, first trial',
      xLabel: 'seconds since start-up',
      yLabel: 'MiB',
      series: rss,
    }),
  ];
}

function htmlTable(t: Table, withRatio: boolean): string {
  const head = `<tr>${t.header.map((h, i) => `<th${i ? ' class="n"' : ''}>${esc(h)}</th>`).join('')}</tr>`;
  const rows = t.rows
    .map(
      (r) =>
        `<tr><td>${esc(r.label)}</td>${r.cells.map((c) => `<td class="n">${esc(c)}</td>`).join('')}${withRatio ? `<td class="n ratio">${esc(r.ratio)}</td>` : ''}</tr>`,
    )
    .join('\n');
  return `<table><caption>${esc(t.title)}${t.note ? `<small>${esc(t.note)}</small>` : ''}</caption>${head}\n${rows}</table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1420px;padding:0 16px;color:#1c1c1c}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:13px}dt{font-weight:600}dd{margin:0}
.badge{display:inline-block;background:#fef3c7;border:1px solid #f59e0b;border-radius:4px;padding:1px 6px;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #ddd;border-radius:6px}
svg .title{font-weight:600;font-size:13px}svg .tick,svg .legend{font-size:11px;fill:#444}svg .axis{font-size:12px;fill:#222}
svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#999}svg .series{fill:none;stroke-width:2}
svg .identity{stroke:#999;stroke-dasharray:2 4;fill:none}
table{border-collapse:collapse;margin:12px 0;font-size:13px}caption{text-align:left;font-weight:600;padding:4px 0}
caption small{display:block;font-weight:400;color:#555}
td,th{border:1px solid #ddd;padding:3px 8px}th{background:#f4f4f4}.n{text-align:right;font-variant-numeric:tabular-nums}
.ratio{background:#f7f7ff}.tables{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:0 24px}
`;

export function renderHtml(r: Results): string {
  const withRatio = hasRatio(r);
  const head = headerBlock(r)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v.replace(/\*\*|`/g, ''))}</dd>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Benchmark: ${esc(r.targets.map((t) => t.name).join(' vs '))}</title>
<style>${CSS}</style></head>
<body>
<h1>Image service benchmark: ${esc(r.targets.map((t) => t.name).join(' vs '))}
 <span class="badge">${esc(r.method.mode)} · ${esc(r.method.driver)} · open loop${r.method.quick ? ' · quick (CI)' : ''}</span></h1>
<dl>${head}</dl>
${htmlTable(headlineTable(r), withRatio)}
<h2>Charts</h2>
<div class="charts">
${charts(r).join('\n')}
</div>
<h2>Phases</h2>
<div class="tables">
${phaseTables(r)
  .map((t) => htmlTable(t, withRatio))
  .join('\n')}
</div>
<h2>Method</h2>
<ul>${r.method.rules.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
${r.notes.length ? `<h2>Notes</h2><ul>${r.notes.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
<p><small>Schema ${esc(r.schema)} v${r.schemaVersion}; all figures are in results.json beside this file.</small></p>
</body></html>
`;
}
