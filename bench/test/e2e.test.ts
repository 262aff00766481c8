// End to end: `pnpm bench:compare --quick` against the native services, as CI runs it. go-vips joins when its
// binary was built (the go-service build makes it once libvips linking is in place); go and ts always run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IMPLEMENTATIONS } from '@rtip/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { VegetaDriver } from '../src/drivers/vegeta.js';
import { comparisons } from '../src/report/comparisons.js';
import { BENCH_DIR, REPO_DIR } from '../src/scenario.js';
import { buildNative, RECIPES } from '../src/targets.js';

/** What --quick may take per target (plus a fixed part for pre-flight and reports), builds excluded. */
const BUDGET = { fixedS: 15, perTargetS: 25 };

// The services are built by other packages; until their sources exist the run cannot happen. Say so loudly.
const missing = [
  ['go-service/cmd/go-service/main.go', 'go-service'],
  ['apps/ts-service/src/index.ts', 'ts-service'],
]
  .filter(([f]) => !existsSync(path.join(REPO_DIR, f as string)))
  .map(([, n]) => n);
if (missing.length) {
  console.warn(
    `\n!!! bench e2e SKIPPED: ${missing.join(' and ')} not in the repo yet — the --quick run did not happen !!!\n`,
  );
}

describe.skipIf(missing.length > 0)('pnpm bench:compare --quick (native services)', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'bench-e2e-'));
  let targets: string[] = [];
  let run: { status: number | null; stdout: string; stderr: string; seconds: number };

  beforeAll(async () => {
    // Build first (turbo-cached when `pnpm test` already built them), so the timed run is the benchmark itself.
    await buildNative(['go', 'ts'], () => {});
    await new VegetaDriver().prepare();
    targets = IMPLEMENTATIONS.filter((k) => existsSync(RECIPES[k].artifact));
    if (!targets.includes('go-vips'))
      console.warn('\nbench e2e: go-vips is not built, running go and ts only\n');
    const t0 = Date.now();
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(BENCH_DIR, 'src', 'compare.ts'),
        '--quick',
        '--no-build',
        '--targets',
        targets.join(','),
        '--out',
        out,
      ],
      { cwd: BENCH_DIR, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 240_000 },
    );
    run = { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
  }, 600_000);

  it('completes within its time budget and writes the three reports', () => {
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.seconds).toBeLessThan(BUDGET.fixedS + BUDGET.perTargetS * targets.length);
    for (const f of ['results.json', 'report.md', 'report.html'])
      expect(existsSync(path.join(out, f)), f).toBe(true);
  });

  it('measured every target through every phase, honestly labelled', () => {
    const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(r.schemaVersion).toBe(2);
    expect(r.method).toMatchObject({
      mode: 'native',
      driver: 'vegeta',
      loopModel: 'open',
      quick: true,
      ci: true,
    });
    expect(r.preflight.pass).toBe(true);
    expect(r.targets.map((t: { name: string }) => t.name)).toEqual(targets);
    for (const t of r.targets) {
      expect(t.capacity.reqPerS, t.name).toBeGreaterThan(0);
      expect(t.startup.firstProcessMs.values.length, t.name).toBeGreaterThanOrEqual(2);
      expect(t.phases.map((p: { name: string }) => p.name)).toEqual([
        'fixed-50%',
        'fixed-80%',
        'overload',
        'recovery',
      ]);
      expect(t.info.implementation, t.name).toBe(t.name);
      const fixed = t.phases[0].trials[0];
      expect(fixed.stats.sent + fixed.stats.dropped).toBe(fixed.stats.expected);
      expect(fixed.resources.serverCpuS).toBeGreaterThan(0);
      expect(fixed.resources.peakRssMiB).toBeGreaterThan(1);
      const kinds = new Set(
        t.sessions.flatMap((s: { markers: Array<{ kind: string }> }) => s.markers.map((m) => m.kind)),
      );
      expect([...kinds].sort()).toEqual(['capacity', 'fixed', 'overload', 'recovery', 'warm-up']);
    }
    // The same offered load for every target in the fixed-rate phases.
    const rates = new Set(
      r.targets.map((t: { phases: Array<{ offeredRate: number }> }) => t.phases[0]?.offeredRate),
    );
    expect(rates.size).toBe(1);
  });

  it('the report opens with the verdict and has a ratio column per comparison', () => {
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md.indexOf('## Verdict')).toBeGreaterThan(0);
    expect(md.indexOf('## Verdict')).toBeLessThan(md.indexOf('## Headline'));
    expect(md).toContain('- **Capacity**: ');
    const header = `| figure | ${targets.join(' | ')} | ${comparisons(targets)
      .map((c) => `${c.first} vs ${c.second}${c.question ? ` (${c.question})` : ''}`)
      .join(' | ')} |`;
    expect(md).toContain(header);
    expect(md).toContain('_native · vegeta · open loop · quick · CI_');
    expect(run.stdout).toContain('Verdict:');
  });
});
