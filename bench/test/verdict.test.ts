import { describe, expect, it } from 'vitest';
import { advantage, comparisons, fmtRatio } from '../src/report/comparisons.js';
import { badges } from '../src/report/document.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { headlineTable, phaseTables } from '../src/report/table.js';
import { pairWords, questionsNote, ranked, verdictLines } from '../src/report/verdict.js';
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
      'Runtime cost compares ts with go-vips (same libvips codec, different runtime); codec cost compares go with go-vips (same Go runtime, different codec).',
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
    expect(md).toContain('Quick run (3 trials × 15 s per measured phase): indicative only');
    for (const l of verdictLines(r)) {
      expect(md).toContain(`- **${l.head}**: ${l.text}`);
      expect(html).toContain(
        `<strong>${l.head}</strong>: ${l.text.replace(/&/g, '&amp;').replace(/>/g, '&gt;').replace(/</g, '&lt;')}`,
      );
    }
  });
});
