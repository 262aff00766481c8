// A small line chart as inline SVG: axes with ticks, linear or log y, one path and markers per series.

export interface Series {
  name: string;
  color: string;
  dash?: string;
  points: Array<[number, number]>;
  /** draw markers at the points (default true) */
  markers?: boolean;
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

export function lineChart(c: ChartSpec): string {
  const W = c.width ?? 680;
  const H = c.height ?? 340;
  const m = { l: 62, r: 16, t: 34, b: 70 };
  const pts = c.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0) {
    return `<svg class="chart" id="${c.id}" viewBox="0 0 ${W} 60" role="img"><text x="10" y="30">${esc(c.title)}: no data</text></svg>`;
  }
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]).filter((y) => !c.logY || y > 0);
  let x0 = Math.min(0, ...xs);
  let x1 = Math.max(...xs);
  if (x1 === x0) x1 = x0 + 1;
  let y0 = c.logY ? Math.min(...ys) : 0;
  let y1 = Math.max(...ys, c.identity ? x1 : 0);
  if (c.logY) {
    y0 = 10 ** Math.floor(Math.log10(Math.max(1e-3, y0)));
    y1 = 10 ** Math.ceil(Math.log10(Math.max(y1, y0 * 10)));
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
  const f = (n: number) => n.toFixed(1);

  const out: string[] = [];
  out.push(
    `<svg class="chart" id="${c.id}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(c.title)}" xmlns="http://www.w3.org/2000/svg">`,
  );
  out.push(`<text class="title" x="${m.l}" y="20">${esc(c.title)}</text>`);
  const yt = c.logY ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const v of yt) {
    out.push(`<line class="grid" x1="${m.l}" x2="${W - m.r}" y1="${f(sy(v))}" y2="${f(sy(v))}"/>`);
    out.push(`<text class="tick" x="${m.l - 6}" y="${f(sy(v) + 4)}" text-anchor="end">${label(v)}</text>`);
  }
  for (const v of xt) {
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
  if (c.identity) {
    const top = Math.min(x1, y1);
    out.push(
      `<path class="identity" d="M${f(sx(Math.max(x0, 0)))},${f(sy(Math.max(x0, 0)))}L${f(sx(top))},${f(sy(top))}"/>`,
    );
  }
  c.series.forEach((s, i) => {
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!c.logY || y > 0));
    if (p.length === 0) return;
    const d = p.map(([x, y], j) => `${j ? 'L' : 'M'}${f(sx(x))},${f(sy(y))}`).join('');
    out.push(
      `<path class="series" data-series="${esc(s.name)}" d="${d}" stroke="${s.color}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    if (s.markers !== false) {
      for (const [x, y] of p) {
        out.push(
          `<circle class="point" cx="${f(sx(x))}" cy="${f(sy(y))}" r="3" fill="${s.color}"><title>${esc(s.name)}: ${label(x)}, ${label(y)}</title></circle>`,
        );
      }
    }
    // legend below the plot
    const lx = m.l + (i % 4) * (pw / 4);
    const ly = m.t + ph + 50 + Math.floor(i / 4) * 14;
    out.push(
      `<line x1="${f(lx)}" x2="${f(lx + 18)}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    out.push(`<text class="legend" x="${f(lx + 22)}" y="${ly}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
