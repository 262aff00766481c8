// A small line chart as inline SVG: axes with ticks, linear or log y, one path and markers per series, shaded
// x-bands (what the server was doing when), horizontal reference lines (the SLO) and vertical ones (a restart).

export interface Series {
  name: string;
  color: string;
  dash?: string;
  points: Array<[number, number]>;
  /** draw markers at the points (default true) */
  markers?: boolean;
}

export interface Band {
  x0: number;
  x1: number;
  kind: string;
  /** the band's tooltip */
  label: string;
  /** drawn inside the band when it fits (default: label) */
  short?: string;
}

export interface RefLine {
  at: number;
  label: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logY?: boolean;
  /** draw y = x (offered = achieved) */
  identity?: boolean;
  /** the y axis reaches at least this (so charts side by side share a scale) */
  yMax?: number;
  bands?: Band[];
  /** fill colour per band kind; the legend lists the kinds present */
  bandColors?: Record<string, string>;
  hLines?: RefLine[];
  vLines?: RefLine[];
  legendColumns?: number;
  width?: number;
  height?: number;
}

export const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.floor(min / step) * step; v < max + step - step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

export function logTicks(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
    }
  }
  return out;
}

const label = (v: number) =>
  Math.abs(v) >= 1000 ? `${Number((v / 1000).toPrecision(3))}k` : String(Number(v.toPrecision(3)));
const f = (n: number) => n.toFixed(1);
/** Rough width of 11px text: enough to decide whether a label fits a band. */
const textWidth = (s: string) => s.length * 6;

interface Frame {
  W: number;
  H: number;
  m: { l: number; r: number; t: number; b: number };
  pw: number;
  ph: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  sx(x: number): number;
  sy(y: number): number;
}

const finitePoint = ([x, y]: [number, number]) => Number.isFinite(x) && Number.isFinite(y);

function legendRows(c: ChartSpec): number {
  const cols = c.legendColumns ?? 4;
  const bandRow = bandKinds(c).length ? 1 : 0;
  return Math.ceil(c.series.length / cols) + bandRow;
}

function bandKinds(c: ChartSpec): string[] {
  return [...new Set((c.bands ?? []).map((b) => b.kind))];
}

function frame(c: ChartSpec, pts: Array<[number, number]>): Frame {
  const W = c.width ?? 680;
  const m = { l: 62, r: 16, t: 34, b: 52 + 14 * legendRows(c) };
  const H = (c.height ?? 340) + Math.max(0, m.b - 70);
  const xs = [
    ...pts.map((p) => p[0]),
    ...(c.bands ?? []).map((b) => b.x1),
    ...(c.vLines ?? []).map((v) => v.at),
  ];
  const extraY = [...(c.hLines ?? []).map((h) => h.at), ...(c.yMax !== undefined ? [c.yMax] : [])];
  const ys = [...pts.map((p) => p[1]), ...extraY].filter((y) => !c.logY || y > 0);
  let x0 = Math.min(0, ...xs);
  let x1 = Math.max(...xs);
  if (x1 === x0) x1 = x0 + 1;
  let y0 = c.logY ? Math.min(...ys) : 0;
  let y1 = Math.max(...ys, c.identity ? x1 : 0);
  if (c.logY) {
    y0 = 10 ** Math.floor(Math.log10(Math.max(1e-3, y0)));
    y1 = 10 ** Math.ceil(Math.log10(Math.max(y1 * 1.05, y0 * 10)));
  } else {
    const t = niceTicks(0, y1 || 1);
    y1 = Math.max(y1, t[t.length - 1] ?? 1) || 1;
  }
  const xt = niceTicks(x0, x1);
  x0 = Math.min(x0, xt[0] ?? x0);
  x1 = Math.max(x1, xt[xt.length - 1] ?? x1);
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) =>
    c.logY
      ? m.t + ph - ((Math.log10(Math.max(y, y0)) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * ph
      : m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  return { W, H, m, pw, ph, x0, x1, y0, y1, sx, sy };
}

function axes(c: ChartSpec, fr: Frame): string[] {
  const { m, pw, ph, W, sx, sy } = fr;
  const out: string[] = [];
  for (const v of c.logY ? logTicks(fr.y0, fr.y1) : niceTicks(fr.y0, fr.y1)) {
    out.push(`<line class="grid" x1="${m.l}" x2="${W - m.r}" y1="${f(sy(v))}" y2="${f(sy(v))}"/>`);
    out.push(`<text class="tick" x="${m.l - 6}" y="${f(sy(v) + 4)}" text-anchor="end">${label(v)}</text>`);
  }
  for (const v of niceTicks(fr.x0, fr.x1)) {
    out.push(`<line class="grid" y1="${m.t}" y2="${m.t + ph}" x1="${f(sx(v))}" x2="${f(sx(v))}"/>`);
    out.push(
      `<text class="tick" x="${f(sx(v))}" y="${m.t + ph + 16}" text-anchor="middle">${label(v)}</text>`,
    );
  }
  out.push(`<rect class="frame" x="${m.l}" y="${m.t}" width="${pw}" height="${ph}"/>`);
  out.push(
    `<text class="axis" x="${m.l + pw / 2}" y="${m.t + ph + 34}" text-anchor="middle">${esc(c.xLabel)}</text>`,
  );
  out.push(
    `<text class="axis" transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}${c.logY ? ' (log)' : ''}</text>`,
  );
  return out;
}

/** Shaded x-ranges under the data, labelled inside when the label fits. */
function bands(c: ChartSpec, fr: Frame): string[] {
  const { m, ph, sx } = fr;
  return (c.bands ?? []).flatMap((b) => {
    const x = sx(b.x0);
    const w = Math.max(1, sx(b.x1) - x);
    const fill = c.bandColors?.[b.kind] ?? '#eee';
    const rect = `<rect class="band" data-kind="${esc(b.kind)}" x="${f(x)}" y="${m.t}" width="${f(w)}" height="${ph}" fill="${fill}"><title>${esc(b.label)}: ${label(b.x0)}–${label(b.x1)} s</title></rect>`;
    const inside = b.short ?? b.label;
    const text =
      textWidth(inside) + 4 <= w
        ? `<text class="band-label" x="${f(x + w / 2)}" y="${m.t + 12}" text-anchor="middle">${esc(inside)}</text>`
        : '';
    return [rect, text];
  });
}

function refLines(c: ChartSpec, fr: Frame): string[] {
  const { m, pw, ph, sx, sy } = fr;
  const h = (c.hLines ?? []).flatMap((l) => [
    `<line class="ref" data-ref="${esc(l.label)}" x1="${m.l}" x2="${m.l + pw}" y1="${f(sy(l.at))}" y2="${f(sy(l.at))}"/>`,
    // At the left, where loads are light and points low: the label does not sit on the curves near the SLO.
    `<text class="ref-label" x="${m.l + 4}" y="${f(sy(l.at) - 4)}">${esc(l.label)}</text>`,
  ]);
  const v = (c.vLines ?? []).flatMap((l) => [
    `<line class="ref" data-ref="${esc(l.label)}" x1="${f(sx(l.at))}" x2="${f(sx(l.at))}" y1="${m.t}" y2="${m.t + ph}"/>`,
    `<text class="ref-label" x="${f(sx(l.at) + 3)}" y="${m.t + ph - 4}">${esc(l.label)}</text>`,
  ]);
  return [...h, ...v];
}

/** A path through the points; a point without a value lifts the pen (a gap such as a restart is not joined). */
function pathData(points: Array<[number, number]>, fr: Frame, drawable: (p: [number, number]) => boolean) {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!drawable(p)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${f(fr.sx(p[0]))},${f(fr.sy(p[1]))}`;
    pen = true;
  }
  return d;
}

function seriesPaths(c: ChartSpec, fr: Frame): string[] {
  const out: string[] = [];
  const drawable = (pt: [number, number]) => finitePoint(pt) && (!c.logY || pt[1] > 0);
  for (const s of c.series) {
    const p = s.points.filter(drawable);
    if (p.length === 0) continue;
    const d = pathData(s.points, fr, drawable);
    out.push(
      `<path class="series" data-series="${esc(s.name)}" d="${d}" stroke="${s.color}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    if (s.markers === false) continue;
    for (const [x, y] of p) {
      out.push(
        `<circle class="point" cx="${f(fr.sx(x))}" cy="${f(fr.sy(y))}" r="3" fill="${s.color}"><title>${esc(s.name)}: ${label(x)}, ${label(y)}</title></circle>`,
      );
    }
  }
  return out;
}

/** Below the plot: one entry per series, then the band kinds as swatches. */
function legend(c: ChartSpec, fr: Frame): string[] {
  const { m, pw, ph } = fr;
  const cols = c.legendColumns ?? 4;
  const out: string[] = [];
  c.series.forEach((s, i) => {
    const lx = m.l + (i % cols) * (pw / cols);
    const ly = m.t + ph + 52 + Math.floor(i / cols) * 14;
    out.push(
      `<line x1="${f(lx)}" x2="${f(lx + 18)}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    out.push(`<text class="legend" x="${f(lx + 22)}" y="${ly}">${esc(s.name)}</text>`);
  });
  const kinds = bandKinds(c);
  const by = m.t + ph + 52 + Math.ceil(c.series.length / cols) * 14;
  kinds.forEach((k, i) => {
    const lx = m.l + i * (pw / Math.max(kinds.length, 5));
    out.push(
      `<rect x="${f(lx)}" y="${by - 9}" width="18" height="10" fill="${c.bandColors?.[k] ?? '#eee'}" stroke="#bbb"/>`,
    );
    out.push(`<text class="legend" x="${f(lx + 22)}" y="${by}">${esc(k)}</text>`);
  });
  return out;
}

export function lineChart(c: ChartSpec): string {
  const pts = c.series.flatMap((s) => s.points).filter(finitePoint);
  if (pts.length === 0) {
    return `<svg class="chart" id="${c.id}" viewBox="0 0 ${c.width ?? 680} 60" role="img"><text x="10" y="30">${esc(c.title)}: no data</text></svg>`;
  }
  const fr = frame(c, pts);
  const out = [
    `<svg class="chart" id="${c.id}" viewBox="0 0 ${fr.W} ${fr.H}" role="img" aria-label="${esc(c.title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<text class="title" x="${fr.m.l}" y="20">${esc(c.title)}</text>`,
    ...bands(c, fr),
    ...axes(c, fr),
  ];
  if (c.identity) {
    const top = Math.min(fr.x1, fr.y1);
    const from = Math.max(fr.x0, 0);
    out.push(
      `<path class="identity" d="M${f(fr.sx(from))},${f(fr.sy(from))}L${f(fr.sx(top))},${f(fr.sy(top))}"/>`,
    );
  }
  out.push(...refLines(c, fr), ...seriesPaths(c, fr), ...legend(c, fr), '</svg>');
  return out.join('\n');
}
