// The suite's planning (matrix, phase lengths, options), resume, scaling efficiency and its report, on
// hand-made results (test/synthetic.ts): no service runs here.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEVIATIONS } from '@rtip/contract';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../src/cli.js';
import { renderDocumentMarkdown } from '../src/report/markdown.js';
import type { Results } from '../src/results.js';
import { SCENARIOS } from '../src/scenario.js';
import { defaultCpuConfigs, planMatrix } from '../src/suite/matrix.js';
import { suiteDocument } from '../src/suite/report.js';
import { scalingEfficiency, suiteResults } from '../src/suite/results.js';
import { newPlan, scenarioOptions, suiteSeconds } from '../src/suite/run.js';
import {
  markFailed,
  pendingScenarios,
  readPlan,
  type SuitePlan,
  scenarioDir,
  scenarioStatus,
  writePlan,
} from '../src/suite/state.js';
import { toJson } from '../src/write.js';
import { results, target } from './synthetic.js';

const now = new Date('2026-12-02T10:00:00Z');

describe('matrix planning', () => {
  it('full: every image × op × (1 CPU, all CPUs), each CPU setting of a pair one after the other', () => {
    const m = planMatrix({ kind: 'full', cores: 2 });
    expect(m).toHaveLength(SCENARIOS.suite.images.length * SCENARIOS.suite.ops.length * 2);
    expect(m.slice(0, 2).map((s) => s.id)).toEqual(['small-grayscale-cpu1', 'small-grayscale-cpu0-1']);
    expect(m[0]).toMatchObject({ cpus: { server: '1', load: '1' }, serverCpus: 1 });
    expect(m[1]).toMatchObject({ cpus: { server: '0-1', load: '0-1' }, serverCpus: 2 });
    expect(new Set(m.map((s) => s.id)).size).toBe(m.length);
  });

  it('quick: the listed pairs only; --image/--op narrow; --cpus replace the CPU settings', () => {
    expect(planMatrix({ kind: 'quick', cores: 2 }).map((s) => s.id)).toEqual([
      'hd-grayscale-cpu1',
      'hd-grayscale-cpu0-1',
    ]);
    const only = planMatrix({
      kind: 'full',
      cores: 4,
      only: { op: 'thumb320' },
      cpus: [{ server: '2,3', load: '0' }],
    });
    expect(only.map((s) => s.id)).toEqual([
      'small-thumb320-cpu2_3',
      'hd-thumb320-cpu2_3',
      '12mp-thumb320-cpu2_3',
    ]);
    expect(only[0]?.serverCpus).toBe(2);
    expect(() => planMatrix({ kind: 'quick', cores: 2, only: { image: '12mp' } })).toThrow(
      /leave no scenario/,
    );
  });

  it("one core: one setting; two: the load shares the servers' CPUs in both; more: it keeps CPU 0 in both", () => {
    expect(defaultCpuConfigs(1)).toEqual([{ server: '0', load: '0' }]);
    expect(defaultCpuConfigs(2)).toEqual([
      { server: '1', load: '1' },
      { server: '0-1', load: '0-1' },
    ]);
    expect(defaultCpuConfigs(8)).toEqual([
      { server: '1', load: '0' },
      { server: '1-7', load: '0' },
    ]);
  });

  it('the default suite (five targets) is planned at about 76 minutes, three targets about 46, quick about 4.5', () => {
    const minutes = (argv: string[]) => {
      const plan = newPlan(parseOptions(argv, 2, now), 'test', 2, now);
      return suiteSeconds(plan, plan.scenarios) / 60;
    };
    const full = newPlan(parseOptions(['--suite'], 2, now), 'test', 2, now);
    expect(full.kind).toBe('full');
    expect(full.targets).toEqual(['go', 'ts', 'go-vips', 'ts-bun', 'ts-deno']);
    expect(newPlan(parseOptions(['--suite', 'quick'], 2, now), 'test', 2, now).kind).toBe('quick');
    expect(minutes(['--suite'])).toBeCloseTo(76.4, 0);
    expect(minutes(['--suite', '--targets', 'go,ts,go-vips'])).toBeCloseTo(46.4, 0);
    expect(minutes(['--suite', 'quick'])).toBeCloseTo(4.5, 0);
    expect(minutes(['--suite', 'quick', '--targets', 'go,ts,go-vips'])).toBeCloseTo(2.8, 0);
  });

  it('options: --suite alone is full, with --quick quick, several --cpus only with --suite, results folder named suite-…', () => {
    expect(parseOptions(['--suite'], 2, now).suite).toBe('full');
    expect(parseOptions(['--suite', '--quick'], 2, now).suite).toBe('quick');
    expect(parseOptions(['--suite=quick'], 2, now).suite).toBe('quick');
    expect(parseOptions(['--suite'], 2, now).out).toMatch(/results\/suite-2026-12-02T100000$/);
    expect(() => parseOptions(['--cpus', '1/0', '--cpus', '0-1/0'], 2, now)).toThrow(
      /several only with --suite/,
    );
    const o = parseOptions(['--suite', '--cpus', '1/0', '--cpus', '0-1/0', '--duration', '3'], 2, now);
    const plan = newPlan(o, 'test', 2, now);
    expect(plan.durationS).toBe(3);
    expect(plan.trials).toBe(SCENARIOS.suite.preset.trials);
    expect(plan.scenarios.map((s) => s.cpus.server).slice(0, 2)).toEqual(['1', '0-1']);
    expect(() => parseOptions(['--suite', 'sometimes'], 2, now)).toThrow(/--suite must be one of/);
  });

  it('each scenario runs the single-run method with the suite’s settings, without its own profile', () => {
    const o = parseOptions(['--suite', 'quick', '--targets', 'go,ts'], 2, now);
    const plan = newPlan(o, 'test', 2, now);
    const s = plan.scenarios[1];
    if (!s) throw new Error('no scenario');
    const so = scenarioOptions(o, plan, s, '/tmp/suite');
    expect(so).toMatchObject({
      image: 'hd',
      op: 'grayscale',
      serverCpus: '0-1',
      loadCpus: '0-1',
      quick: true,
      profile: false,
      out: path.join('/tmp/suite', 'scenarios', 'hd-grayscale-cpu0-1'),
    });
    expect(so.targets.map((t) => t.name)).toEqual(['go', 'ts']);
  });
});

function tmpPlan(argv: string[] = []): { dir: string; plan: SuitePlan } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-suite-'));
  const plan = newPlan(
    parseOptions(['--suite', 'quick', '--targets', 'go,ts', ...argv], 2, now),
    'test',
    2,
    now,
  );
  writePlan(dir, plan);
  return { dir, plan };
}

function writeScenario(dir: string, id: string, r: Results) {
  mkdirSync(scenarioDir(dir, id), { recursive: true });
  writeFileSync(path.join(scenarioDir(dir, id), 'results.json'), toJson(r));
}

describe('resume', () => {
  it('a finished scenario (results.json) and a failed one (failed.json) are kept; the rest is pending', () => {
    const { dir, plan } = tmpPlan();
    expect(readPlan(dir)).toEqual(plan);
    expect(pendingScenarios(dir, plan).map((s) => s.id)).toEqual(plan.scenarios.map((s) => s.id));
    const [a, b] = plan.scenarios;
    if (!a || !b) throw new Error('two scenarios expected');
    writeScenario(dir, a.id, results([target('go'), target('ts')]));
    expect(pendingScenarios(dir, plan).map((s) => s.id)).toEqual([b.id]);
    // An interrupted scenario leaves raw files but no results.json: still pending.
    mkdirSync(path.join(scenarioDir(dir, b.id), 'raw'), { recursive: true });
    expect(scenarioStatus(dir, b.id)).toEqual({ status: 'pending' });
    markFailed(dir, b.id, 'pre-flight failed: ts answered 500');
    expect(scenarioStatus(dir, b.id)).toEqual({
      status: 'failed',
      reason: 'pre-flight failed: ts answered 500',
    });
    expect(pendingScenarios(dir, plan)).toEqual([]);
    expect(scenarioStatus(dir, a.id)).toEqual({
      status: 'done',
      results: path.join('scenarios', a.id, 'results.json'),
    });
  });

  it('--resume refuses a folder without a plan', () => {
    expect(() => readPlan(mkdtempSync(path.join(os.tmpdir(), 'bench-nosuite-')))).toThrow(
      /not a suite folder/,
    );
  });
});

/** A two-scenario suite (1 CPU and 2 CPUs) from hand-made results. */
function twoScenarioSuite(
  caps: { go: [number, number]; ts: [number, number] },
  failSecond = false,
  argv: string[] = [],
) {
  const { plan } = tmpPlan(argv);
  const [one, all] = plan.scenarios;
  if (!one || !all) throw new Error('two scenarios expected');
  const r = (i: 0 | 1) =>
    results(
      [target('go', { capacity: caps.go[i], cpuMs: 40 }), target('ts', { capacity: caps.ts[i], cpuMs: 30 })],
      {
        serverCpus: i + 1,
      },
    );
  const outcomes = [
    { scenario: one, status: { status: 'done' as const, results: 'a' }, results: r(0) },
    failSecond
      ? { scenario: all, status: { status: 'failed' as const, reason: 'pre-flight failed: go answered 500' } }
      : { scenario: all, status: { status: 'done' as const, results: 'b' }, results: r(1) },
  ];
  return suiteResults({ plan, outcomes, profile: {}, finishedAt: '2026-12-02T11:00:00Z' });
}

describe('scaling efficiency', () => {
  it('capacity(all) ÷ (N × capacity(1)) per target and image × op', () => {
    const s = twoScenarioSuite({ go: [26, 46], ts: [36, 50] });
    const by = Object.fromEntries(s.scaling.map((x) => [x.target, x.efficiency]));
    expect(by.go).toBeCloseTo(46 / 52, 6);
    expect(by.ts).toBeCloseTo(50 / 72, 6);
    expect(s.scaling[0]).toMatchObject({ image: 'hd', op: 'grayscale', one: { cpus: 1 }, all: { cpus: 2 } });
    expect(s.method.generatorSharesCores).toBe(true);
  });

  it('says where the load generator ran: alike in both settings (the default on 2 cores) or in one only', () => {
    const text = (argv: string[]) =>
      renderDocumentMarkdown(suiteDocument(twoScenarioSuite({ go: [26, 46], ts: [36, 50] }, false, argv)));
    expect(text([])).toContain('ran on the servers’ CPUs in every setting');
    const lopsided = text(['--cpus', '1/0', '--cpus', '0-1/0']);
    expect(lopsided).toContain('in some settings only');
    expect(lopsided).not.toContain('in every setting');
  });

  it('no figure without both settings; a zero capacity gives no number', () => {
    expect(twoScenarioSuite({ go: [26, 46], ts: [36, 50] }, true).scaling).toEqual([]);
    const z = scalingEfficiency(twoScenarioSuite({ go: [0, 46], ts: [36, 50] }).scenarios);
    expect(Number.isNaN(z.find((x) => x.target === 'go')?.efficiency)).toBe(true);
  });
});

describe('suite report', () => {
  it('a failed scenario is reported with its reason and the others stand', () => {
    const s = twoScenarioSuite({ go: [26, 46], ts: [36, 50] }, true);
    expect(s.scenarios.map((x) => x.status)).toEqual(['done', 'failed']);
    const md = renderDocumentMarkdown(suiteDocument(s));
    expect(md).toContain('## Failed scenarios');
    expect(md).toContain('pre-flight failed: go answered 500');
    expect(md).toContain('| hd × grayscale, 1 CPU | 26 | 36 | ts 1.38× |');
    expect(s.notes.join(' ')).toMatch(/1 scenario\(s\) failed/);
  });

  it('matrix tables per figure with ratio columns, heat map text, scaling, plan, profile; quick is labelled', () => {
    const s = twoScenarioSuite({ go: [26, 46], ts: [36, 50] });
    const md = renderDocumentMarkdown(suiteDocument(s));
    for (const h of [
      '## Run',
      '## Capacity ratio over image × op',
      '## Matrix',
      '## Scaling efficiency',
      '## Capacity plan',
      '## Implementation profile',
    ])
      expect(md, h).toContain(`\n${h}\n`);
    expect(md).toContain('| scenario | go | ts | go vs ts |');
    expect(md).toContain('| hd × grayscale, 2 CPUs | 46 | 50 | ≈ 1.09× |'.replace('≈ 1.09×', 'ts 1.09×'));
    expect(md).toContain('0.88 (26 → 46)');
    expect(md).toContain('not for conclusions');
    expect(md).toContain('load generator');
    expect(md).toMatch(
      /Server CPU ms per image[\s\S]*\| hd × grayscale, 1 CPU @ 16 req\/s \| 40\.00 \| 30\.00 \| ts 1\.33× \|/,
    );
  });
});

describe('suite report: runtimes and deviations', () => {
  it('names each target’s runtime from its /info and prints the contract’s deviations of its targets', () => {
    const s = twoScenarioSuite({ go: [26, 46], ts: [36, 50] });
    const md = renderDocumentMarkdown(suiteDocument(s));
    // The hand-made results' /info has no runtime; a real run's has (see the single report's test).
    expect(md).toContain(
      "| Runtimes | go: n/a (no runtime in /info); ts: n/a (no runtime in /info) (each target's /info, first finished scenario) |",
    );
    expect(md).toContain('None documented for go, ts (`DEVIATIONS` of @rtip/contract).');
    const { runtimes: _, ...old } = s;
    expect(renderDocumentMarkdown(suiteDocument(old))).toContain(
      '| Runtimes | n/a (not recorded by this suite) |',
    );
    const withDeno = { ...s, method: { ...s.method, targets: [...s.method.targets, 'ts-deno'] } };
    const rows = renderDocumentMarkdown(suiteDocument(withDeno))
      .split('\n')
      .filter((l) => l.startsWith('| ts-deno | '));
    expect(rows).toHaveLength(DEVIATIONS.filter((d) => d.target === 'ts-deno').length);
  });
});
