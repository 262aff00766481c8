// The verdict block: one line per figure in plain words, computed from the run. Each line lists the targets best
// first, then says each comparison with the better target named first ("ts serves 1.34× more … than go").

import type { Results, TargetResult } from '../results.js';
import { busyMachineNote } from '../summary.js';
import {
  ABOUT_EQUAL,
  advantage,
  type Better,
  type Comparison,
  comparisons,
  fmtRatio,
} from './comparisons.js';
import { type Figure, headlineFigures, type VerdictWords } from './figures.js';
import { num } from './table.js';

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

type VerdictFigure = Figure & { verdict: VerdictWords; better: Better };

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
  const kind = m.quick
    ? `Quick run (${base}): indicative only, not for conclusions.`
    : `Medians of ${base}; ranges are in the tables below.`;
  const busy = busyMachineNote(r.targets, r.environment.loadAvg.start)
    ? ' Other processes were busy on this machine during the run (see Notes): the figures are noisier than usual.'
    : '';
  return `${kind}${busy}`;
}

/** Capacity first (the question the benchmark asks), then latency, CPU, memory, start-up. */
const ORDER = ['capacity', 'p50', 'p99', 'cpuMsPerOk', 'peakRssMiB', 'startup'];

export function verdictLines(r: Results): VerdictLine[] {
  const pairs = comparisons(r.targets.map((t) => t.name));
  const rank = (f: Figure) => ORDER.indexOf(f.id.split('@')[0] ?? '');
  const figures = headlineFigures(r)
    .filter((f): f is VerdictFigure => f.verdict !== undefined && f.better !== undefined)
    .sort((a, b) => rank(a) - rank(b));
  return [
    ...figures.map((f) => figureLine(f, r.targets, pairs)),
    errorsLine(r),
    overloadLine(r),
    recoveryLine(r),
  ];
}

/** Says what the named questions compare, so "runtime cost" and "codec cost" are read right. */
export function questionsNote(r: Results): string | undefined {
  const asked = comparisons(r.targets.map((t) => t.name)).filter((c) => c.question);
  if (asked.length === 0) return undefined;
  const each = asked.map((c) => `${c.question} compares ${c.first} with ${c.second} (${c.why})`);
  const text = each.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
