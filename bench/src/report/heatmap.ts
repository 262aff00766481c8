// A heat map as inline SVG: one cell per (row, column), coloured by how many times better the first target is
// than the second (blue: the first, orange: the second, white: about equal), the factor written in the cell.

import { esc } from './svg.js';

export interface HeatCell {
  row: string;
  col: string;
  /** first ÷ second on a higher-is-better figure; NaN when a side is missing. */
  ratio: number;
  text: string;
}

export interface HeatMapSpec {
  id: string;
  title: string;
  rows: string[];
  cols: string[];
  cells: HeatCell[];
  /** Ratios at or beyond this factor get the full colour. */
  saturateAt?: number;
}

/** White at 1, towards blue (ratio > 1) or orange (< 1), by |log ratio| up to the saturation factor. */
export function heatColor(ratio: number, saturateAt = 3): string {
  if (!Number.isFinite(ratio) || ratio <= 0) return '#eeeeee';
  const k = Math.min(1, Math.abs(Math.log(ratio)) / Math.log(saturateAt));
  const [r, g, b] = ratio >= 1 ? [37, 99, 235] : [234, 88, 12];
  const mix = (c: number) => Math.round(255 + (c - 255) * k);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

export function heatMap(s: HeatMapSpec): string {
  const cw = 150;
  const ch = 40;
  const left = 90;
  const top = 52;
  const width = left + cw * s.cols.length + 10;
  const height = top + ch * s.rows.length + 10;
  const out: string[] = [
    `<svg class="heatmap" id="${esc(s.id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(s.title)}">`,
    `<text class="title" x="4" y="16">${esc(s.title)}</text>`,
  ];
  s.cols.forEach((c, j) => {
    out.push(
      `<text class="heat-axis" x="${left + cw * j + cw / 2}" y="${top - 10}" text-anchor="middle">${esc(c)}</text>`,
    );
  });
  s.rows.forEach((r, i) => {
    out.push(
      `<text class="heat-axis" x="${left - 8}" y="${top + ch * i + ch / 2}" text-anchor="end" dominant-baseline="middle">${esc(r)}</text>`,
    );
    s.cols.forEach((c, j) => {
      const cell = s.cells.find((x) => x.row === r && x.col === c);
      const ratio = cell?.ratio ?? Number.NaN;
      const x = left + cw * j;
      const y = top + ch * i;
      out.push(
        `<rect class="cell" data-ratio="${Number.isFinite(ratio) ? ratio.toFixed(3) : 'n/a'}" x="${x}" y="${y}" width="${cw - 2}" height="${ch - 2}" fill="${heatColor(ratio, s.saturateAt)}"><title>${esc(`${r} × ${c}: ${cell?.text ?? 'not run'}`)}</title></rect>`,
        `<text class="cell-label" x="${x + (cw - 2) / 2}" y="${y + (ch - 2) / 2}">${esc(cell?.text ?? '—')}</text>`,
      );
    });
  });
  out.push('</svg>');
  return out.join('\n');
}
