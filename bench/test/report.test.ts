import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toJson, writeReports } from '../src/compare.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { lineChart, logTicks, niceTicks } from '../src/report/svg.js';
import { fmtSpread, headlineTable, phaseTables } from '../src/report/table.js';
import { RESULTS_SCHEMA, RESULTS_VERSION } from '../src/results.js';
import { loadFixture } from './fixture.js';

describe('report writers (from a fixture results.json)', () => {
  const r = loadFixture();

  it('the fixture has the versioned schema', () => {
    expect(r.schema).toBe(RESULTS_SCHEMA);
    expect(r.schemaVersion).toBe(RESULTS_VERSION);
  });

  it('headline table: one column per target and the go/ts ratio', () => {
    const h = headlineTable(r);
    expect(h.header).toEqual(['figure', 'go', 'ts', 'go/ts']);
    const cap = h.rows.find((x) => x.label.startsWith('capacity'));
    const go = r.targets.find((t) => t.name === 'go')?.capacity.reqPerS ?? 0;
    const ts = r.targets.find((t) => t.name === 'ts')?.capacity.reqPerS ?? 1;
    expect(cap?.cells).toEqual([String(go), String(ts)]);
    expect(cap?.ratio).toBe(`${(go / ts).toFixed(2)}×`);
    expect(h.rows.some((x) => x.label.startsWith('overload: accepted-request p99'))).toBe(true);
  });

  it('phase tables cover both fixed loads, overload and recovery, with the offered load stated', () => {
    const t = phaseTables(r);
    expect(t.map((x) => x.title.split(':')[0])).toEqual([
      ...r.fixedRates.map((f) => f.name),
      'overload',
      'recovery',
    ]);
    expect(t[0]?.note).toMatch(/offered: go \d+ req\/s, ts \d+ req\/s/);
    expect(t[0]?.rows.map((x) => x.label)).toContain('dropped (not sent)');
  });

  it('report.md has the header block, driver, mode and loop model', () => {
    const md = renderMarkdown(r);
    expect(md).toMatch(/^# Image service benchmark: go vs ts/);
    expect(md).toContain(`| Mode / driver | ${r.method.mode}, ${r.method.driverVersion}, **open loop**`);
    expect(md).toContain('| figure | go | ts | go/ts |');
    expect(md).toContain('## Capacity search');
    expect(md).toContain('Warm-up (closed loop');
    expect(md).toContain(r.environment.cpuModel);
  });

  it('report.html is self-contained: no external URL, script or stylesheet link', () => {
    const html = renderHtml(r);
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(html).not.toMatch(/<script|<link /);
    expect(html.match(/<svg class="chart"/g)).toHaveLength(4);
    expect(html).toContain('open loop');
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
  it('picks round ticks', () => {
    expect(niceTicks(0, 97)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(logTicks(1, 1000)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
  });
  it('draws one path per series with a marker per point', () => {
    const svg = lineChart({
      id: 'c',
      title: 'T <x>',
      xLabel: 'x',
      yLabel: 'y',
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
  it('says "no data" instead of drawing an empty frame', () => {
    expect(lineChart({ id: 'c', title: 'E', xLabel: '', yLabel: '', series: [] })).toContain('no data');
  });
});
