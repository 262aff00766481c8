// The verdict block: one line per figure in plain words, computed from the run. Each line lists the targets best
// first, then says each comparison with the better target named first ("ts serves 1.34× more … than go"). With
// two or more JavaScript runtimes (ts, ts-bun, ts-deno), a second list says which of them leads on each figure.

import { IMPLEMENTATIONS } from '@rtip/contract';
import type { Results, TargetResult } from '../results.js';
import type { Spread } from '../stats.js';
import { busyMachineNote } from '../summary.js';
import {
  ABOUT_EQUAL,
  advantage,
  type Better,
  type Comparison,
  comparisons,
  fmtRatio,
  JS_RUNTIMES,
} from './comparisons.js';
import { type Figure, headlineFigures, type VerdictWords } from './figures.js';
import { fmtSpread, num } from './table.js';

export interface VerdictLine {
  head: string;
  text: string;
}

interface Value {
  name: string;
  value: number;
}

/** "ts 43, go-vips 40, go 32": best first; a target without the figure comes last as "n/a". */
export function ranked(values: readonly Value[], better: Better, digits: number): string {
  const known = values.filter((v) => Number.isFinite(v.value));
  const sign = better === 'higher' ? -1 : 1;
  known.sort((a, b) => sign * (a.value - b.value));
  const missing = values.filter((v) => !Number.isFinite(v.value));
  return [
    ...known.map((v) => `${v.name} ${num(v.value, digits)}`),
    ...missing.map((v) => `${v.name} n/a`),
  ].join(', ');
}

/** One comparison in words, the better target first; "about equal" within ABOUT_EQUAL; says why when there is no ratio. */
export function pairWords(
  c: Comparison,
  a: number,
  b: number,
  better: Better,
  says: VerdictWords['says'],
): string {
  const prefix = c.question ? `${c.question}: ` : '';
  const unmeasured = [...(Number.isFinite(a) ? [] : [c.first]), ...(Number.isFinite(b) ? [] : [c.second])];
  if (unmeasured.length)
    return `${prefix}no ${c.first}/${c.second} ratio (${unmeasured.join(' and ')} not measured)`;
  const x = advantage(a, b, better);
  if (!Number.isFinite(x)) return `${prefix}no ${c.first}/${c.second} ratio (a value is 0)`;
  const [winner, loser, k] = x >= 1 ? [c.first, c.second, x] : [c.second, c.first, 1 / x];
  if (k < ABOUT_EQUAL) return `${prefix}${c.first} and ${c.second} are about equal (${fmtRatio(k)})`;
  return `${prefix}${winner} ${says(fmtRatio(k))} than ${loser}`;
}

export type VerdictFigure = Figure & { verdict: VerdictWords; better: Better };

export function figureLine(
  f: VerdictFigure,
  targets: readonly TargetResult[],
  pairs: readonly Comparison[],
): VerdictLine {
  const values = targets.map((t) => ({ name: t.name, value: f.spread(t)?.median ?? Number.NaN }));
  const of = (name: string) => values.find((v) => v.name === name)?.value ?? Number.NaN;
  const said = pairs.map((c) => pairWords(c, of(c.first), of(c.second), f.better, f.verdict.says));
  const list = `${ranked(values, f.better, f.digits)} (${f.verdict.detail})`;
  return { head: f.verdict.head, text: `${list}${said.length ? ` — ${said.join('; ')}` : ''}.` };
}

/** Failed requests at the loads every target shared: the like-for-like figures are only fair without them. */
function errorsLine(r: Results): VerdictLine {
  const failures = r.targets.flatMap((t) =>
    t.phases
      .filter((p) => p.kind === 'fixed' && p.summary.errors.median > 0)
      .map((p) => `${t.name} ${num(p.summary.errors.median, 0)} at ${p.offeredRate} req/s`),
  );
  return {
    head: 'Errors at the shared loads',
    text: failures.length
      ? `${failures.join('; ')}${r.method.trials > 1 ? ' (median over trials)' : ''}.`
      : 'none: every request answered 200.',
  };
}

function overloadLine(r: Results): VerdictLine {
  const factor = Math.round(Number(r.method.preset.overloadFactor ?? 1.5) * 100);
  const each = r.targets.map((t) => {
    const p = t.phases.find((x) => x.name === 'overload');
    if (!p) return `${t.name} n/a`;
    return `${t.name} shed ${num(p.summary.shedPct.median)}% of ${p.offeredRate} req/s (accepted p99 ${num(p.summary.acceptedP99.median, 0)} ms)`;
  });
  return {
    head: 'Overload',
    text: `each target at ${factor}% of its own capacity, so the loads differ and there is no ratio: ${each.join('; ')}.`,
  };
}

function recoveryLine(r: Results): VerdictLine {
  const phaseS = Number(r.method.preset.recoveryS ?? Number.NaN);
  const each = r.targets.map((t) => {
    const s = t.phases.find((x) => x.name === 'overload')?.recoveryS?.median ?? Number.NaN;
    return Number.isFinite(s)
      ? `${t.name} ${num(s, 0)} s`
      : `${t.name} not within the ${phaseS} s recovery phase`;
  });
  return {
    head: 'Recovery',
    text: `${each.join(', ')} after the overload to error-free seconds with p99 ≤ ${r.method.sloP99Ms} ms.`,
  };
}

/** What kind of run the figures come from, said before them. */
export function verdictCaveat(r: Results): string {
  const m = r.method;
  const base = `${m.trials} trial${m.trials === 1 ? '' : 's'} × ${m.phaseS} s per measured phase`;
  // A quick run may leave implementations out (QUICK_TARGETS in src/cli.ts): say which.
  const left = m.quick ? IMPLEMENTATIONS.filter((k) => !r.targets.some((t) => t.kind === k)) : [];
  const subset = left.length
    ? `; ${listed(left)} not run: \`--targets\` adds ${left.length === 1 ? 'it' : 'them'}`
    : '';
  const kind = m.quick
    ? `Quick run (${base}${subset}): indicative only, not for conclusions.`
    : `Medians of ${base}; ranges are in the tables below.`;
  const busy = busyMachineNote(r.targets, r.environment.loadAvg.start)
    ? ' Other processes were busy on this machine during the run (see Notes): the figures are noisier than usual.'
    : '';
  return `${kind}${busy}`;
}

/** Capacity first (the question the benchmark asks), then latency, CPU, memory, start-up. */
const ORDER = ['capacity', 'p50', 'p99', 'cpuMsPerOk', 'peakRssMiB', 'startup'];

/** The headline figures with verdict words whose id (before any "@phase") is in `order`, in that order. */
function verdictFigures(r: Results, order: readonly string[]): VerdictFigure[] {
  const rank = (f: Figure) => order.indexOf(f.id.split('@')[0] ?? '');
  return headlineFigures(r)
    .filter((f): f is VerdictFigure => f.verdict !== undefined && f.better !== undefined && rank(f) >= 0)
    .sort((a, b) => rank(a) - rank(b));
}

export function verdictLines(r: Results): VerdictLine[] {
  const pairs = comparisons(r.targets.map((t) => t.name));
  const figures = verdictFigures(r, ORDER);
  return [
    ...figures.map((f) => figureLine(f, r.targets, pairs)),
    errorsLine(r),
    overloadLine(r),
    recoveryLine(r),
  ];
}

/** "a", "a and b", "a, b and c". */
const listed = (xs: readonly string[]): string =>
  xs.length < 2 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`;

/** Says what the named questions compare, so "runtime cost" and "codec cost" are read right. */
export function questionsNote(r: Results): string | undefined {
  const asked = comparisons(r.targets.map((t) => t.name)).filter((c) => c.question);
  if (asked.length === 0) return undefined;
  const questions = [...new Set(asked.map((c) => c.question))];
  const each = questions.map((q) => {
    const pairs = asked.filter((c) => c.question === q).map((c) => `${c.first} with ${c.second} (${c.why})`);
    return `${q} compares ${listed(pairs)}`;
  });
  const text = each.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** The targets that are the one TypeScript app on a JavaScript runtime (ts, ts-bun, ts-deno), in run order. */
export const jsTargets = (r: Results): TargetResult[] => r.targets.filter((t) => t.kind in JS_RUNTIMES);

/** The figures of the JavaScript-runtime lines: the verdict's, and the CPU per request beyond the pipeline. */
const JS_ORDER = ['capacity', 'p50', 'p99', 'cpuMsPerOk', 'overheadMs', 'peakRssMiB', 'startup'];

/** Two spreads of more than one value each whose min–max ranges meet: the trials cannot tell them apart. */
export function rangesOverlap(a: Spread | undefined, b: Spread | undefined): boolean {
  const many = (s: Spread | undefined): s is Spread =>
    s !== undefined && s.values.filter(Number.isFinite).length > 1;
  return many(a) && many(b) && a.min <= b.max && b.min <= a.max;
}

/**
 * One figure across the JavaScript runtimes: each with median [min–max] over the trials, best first, then which
 * leads and by how much over each other one ("no clear leader" when the runner-up is within ABOUT_EQUAL).
 */
export function jsRuntimeLine(f: VerdictFigure, targets: readonly TargetResult[]): VerdictLine {
  const sign = f.better === 'higher' ? -1 : 1;
  const rows = targets.map((t) => ({
    name: t.name,
    spread: f.spread(t),
    value: f.spread(t)?.median ?? Number.NaN,
  }));
  const known = rows.filter((x) => Number.isFinite(x.value)).sort((a, b) => sign * (a.value - b.value));
  const missing = rows.filter((x) => !Number.isFinite(x.value));
  const list = [
    ...known.map((x) => `${x.name} ${fmtSpread(x.spread, f.digits)}`),
    ...missing.map((x) => `${x.name} n/a`),
  ].join(', ');
  const [lead, second] = known;
  if (!lead || !second)
    return { head: f.verdict.head, text: `${list} (${f.verdict.detail}) — too few measured to compare.` };
  const clear = advantage(lead.value, second.value, f.better) >= ABOUT_EQUAL;
  const said = [...known.slice(1), ...missing].map((x) => {
    const words = pairWords(
      { first: lead.name, second: x.name },
      lead.value,
      x.value,
      f.better,
      f.verdict.says,
    );
    if (!rangesOverlap(lead.spread, x.spread)) return words;
    return words.endsWith(')') ? `${words.slice(0, -1)}, ranges overlap)` : `${words} (ranges overlap)`;
  });
  return {
    head: f.verdict.head,
    text: `${list} (${f.verdict.detail}) — ${clear ? `${lead.name} leads` : 'no clear leader'}: ${said.join('; ')}.`,
  };
}

/** Which JavaScript runtime leads on each figure, when the run has two or more of them. */
export function jsRuntimeLines(r: Results): VerdictLine[] {
  const js = jsTargets(r);
  if (js.length < 2) return [];
  return verdictFigures(r, JS_ORDER).map((f) => jsRuntimeLine(f, js));
}

/** What the JavaScript-runtime lines compare, said once before them. */
export function jsRuntimesNote(r: Results): string {
  const js = jsTargets(r).map((t) => `${t.name} (${JS_RUNTIMES[t.kind]})`);
  const spreadWord = r.method.trials > 1 ? `median [min–max] over ${r.method.trials} trials` : 'one trial';
  return `**Which JavaScript runtime leads**: ${listed(js)} run the same app, pipeline and sharp/libvips; only the runtime and its HTTP server differ. Each figure: ${spreadWord} (start-up: over every start; capacity: one search).`;
}
