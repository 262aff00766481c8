import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEVIATIONS } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { toJson, writeReports } from '../src/compare.js';
import { timeline } from '../src/report/charts.js';
import { columnTitle, comparisons } from '../src/report/comparisons.js';
import { deviationsTable } from '../src/report/deviations.js';
import { reportDocument, runtimeText } from '../src/report/document.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { esc, lineChart, logTicks, niceTicks } from '../src/report/svg.js';
import { fmtSpread, headlineTable, phaseTables } from '../src/report/table.js';
import { READABLE_VERSIONS, RESULTS_SCHEMA } from '../src/results.js';
import { loadFixture } from './fixture.js';

describe('report writers (from a real run’s results.json)', () => {
  const r = loadFixture();
  const names = r.targets.map((t) => t.name);

  it('the fixture has the versioned schema and at least two targets', () => {
    expect(r.schema).toBe(RESULTS_SCHEMA);
    expect(READABLE_VERSIONS).toContain(r.schemaVersion);
    expect(names.length).toBeGreaterThanOrEqual(2);
  });

  it('headline table: one column per target, then one per comparison naming the better target', () => {
    const h = headlineTable(r);
    expect(h.header).toEqual(['figure', ...names, ...comparisons(names).map(columnTitle)]);
    const cap = h.rows.find((x) => x.label.startsWith('capacity'));
    expect(cap?.cells).toEqual(r.targets.map((t) => String(t.capacity.reqPerS)));
    for (const cell of cap?.ratios ?? [])
      expect(cell).toMatch(new RegExp(`^(${names.join('|')}|≈) [\\d.]+×$`));
    expect(h.rows.find((x) => x.label.startsWith('overload: shed'))?.ratios.every((c) => c === '')).toBe(
      true,
    );
  });

  it('phase tables: fixed loads shared and compared, overload and recovery each target’s own', () => {
    const t = phaseTables(r);
    expect(t.map((x) => x.title.split(':')[0])).toEqual([
      ...r.fixedRates.map((f) => f.name),
      'overload',
      'recovery',
    ]);
    expect(t[0]?.note).toMatch(
      new RegExp(`offered: ${names.map((n) => `${n} \\d+ req/s`).join(', ')} \\(the same`),
    );
    expect(t[0]?.rows.map((x) => x.label)).toContain('dropped (not sent)');
    const over = t.find((x) => x.title.startsWith('overload'));
    expect(over?.title).toBe("overload: 150% of each target's own capacity");
    expect(over?.header).toEqual(['figure', ...names]);
    expect(over?.rows[0]?.label).toBe('offered load (req/s, this target’s own)');
  });

  it('report.md opens with the verdict, then the run, and keeps every section', () => {
    const md = renderMarkdown(r);
    expect(md).toMatch(
      new RegExp(`^# Image service benchmark: ${names.join(' vs ')}\n\n_native · vegeta · open loop`),
    );
    const order = [
      '## Verdict',
      '## Run',
      '## Headline',
      '## Phases',
      '## Implementation profile',
      '## Deviations from the contract',
      '## Capacity search',
      '## Method',
    ];
    const at = order.map((h) => md.indexOf(`\n${h}\n`));
    expect(at.every((x) => x > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(md).toContain(`| Mode / driver | ${r.method.mode}, ${r.method.driverVersion}, **open loop**`);
    expect(md).toContain('Warm-up (closed loop');
    expect(md).toContain(r.environment.cpuModel);
  });

  it('report.html carries everything report.md has: every section, table row and /info key', () => {
    const html = renderHtml(r);
    const doc = reportDocument(r);
    for (const s of doc.sections) {
      expect(html, s.title).toContain(`<h${s.level}>${esc(s.title)}</h${s.level}>`);
      for (const b of s.blocks) {
        if (b.kind !== 'table') continue;
        for (const row of b.table.rows)
          expect(html, `${s.title}: ${row.label}`).toContain(`>${esc(row.label)}</td>`);
      }
    }
    for (const t of r.targets) {
      expect(html).toContain(`id="capacity-${t.name}"`);
      expect(html).toContain(`id="targets-${t.name}"`);
    }
    expect(html).toContain('<dt>Load average</dt>');
    expect(html).toContain('<dt>Pre-flight</dt>');
  });

  it('report.html is self-contained and draws the SLO and the phase bands', () => {
    const html = renderHtml(r);
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(html).not.toMatch(/<script|<link /);
    expect(html.match(/<svg class="chart"/g)).toHaveLength(2 + 2 * names.length);
    expect(html).toContain(`data-ref="SLO: p99 ≤ ${r.method.sloP99Ms} ms"`);
    for (const kind of ['warm-up', 'capacity', 'fixed', 'overload', 'recovery'])
      expect(html).toContain(`class="band" data-kind="${kind}"`);
  });

  it('the over-time charts join the capacity search and the first trial, lifting the pen at the restart', () => {
    const t = r.targets[0];
    if (!t) throw new Error('fixture without targets');
    const tl = timeline(t);
    expect(tl.restarts).toHaveLength(1);
    const at = tl.restarts[0]?.at ?? 0;
    const gap = tl.points.findIndex((p) => Number.isNaN(p.cpuPct));
    expect(tl.points[gap]?.t).toBe(at);
    expect(tl.points.slice(0, gap).every((p) => p.t < at)).toBe(true);
    expect(tl.points.slice(gap + 1).every((p) => p.t > at)).toBe(true);
    expect(tl.bands.filter((b) => b.x0 >= at).map((b) => b.kind)).toEqual([
      'warm-up',
      ...r.fixedRates.map(() => 'fixed'),
      'overload',
      'recovery',
    ]);
  });

  it('writes the three files and results.json round-trips (NaN → null)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
    const files = writeReports(r, dir);
    expect(files.map((f) => path.basename(f))).toEqual(['results.json', 'report.md', 'report.html']);
    const back = readFileSync(path.join(dir, 'results.json'), 'utf8');
    expect(back).toBe(toJson(r));
    expect(back).not.toMatch(/NaN|Infinity/);
  });

  it('formats spreads as median [min–max]', () => {
    expect(fmtSpread({ median: 2, min: 1, max: 3.25, values: [1, 2, 3.25] })).toBe('2.0 [1.0–3.3]');
    expect(fmtSpread({ median: 2, min: 2, max: 2, values: [2] })).toBe('2.0');
    expect(fmtSpread(undefined)).toBe('—');
    expect(fmtSpread({ median: 0, min: 0, max: 0, values: [0, Number.NaN, 0] }, 0)).toBe('0 (1/3 n/a)');
    expect(fmtSpread({ median: 2, min: 1, max: 3, values: [1, Number.NaN, 3] }, 0)).toBe('2 [1–3] (1/3 n/a)');
    expect(fmtSpread({ median: Number.NaN, min: Number.NaN, max: Number.NaN, values: [Number.NaN] })).toBe(
      'n/a',
    );
  });
});

describe('svg charts', () => {
  const base = { id: 'c', title: 'T <x>', xLabel: 'x', yLabel: 'y' };
  it('picks round ticks', () => {
    expect(niceTicks(0, 97)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(logTicks(1, 1000)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
  });
  it('draws one path per series with a marker per point', () => {
    const svg = lineChart({
      ...base,
      logY: true,
      series: [
        {
          name: 'a',
          color: '#000',
          points: [
            [1, 10],
            [2, 100],
            [3, 1000],
          ],
        },
        { name: 'b', color: '#f00', points: [[1, 5]] },
      ],
    });
    expect(svg.match(/<path class="series"/g)).toHaveLength(2);
    expect(svg.match(/<circle class="point"/g)).toHaveLength(4);
    expect(svg).toContain('T &lt;x&gt;');
  });
  it('lifts the pen at a point without a value', () => {
    const svg = lineChart({
      ...base,
      series: [
        {
          name: 'a',
          color: '#000',
          points: [
            [0, 1],
            [1, 2],
            [2, Number.NaN],
            [3, 1],
            [4, 2],
          ],
        },
      ],
    });
    const d = /<path class="series"[^>]* d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/L/g)).toHaveLength(2);
  });
  it('extends the y axis to a reference line and shades bands, labelled only where the label fits', () => {
    const svg = lineChart({
      ...base,
      logY: true,
      series: [
        {
          name: 'a',
          color: '#000',
          points: [
            [1, 20],
            [2, 40],
          ],
        },
      ],
      hLines: [{ at: 500, label: 'SLO' }],
      bands: [
        { x0: 0, x1: 1, kind: 'fixed', label: 'fixed-50% 10/s', short: '10/s' },
        { x0: 1, x1: 1.01, kind: 'overload', label: 'overload 30/s', short: '30/s' },
      ],
      bandColors: { fixed: '#0f0', overload: '#f00' },
    });
    expect(svg).toContain('data-ref="SLO"');
    expect(svg).toMatch(/<text class="tick"[^>]*>500<\/text>/); // the axis reaches the SLO
    expect(svg.match(/<rect class="band"/g)).toHaveLength(2);
    expect(svg.match(/<text class="band-label"/g)).toHaveLength(1);
    expect(svg).toContain('>10/s</text>');
    expect(svg).toMatch(/<text class="legend"[^>]*>overload<\/text>/);
  });
  it('says "no data" instead of drawing an empty frame', () => {
    expect(lineChart({ ...base, series: [] })).toContain('no data');
  });
});

describe('runtimes and deviations in the reports', () => {
  const bunInfo = {
    implementation: 'ts-bun',
    runtime: { name: 'bun', version: '1.4.4' },
    libraries: { sharp: '0.35.5', libvips: '8.18.7' },
  };
  const denoInfo = { ...bunInfo, implementation: 'ts-deno', runtime: { name: 'deno', version: '2.9.6' } };
  const five = () => {
    const r = loadFixture();
    const ts = r.targets.find((t) => t.name === 'ts');
    if (!ts) throw new Error('fixture without ts');
    return {
      ...r,
      targets: [
        ...r.targets,
        { ...ts, name: 'ts-bun', kind: 'ts-bun', info: bunInfo },
        { ...ts, name: 'ts-deno', kind: 'ts-deno', info: denoInfo },
      ],
    };
  };

  it('the run block names every target’s runtime and libvips from its /info', () => {
    expect(runtimeText(bunInfo)).toBe('bun 1.4.4, libvips 8.18.7');
    expect(runtimeText({ runtime: { name: 'go', version: 'go1.26.8' } })).toBe('go1.26.8');
    expect(runtimeText({ error: 'GET /info: 404' })).toBe('n/a (no runtime in /info)');
    const md = renderMarkdown(five());
    expect(md).toContain(
      "| Runtimes | go: go1.26.8; ts: node v26.12.1, libvips 8.18.7; go-vips: go1.26.8, libvips 8.18.7; ts-bun: bun 1.4.4, libvips 8.18.7; ts-deno: deno 2.9.6, libvips 8.18.7 (each target's /info) |",
    );
  });

  it('prints the contract’s deviations of the targets in the run, in both reports, and none for the others', () => {
    const r = five();
    const md = renderMarkdown(r);
    const html = renderHtml(r);
    const listed = DEVIATIONS.filter((d) => d.target === 'ts-bun' || d.target === 'ts-deno');
    expect(listed.length).toBeGreaterThan(0);
    expect(md).toContain('\n## Deviations from the contract\n');
    expect(md).toContain(
      '| target | contract point | what happens instead | doc / issue |\n|---|---|---|---|\n',
    );
    expect(md.indexOf('## Deviations')).toBeGreaterThan(md.indexOf('## Implementation profile'));
    for (const d of listed) {
      const links = d.links.length ? d.links.join(' ') : 'none found';
      expect(md).toContain(`| ${d.target} | ${d.point.replaceAll('|', '\\|')} | ${d.instead} | ${links} |`);
      expect(html).toContain(`<td>${esc(d.instead)}</td>`);
    }
    expect(deviationsTable(['ts-bun']).rows.map((x) => x.label)).toEqual(
      DEVIATIONS.filter((d) => d.target === 'ts-bun').map(() => 'ts-bun'),
    );
    const three = renderMarkdown(loadFixture());
    expect(three).toContain('None documented for go, ts, go-vips (`DEVIATIONS` of @rtip/contract).');
  });
});
