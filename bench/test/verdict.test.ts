import { describe, expect, it } from 'vitest';
import { advantage, comparisons, fmtRatio } from '../src/report/comparisons.js';
import { badges } from '../src/report/document.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { headlineTable, phaseTables } from '../src/report/table.js';
import {
  jsRuntimeLines,
  jsRuntimesNote,
  pairWords,
  questionsNote,
  rangesOverlap,
  ranked,
  verdictCaveat,
  verdictLines,
} from '../src/report/verdict.js';
import { spread } from '../src/stats.js';
import { results, target } from './synthetic.js';

// Figures shaped like the README's full run: ts wins capacity, latency and CPU; go wins start-up and memory.
const go = target('go', { capacity: 32, startupMs: 50, p50: 32.4, p99: 41.1, cpuMs: 32.2, rssMiB: 23 });
const ts = target('ts', { capacity: 43, startupMs: 327, p50: 19.8, p99: 38.5, cpuMs: 23.3, rssMiB: 131 });
const goVips = target('go-vips', { capacity: 39, startupMs: 52, p50: 21, p99: 40, cpuMs: 25, rssMiB: 60 });

const line = (lines: ReturnType<typeof verdictLines>, head: string) =>
  lines.find((l) => l.head.startsWith(head))?.text;

describe('comparisons and oriented ratios', () => {
  it('pairs the two questions when their targets are present, else the first target with the rest', () => {
    expect(comparisons(['go', 'ts'])).toEqual([{ first: 'go', second: 'ts' }]);
    expect(comparisons(['go', 'ts', 'go-vips']).map((c) => [c.question, c.first, c.second])).toEqual([
      ['runtime cost', 'ts', 'go-vips'],
      ['codec cost', 'go', 'go-vips'],
    ]);
    expect(comparisons(['ts', 'go-vips']).map((c) => c.question)).toEqual(['runtime cost']);
    expect(comparisons(['go', 'ts', 'rust'])).toEqual([
      { first: 'go', second: 'ts' },
      { first: 'go', second: 'rust' },
    ]);
    expect(comparisons(['go'])).toEqual([]);
  });

  it('is above 1 when the first is better, whichever way the figure points', () => {
    expect(advantage(43, 32, 'higher')).toBeCloseTo(1.34375);
    expect(advantage(50, 327, 'lower')).toBeCloseTo(6.54);
    expect(advantage(327, 50, 'lower')).toBeLessThan(1);
    expect(advantage(0, 5, 'higher')).toBeNaN();
    expect(advantage(Number.NaN, 5, 'lower')).toBeNaN();
  });

  it('formats ratios with enough digits to tell small gaps apart', () => {
    expect([1.0749, 1.34375, 4.8, 6.54, 12.4, Number.NaN].map(fmtRatio)).toEqual([
      '1.07×',
      '1.34×',
      '4.8×',
      '6.5×',
      '12×',
      '—',
    ]);
  });
});

describe('verdict wording', () => {
  it('two targets: one line per figure, best first, the better target named first', () => {
    const lines = verdictLines(results([go, ts]));
    expect(lines.map((l) => l.head)).toEqual([
      'Capacity',
      'Median latency at 16 req/s',
      'p99 latency at 16 req/s',
      'CPU per image',
      'Memory',
      'Start-up',
      'Errors at the shared loads',
      'Overload',
      'Recovery',
    ]);
    expect(line(lines, 'Capacity')).toBe(
      'ts 43, go 32 (images per second at p99 ≤ 500 ms, each on 1 CPU) — ts serves 1.34× more images per second than go.',
    );
    expect(line(lines, 'Median')).toBe(
      'ts 19.8, go 32.4 (ms, the same load for every target) — ts answers 1.64× faster at the median than go.',
    );
    expect(line(lines, 'p99')).toBe(
      'ts 38.5, go 41.1 (ms, the same load for every target) — ts has a 1.07× lower p99 than go.',
    );
    expect(line(lines, 'CPU')).toBe(
      'ts 23.30, go 32.20 (ms of server CPU at 16 req/s) — ts needs 1.38× less CPU per image than go.',
    );
    expect(line(lines, 'Memory')).toBe(
      'go 23, ts 131 (peak RSS in MiB at 16 req/s) — go uses 5.7× less memory than ts.',
    );
    expect(line(lines, 'Start-up')).toBe(
      'go 50, ts 327 (ms from launch to the first image) — go starts 6.5× faster than ts.',
    );
    expect(line(lines, 'Errors')).toBe('none: every request answered 200.');
  });

  it('three targets: the runtime and codec questions, each said once per figure', () => {
    const r = results([go, ts, goVips]);
    const lines = verdictLines(r);
    expect(line(lines, 'Capacity')).toBe(
      'ts 43, go-vips 39, go 32 (images per second at p99 ≤ 500 ms, each on 1 CPU) — runtime cost: ts serves 1.10× more images per second than go-vips; codec cost: go-vips serves 1.22× more images per second than go.',
    );
    expect(line(lines, 'Memory')).toBe(
      'go 23, go-vips 60, ts 131 (peak RSS in MiB at 16 req/s) — runtime cost: go-vips uses 2.2× less memory than ts; codec cost: go uses 2.6× less memory than go-vips.',
    );
    expect(questionsNote(r)).toBe(
      'Runtime cost compares ts with go-vips (same libvips codec, Node.js vs Go); codec cost compares go with go-vips (same Go runtime, different codec).',
    );
    expect(questionsNote(results([go, ts]))).toBeUndefined();
  });

  it('calls figures within 5% about equal instead of naming a winner', () => {
    const lines = verdictLines(results([go, ts, goVips]));
    expect(line(lines, 'Start-up')).toBe(
      'go 50, go-vips 52, ts 327 (ms from launch to the first image) — runtime cost: go-vips starts 6.3× faster than ts; codec cost: go and go-vips are about equal (1.04×).',
    );
    expect(pairWords({ first: 'a', second: 'b' }, 100, 100, 'higher', (x) => `does ${x} more`)).toBe(
      'a and b are about equal (1.00×)',
    );
  });

  it('says which target lacks a figure instead of inventing a ratio', () => {
    const noCpu = target('go-vips', { capacity: 39, cpuMs: Number.NaN });
    const lines = verdictLines(results([go, ts, noCpu]));
    expect(line(lines, 'CPU')).toBe(
      'ts 23.30, go 32.20, go-vips n/a (ms of server CPU at 16 req/s) — runtime cost: no ts/go-vips ratio (go-vips not measured); codec cost: no go/go-vips ratio (go-vips not measured).',
    );
    const zero = verdictLines(results([target('go', { capacity: 0 }), ts]));
    expect(line(zero, 'Capacity')).toContain('no go/ts ratio (a value is 0)');
    expect(
      ranked(
        [
          { name: 'a', value: Number.NaN },
          { name: 'b', value: 2 },
        ],
        'lower',
        0,
      ),
    ).toBe('b 2, a n/a');
  });

  it('overload and recovery: each target’s own load, never a ratio', () => {
    const slow = target('ts', { capacity: 43, shedPct: 16.7, acceptedP99: 200, recoveryS: Number.NaN });
    const lines = verdictLines(results([go, slow]));
    expect(line(lines, 'Overload')).toBe(
      'each target at 150% of its own capacity, so the loads differ and there is no ratio: go shed 33.0% of 48 req/s (accepted p99 200 ms); ts shed 16.7% of 65 req/s (accepted p99 200 ms).',
    );
    expect(line(lines, 'Recovery')).toBe(
      'go 0 s, ts not within the 8 s recovery phase after the overload to error-free seconds with p99 ≤ 500 ms.',
    );
    expect(line(lines, 'Overload')).not.toMatch(/×/);
  });

  it('names failed requests at the shared loads', () => {
    const failing = target('go', { capacity: 32, errors: 3 });
    expect(line(verdictLines(results([failing, ts])), 'Errors')).toBe(
      'go 3 at 10 req/s; go 3 at 16 req/s (median over trials).',
    );
  });
});

describe('tables carry the same directions', () => {
  it('headline: one column per target, one per comparison naming the better target, none for own-load rows', () => {
    const h = headlineTable(results([go, ts, goVips]));
    expect(h.header).toEqual([
      'figure',
      'go',
      'ts',
      'go-vips',
      'ts vs go-vips (runtime cost)',
      'go vs go-vips (codec cost)',
    ]);
    const row = (start: string) => h.rows.find((x) => x.label.startsWith(start));
    expect(row('capacity')?.ratios).toEqual(['ts 1.10×', 'go-vips 1.22×']);
    expect(row('start-up')?.ratios).toEqual(['go-vips 6.3×', '≈ 1.04×']); // lower is better here
    expect(row('overload: shed')?.ratios).toEqual(['', '']);
    expect(row('recovery')?.ratios).toEqual(['', '']);
    expect(row('overload: offered load')?.cells).toEqual(['48', '65', '59']);
  });

  it('phase tables: ratios only where the offered load was the same', () => {
    const t = phaseTables(results([go, ts]));
    const fixed = t.find((x) => x.title.startsWith('fixed-80%'));
    const over = t.find((x) => x.title.startsWith('overload'));
    expect(fixed?.header).toEqual(['figure', 'go', 'ts', 'go vs ts']);
    expect(fixed?.rows.find((x) => x.label === 'p50 (ms)')?.ratios).toEqual(['ts 1.64×']);
    expect(over?.header).toEqual(['figure', 'go', 'ts']);
    expect(over?.rows[0]).toEqual({
      label: 'offered load (req/s, this target’s own)',
      cells: ['48', '65'],
      ratios: [],
    });
    expect(over?.note).toMatch(/no ratio between targets/);
  });
});

describe('badge and placement', () => {
  it('says quick only for --quick and CI only when CI was set', () => {
    expect(badges(results([go, ts]))).toEqual(['native', 'vegeta', 'open loop']);
    expect(badges(results([go, ts], { quick: true }))).toEqual(['native', 'vegeta', 'open loop', 'quick']);
    expect(badges(results([go, ts], { ci: true }))).toEqual(['native', 'vegeta', 'open loop', 'CI']);
  });

  it('puts the verdict first in both reports, with every line', () => {
    const r = results([go, ts, goVips], { quick: true });
    const md = renderMarkdown(r);
    const html = renderHtml(r);
    expect(md.indexOf('## Verdict')).toBeLessThan(md.indexOf('## Run'));
    expect(md.indexOf('## Verdict')).toBeLessThan(md.indexOf('## Headline'));
    expect(html.indexOf('id="verdict"')).toBeLessThan(html.indexOf('id="run"'));
    expect(md).toContain(
      'Quick run (3 trials × 15 s per measured phase; ts-bun and ts-deno not run: `--targets` adds them): indicative only, not for conclusions.',
    );
    expect(verdictCaveat(results(five, { quick: true }))).toBe(
      'Quick run (3 trials × 15 s per measured phase): indicative only, not for conclusions.',
    );
    expect(verdictCaveat(results([ts, goVips, tsBun, tsDeno], { quick: true }))).toMatch(
      /; go not run: `--targets` adds it\): indicative only, not for conclusions\.$/,
    );
    expect(verdictCaveat(results([go, ts]))).toMatch(/^Medians of 3 trials/);
    for (const l of verdictLines(r)) {
      expect(md).toContain(`- **${l.head}**: ${l.text}`);
      expect(html).toContain(
        `<strong>${l.head}</strong>: ${l.text.replace(/&/g, '&amp;').replace(/>/g, '&gt;').replace(/</g, '&lt;')}`,
      );
    }
  });
});

// The one app on three JavaScript runtimes beside the two Go builds: ts-bun leads capacity, ts-deno ties go-vips.
const tsBun = target('ts-bun', { capacity: 47, startupMs: 60, p50: 19, p99: 36, cpuMs: 21, rssMiB: 110 });
const tsDeno = target('ts-deno', {
  capacity: 40,
  startupMs: 140,
  p50: 25,
  p99: 45,
  cpuMs: 24.5,
  rssMiB: 150,
});
const five = [go, ts, goVips, tsBun, tsDeno];

/** The same target with its p50 at the highest fixed load spread over three trials. */
function withP50Trials(t: ReturnType<typeof target>, values: number[]): ReturnType<typeof target> {
  const phases = t.phases.map((p) =>
    p.name === 'fixed-80%' ? { ...p, summary: { ...p.summary, p50: spread(values) } } : p,
  );
  return { ...t, phases };
}

describe('five targets: the JavaScript runtimes and go-vips', () => {
  it('asks runtime cost of each JavaScript runtime against go-vips and codec cost of go: one column per target', () => {
    const names = five.map((t) => t.name);
    expect(comparisons(names).map((c) => `${c.first}/${c.second} ${c.question}`)).toEqual([
      'ts/go-vips runtime cost',
      'ts-bun/go-vips runtime cost',
      'ts-deno/go-vips runtime cost',
      'go/go-vips codec cost',
    ]);
    const h = headlineTable(results(five));
    expect(h.header).toEqual([
      'figure',
      ...names,
      'ts vs go-vips (runtime cost)',
      'ts-bun vs go-vips (runtime cost)',
      'ts-deno vs go-vips (runtime cost)',
      'go vs go-vips (codec cost)',
    ]);
    expect(h.rows.find((x) => x.label.startsWith('capacity'))?.ratios).toEqual([
      'ts 1.10×',
      'ts-bun 1.21×',
      '≈ 1.03×',
      'go-vips 1.22×',
    ]);
    // Without go-vips no question applies: the first target against each other one.
    expect(comparisons(['ts', 'ts-bun', 'ts-deno'])).toEqual([
      { first: 'ts', second: 'ts-bun' },
      { first: 'ts', second: 'ts-deno' },
    ]);
  });

  it('the main verdict says each runtime against go-vips; the note groups the pairs by question', () => {
    const r = results(five);
    expect(line(verdictLines(r), 'Capacity')).toBe(
      'ts-bun 47, ts 43, ts-deno 40, go-vips 39, go 32 (images per second at p99 ≤ 500 ms, each on 1 CPU) — runtime cost: ts serves 1.10× more images per second than go-vips; runtime cost: ts-bun serves 1.21× more images per second than go-vips; runtime cost: ts-deno and go-vips are about equal (1.03×); codec cost: go-vips serves 1.22× more images per second than go.',
    );
    expect(questionsNote(r)).toBe(
      'Runtime cost compares ts with go-vips (same libvips codec, Node.js vs Go), ts-bun with go-vips (same libvips codec, Bun vs Go) and ts-deno with go-vips (same libvips codec, Deno vs Go); codec cost compares go with go-vips (same Go runtime, different codec).',
    );
  });

  it('one line per figure says which JavaScript runtime leads and by how much', () => {
    const lines = jsRuntimeLines(results(five));
    expect(lines.map((l) => l.head)).toEqual([
      'Capacity',
      'Median latency at 16 req/s',
      'p99 latency at 16 req/s',
      'CPU per image',
      'Overhead per request',
      'Memory',
      'Start-up',
    ]);
    expect(line(lines, 'Capacity')).toBe(
      'ts-bun 47, ts 43, ts-deno 40 (images per second at p99 ≤ 500 ms, each on 1 CPU) — ts-bun leads: ts-bun serves 1.09× more images per second than ts; ts-bun serves 1.18× more images per second than ts-deno.',
    );
    expect(line(lines, 'Memory')).toBe(
      'ts-bun 110, ts 131, ts-deno 150 (peak RSS in MiB at 16 req/s) — ts-bun leads: ts-bun uses 1.19× less memory than ts; ts-bun uses 1.36× less memory than ts-deno.',
    );
    // No probe in these results: the overhead is named missing, never guessed.
    expect(line(lines, 'Overhead')).toBe(
      'ts n/a, ts-bun n/a, ts-deno n/a (server CPU ms per request beyond the in-process pipeline probe at 16 req/s) — too few measured to compare.',
    );
  });

  it('gives the trials’ spread, and says so when the runner-up is within 5% or the ranges overlap', () => {
    const r = results(
      [go, withP50Trials(ts, [18.5, 19.8, 21]), goVips, withP50Trials(tsBun, [17.9, 19, 20.2]), tsDeno],
      { trials: 3 },
    );
    expect(line(jsRuntimeLines(r), 'Median')).toBe(
      'ts-bun 19.0 [17.9–20.2], ts 19.8 [18.5–21.0], ts-deno 25.0 (ms, the same load for every target) — no clear leader: ts-bun and ts are about equal (1.04×, ranges overlap); ts-bun answers 1.32× faster at the median than ts-deno.',
    );
    expect(
      rangesOverlap(
        { median: 2, min: 1, max: 3, values: [1, 2, 3] },
        { median: 5, min: 4, max: 6, values: [4, 5, 6] },
      ),
    ).toBe(false);
    expect(rangesOverlap(spread([1]), spread([1]))).toBe(false); // one trial: no range to compare
    expect(jsRuntimesNote(r)).toBe(
      '**Which JavaScript runtime leads**: ts (Node.js), ts-bun (Bun) and ts-deno (Deno) run the same app, pipeline and sharp/libvips; only the runtime and its HTTP server differ. Each figure: median [min–max] over 3 trials (start-up: over every start; capacity: one search).',
    );
  });

  it('needs two JavaScript runtimes; a missing one is named, not ranked', () => {
    expect(jsRuntimeLines(results([go, ts, goVips]))).toEqual([]);
    const lines = jsRuntimeLines(results([ts, target('ts-deno', { capacity: Number.NaN })]));
    expect(line(lines, 'Capacity')).toBe(
      'ts 43, ts-deno n/a (images per second at p99 ≤ 500 ms, each on 1 CPU) — too few measured to compare.',
    );
  });

  it('both reports carry the JavaScript-runtime lines inside the verdict, before the run', () => {
    const r = results(five, { quick: true });
    const md = renderMarkdown(r);
    const html = renderHtml(r);
    expect(md).toContain('**Which JavaScript runtime leads**');
    for (const l of jsRuntimeLines(r)) {
      const at = md.indexOf(`- **${l.head}**: ${l.text}`);
      expect(at, l.head).toBeGreaterThan(md.indexOf('## Verdict'));
      expect(at, l.head).toBeLessThan(md.indexOf('## Run'));
      expect(html).toContain(
        `<strong>${l.head}</strong>: ${l.text.replace(/&/g, '&amp;').replace(/>/g, '&gt;').replace(/</g, '&lt;')}`,
      );
    }
  });
});
