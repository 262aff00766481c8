// Renders report.html in Debian's headless Chromium and checks what a reader sees: the verdict first, charts that
// really draw, the SLO line on the latency chart and the phase bands on the over-time charts.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeReports } from '../src/compare.js';
import { jsRuntimeLines, verdictLines } from '../src/report/verdict.js';
import { BENCH_DIR, SCENARIOS } from '../src/scenario.js';
import { writeSuiteReports } from '../src/suite/write.js';
import { loadFixture } from './fixture.js';
import { syntheticSuite } from './synthetic-suite.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Every chart: its size, how many series paths have length, its points, bands and reference lines as drawn. */
function drawnCharts(page: Page) {
  return page.$$eval('svg.chart', (svgs) =>
    svgs.map((s) => {
      const length = (e: unknown) => (e as { getTotalLength(): number }).getTotalLength();
      const paths = [...s.querySelectorAll('path.series')];
      const bands = [...s.querySelectorAll('rect.band')].map((b) => ({
        kind: b.getAttribute('data-kind'),
        width: b.getBoundingClientRect().width,
      }));
      const refs = [...s.querySelectorAll('line.ref')].map((l) => ({
        ref: l.getAttribute('data-ref') ?? '',
        ...l.getBoundingClientRect().toJSON(),
      }));
      const frame = s.querySelector('rect.frame')?.getBoundingClientRect().toJSON();
      return {
        id: s.id,
        width: s.getBoundingClientRect().width,
        paths: paths.length,
        drawn: paths.filter((p) => length(p) > 0).length,
        points: s.querySelectorAll('circle.point').length,
        bands,
        refs,
        frame,
      };
    }),
  );
}

describe('report.html in headless Chromium', () => {
  it.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
    'shows the verdict first, draws every chart, the SLO line and the phase bands, fetches nothing',
    async () => {
      const out = path.join(BENCH_DIR, 'results', 'test-report');
      mkdirSync(out, { recursive: true });
      const r = loadFixture();
      const names = r.targets.map((t) => t.name);
      writeReports(r, out);
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
        const requests: string[] = [];
        page.on('request', (q) => {
          if (!q.url().startsWith('file:')) requests.push(q.url());
        });
        await page.goto(`file://${path.join(out, 'report.html')}`);

        // The verdict: visible at the top of the page, one item per verdict line, above every other section.
        const verdict = page.locator('section#verdict');
        expect(await verdict.isVisible()).toBe(true);
        const items = await verdict.locator('ul.verdict > li').allInnerTexts();
        expect(items).toEqual([...verdictLines(r), ...jsRuntimeLines(r)].map((l) => `${l.head}: ${l.text}`));
        const top = async (sel: string) => (await page.locator(sel).boundingBox())?.y ?? Number.NaN;
        expect(await top('section#verdict')).toBeLessThan(await top('section#run'));
        expect(await top('section#verdict')).toBeLessThan(1000); // on the first screen

        const charts = await drawnCharts(page);
        expect(charts.map((c) => c.id)).toEqual([
          'latency-vs-load',
          'throughput-vs-load',
          ...names.flatMap((n) => [`cpu-over-time-${n}`, `memory-over-time-${n}`]),
        ]);
        for (const c of charts) {
          expect(c.width, c.id).toBeGreaterThan(300);
          expect(c.paths, c.id).toBeGreaterThanOrEqual(1);
          expect(c.drawn, c.id).toBe(c.paths);
        }
        expect(charts[0]?.points).toBeGreaterThan(6);

        // The SLO: a horizontal line across the latency chart's plot, inside its frame.
        const slo = charts[0]?.refs.find((x) => x.ref.startsWith('SLO'));
        const frame = charts[0]?.frame;
        expect(slo, 'SLO line').toBeDefined();
        expect(slo?.width).toBeGreaterThan(0.9 * (frame?.width ?? 0));
        expect(slo?.height).toBeLessThan(3);
        expect(slo?.y).toBeGreaterThan(frame?.y ?? 0);
        expect(slo?.y).toBeLessThan((frame?.y ?? 0) + (frame?.height ?? 0));

        // Phase bands on every over-time chart: every kind present and drawn with a width, and a restart line.
        for (const c of charts.slice(2)) {
          const kinds = new Set(c.bands.filter((b) => b.width > 0).map((b) => b.kind));
          expect([...kinds].sort(), c.id).toEqual(['capacity', 'fixed', 'overload', 'recovery', 'warm-up']);
          expect(
            c.refs.some((x) => x.ref.startsWith('restart')),
            c.id,
          ).toBe(true);
        }

        expect(await page.locator('table').count()).toBeGreaterThan(3 + 2 * names.length);
        expect(requests).toEqual([]); // self-contained: nothing fetched from anywhere
        await page.screenshot({ path: path.join(out, 'report.png'), fullPage: true });
        expect(existsSync(path.join(out, 'report.png'))).toBe(true);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  it.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
    'suite.html: every heat map cell and matrix table is drawn, a failed scenario shows, nothing is fetched',
    async () => {
      const out = path.join(BENCH_DIR, 'results', 'test-report');
      mkdirSync(out, { recursive: true });
      const s = syntheticSuite('12mp-thumb320-cpu0-1');
      writeSuiteReports(s, out);
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
        const requests: string[] = [];
        page.on('request', (q) => {
          if (!q.url().startsWith('file:')) requests.push(q.url());
        });
        await page.goto(`file://${path.join(out, 'suite.html')}`);

        // Heat maps: one per comparison and CPU setting, every image × op cell drawn with a size and a label.
        const maps = await page.$$eval('svg.heatmap', (svgs) =>
          svgs.map((svg) => ({
            id: svg.id,
            width: svg.getBoundingClientRect().width,
            cells: [...svg.querySelectorAll('rect.cell')].map((c) => ({
              w: c.getBoundingClientRect().width,
              h: c.getBoundingClientRect().height,
              fill: c.getAttribute('fill'),
              ratio: c.getAttribute('data-ratio'),
            })),
            labels: [...svg.querySelectorAll('text.cell-label')].map((t) => t.textContent ?? ''),
          })),
        );
        // go vs go-vips and ts vs go-vips, each on 1 and 2 CPUs.
        expect(maps).toHaveLength(4);
        const cells = SCENARIOS.suite.images.length * SCENARIOS.suite.ops.length;
        for (const m of maps) {
          expect(m.width, m.id).toBeGreaterThan(300);
          expect(m.cells, m.id).toHaveLength(cells);
          for (const c of m.cells) {
            expect(c.w).toBeGreaterThan(50);
            expect(c.h).toBeGreaterThan(20);
          }
          expect(
            m.labels.every((l) => /^((ts|go|go-vips) [\d.]+×|≈ [\d.]+×|failed)$/.test(l)),
            m.id,
          ).toBe(true);
        }
        const failed = maps.find((m) => m.id.endsWith('-2'))?.labels.filter((l) => l === 'failed');
        expect(failed).toHaveLength(1);
        expect(new Set(maps[0]?.cells.map((c) => c.fill)).size).toBeGreaterThan(2);

        // Matrix tables: one row per scenario and a column per target plus comparison columns, all visible.
        const tables = await page.$$eval('section#matrix table', (ts) =>
          ts.map((t) => ({
            rows: t.querySelectorAll('tr').length,
            cols: t.querySelector('tr')?.children.length ?? 0,
            height: t.getBoundingClientRect().height,
          })),
        );
        expect(tables.length).toBeGreaterThanOrEqual(6);
        for (const t of tables) {
          expect(t.rows).toBe(s.scenarios.length + 1);
          expect(t.cols).toBeGreaterThanOrEqual(4);
          expect(t.height).toBeGreaterThan(100);
        }
        for (const id of ['run', 'failed', 'scaling', 'plan', 'profile'])
          expect(await page.locator(`section#${id}`).isVisible(), id).toBe(true);
        // Every image × op but the one whose 2-CPU scenario failed, plus the header row.
        expect(await page.locator('section#scaling table tr').count()).toBe(cells - 1 + 1);
        expect(await page.locator('section#profile').textContent()).toContain('libvips-cpp.so.8.18.7');
        expect(requests).toEqual([]);
        await page.screenshot({ path: path.join(out, 'suite.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
