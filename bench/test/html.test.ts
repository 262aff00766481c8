// Renders report.html in Debian's headless Chromium and checks that the charts really draw.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeReports } from '../src/compare.js';
import { BENCH_DIR } from '../src/scenario.js';
import { loadFixture } from './fixture.js';

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

describe('report.html in headless Chromium', () => {
  it.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
    'renders four charts with lines and points, and a screenshot',
    async () => {
      const out = path.join(BENCH_DIR, 'results', 'test-report');
      mkdirSync(out, { recursive: true });
      writeReports(loadFixture(), out);
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
        const requests: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith('file:')) requests.push(r.url());
        });
        await page.goto(`file://${path.join(out, 'report.html')}`);
        const charts = await page.$$eval('svg.chart', (svgs) =>
          svgs.map((s) => {
            const paths = [...s.querySelectorAll('path.series')];
            const box = s.getBoundingClientRect();
            return {
              id: s.id,
              width: box.width,
              paths: paths.length,
              drawn: paths.filter((p) => (p as unknown as { getTotalLength(): number }).getTotalLength() > 0)
                .length,
              points: s.querySelectorAll('circle.point').length,
            };
          }),
        );
        expect(charts.map((c) => c.id)).toEqual([
          'latency-vs-load',
          'throughput-vs-load',
          'cpu-over-time',
          'rss-over-time',
        ]);
        for (const c of charts) {
          expect(c.width, c.id).toBeGreaterThan(300);
          expect(c.paths, c.id).toBeGreaterThanOrEqual(2);
          expect(c.drawn, c.id).toBe(c.paths);
        }
        expect(charts[0]?.points).toBeGreaterThan(6);
        expect(await page.locator('table').count()).toBeGreaterThan(3);
        expect(requests).toEqual([]); // self-contained: nothing fetched from anywhere
        await page.screenshot({ path: path.join(out, 'report.png'), fullPage: true });
        expect(existsSync(path.join(out, 'report.png'))).toBe(true);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
