// A hand-made full suite (every scenario of the default matrix, three targets) for the suite report tests:
// capacities vary by image, op and CPUs so the heat maps and scaling tables have something to show.
import { parseOptions } from '../src/cli.js';
import type { ImplementationProfile } from '../src/profile/collect.js';
import { LAYERS } from '../src/profile/layers.js';
import { type SuiteResults, suiteResults } from '../src/suite/results.js';
import { newPlan } from '../src/suite/run.js';
import { results, target } from './synthetic.js';

const BASE: Record<string, number> = { go: 26, ts: 36, 'go-vips': 34 };
const IMAGE: Record<string, number> = { small: 6, hd: 1, '12mp': 0.2 };
const OP: Record<string, number> = { grayscale: 1, resize800: 1.4, thumb320: 1.8 };

export function syntheticProfile(codec: number, native: string[]): ImplementationProfile {
  const byLayer = Object.fromEntries(
    LAYERS.map((l, i) => [
      l,
      { code: l === 'codec' ? codec : 100 * (i + 1), comment: 10, blank: 5, files: i + 1 },
    ]),
  ) as never;
  return {
    code: {
      value: {
        byLayer,
        total: { code: 3000, comment: 70, blank: 35, files: 28 },
        generated: [],
        scope: 'test',
      },
    },
    dependencies: { value: { direct: 3, transitive: 33, linked: 10, source: 'test' } },
    native: {
      value: { brought: native.map((name) => ({ name, bytes: 18e6 })), system: ['libc.so.6'], files: [] },
    },
    cleanBuildS: { na: 'not measured in quick runs (a clean build takes minutes)' },
    artifactBytes: { value: 14e6, note: 'the binary' },
    imageBytes: { na: 'no engine' },
  };
}

export function syntheticSuite(failId?: string): SuiteResults {
  const now = new Date('2026-12-02T10:00:00Z');
  const plan = newPlan(
    parseOptions(['--suite', '--targets', 'go,ts,go-vips'], 2, now),
    'pnpm bench:compare --suite',
    2,
    now,
  );
  const outcomes = plan.scenarios.map((scenario) => {
    if (scenario.id === failId)
      return {
        scenario,
        status: { status: 'failed' as const, reason: 'pre-flight failed: go answered 500' },
      };
    const eff: Record<string, number> = { go: 0.88, ts: 0.69, 'go-vips': 0.9 };
    const cap = (n: string) =>
      Math.round(
        (BASE[n] ?? 1) *
          (IMAGE[scenario.image] ?? 1) *
          (OP[scenario.op] ?? 1) *
          (scenario.serverCpus === 1 ? 1 : 2 * (eff[n] ?? 1)),
      );
    const r = results(
      ['go', 'ts', 'go-vips'].map((n) =>
        target(n, { capacity: Math.max(1, cap(n)), cpuMs: 1000 / Math.max(1, cap(n)) }),
      ),
      {
        serverCpus: scenario.serverCpus,
        image: { name: scenario.image, file: 'x.jpg', bytes: 1, width: 1, height: 1 },
      },
    );
    return {
      scenario,
      status: { status: 'done' as const, results: `scenarios/${scenario.id}/results.json` },
      results: r,
    };
  });
  const profile = {
    go: syntheticProfile(1451, []),
    ts: syntheticProfile(0, ['libvips-cpp.so.8.18.7']),
    'go-vips': syntheticProfile(0, ['libvips-cpp.so.8.18.7']),
  };
  return suiteResults({ plan, outcomes, profile, finishedAt: '2026-12-02T10:45:00Z' });
}
