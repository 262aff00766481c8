// Which targets are compared with which, and how many times better one is than the other on a figure.

export type Better = 'higher' | 'lower';

export interface Comparison {
  first: string;
  second: string;
  /** The question the pair answers, when it answers one. */
  question?: string;
  /** What the two share and what differs, so the question is read right. */
  why?: string;
}

/**
 * The questions the implementations answer, each through the pairs of them in the run. Runtime cost: each
 * JavaScript runtime against go-vips, the same libvips build under Node.js, Bun or Deno and under Go. Codec cost:
 * go against go-vips, the same Go service with pure-Go codecs and with libvips. With all five targets that is one
 * ratio column per target besides go-vips.
 */
export const QUESTIONS: readonly Required<Comparison>[] = [
  { question: 'runtime cost', first: 'ts', second: 'go-vips', why: 'same libvips codec, Node.js vs Go' },
  { question: 'runtime cost', first: 'ts-bun', second: 'go-vips', why: 'same libvips codec, Bun vs Go' },
  { question: 'runtime cost', first: 'ts-deno', second: 'go-vips', why: 'same libvips codec, Deno vs Go' },
  { question: 'codec cost', first: 'go', second: 'go-vips', why: 'same Go runtime, different codec' },
];

/** The one app on three JavaScript runtimes (apps/ts-service/RUNTIMES.md): target → runtime. */
export const JS_RUNTIMES: Readonly<Record<string, string>> = {
  ts: 'Node.js',
  'ts-bun': 'Bun',
  'ts-deno': 'Deno',
};

/** Two figures closer than this factor are called about equal: a quick run cannot tell them apart. */
export const ABOUT_EQUAL = 1.05;

/**
 * The questions whose two targets are in the run, then the first target against every target no question
 * covers (so go,ts alone still gives go vs ts, and an external target is compared with the first).
 */
export function comparisons(names: readonly string[]): Comparison[] {
  const out: Comparison[] = QUESTIONS.filter((q) => names.includes(q.first) && names.includes(q.second));
  const covered = new Set(out.flatMap((c) => [c.first, c.second]));
  const [reference, ...rest] = names;
  if (reference === undefined) return out;
  for (const n of rest) {
    if (!covered.has(n) || !covered.has(reference)) out.push({ first: reference, second: n });
  }
  return out;
}

/** How many times better `a` is than `b`: above 1 when `a` is better, whichever way the figure points. */
export function advantage(a: number, b: number, better: Better): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || a <= 0 || b <= 0) return Number.NaN;
  return better === 'higher' ? a / b : b / a;
}

/** 1.08×, 4.8×, 12× — two decimals below 2 so small gaps stay visible, fewer above. */
export function fmtRatio(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x >= 10) return `${x.toFixed(0)}×`;
  return `${x.toFixed(x >= 2 ? 1 : 2)}×`;
}

export const columnTitle = (c: Comparison): string =>
  `${c.first} vs ${c.second}${c.question ? ` (${c.question})` : ''}`;
