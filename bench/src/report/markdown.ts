// report.md: header block (machine, method, settings) and side-by-side tables with the Go/TS ratio.

import type { Results } from '../results.js';
import { flatten, hasRatio, headlineTable, num, phaseTables, type Table } from './table.js';

const esc = (s: string) => s.replace(/\|/g, '\\|');

export function mdTable(t: Table, withRatio: boolean): string {
  const lines = [
    `| ${t.header.map(esc).join(' | ')} |`,
    `|${t.header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...t.rows.map(
      (r) => `| ${[r.label, ...r.cells, ...(withRatio ? [r.ratio] : [])].map(esc).join(' | ')} |`,
    ),
  ];
  return lines.join('\n');
}

export function headerBlock(r: Results): Array<[string, string]> {
  const e = r.environment;
  const m = r.method;
  const pre = r.preflight.targets
    .map((t) =>
      t.psnrDb === undefined
        ? `${t.name}: reference (${t.width}×${t.height}, ${t.channels} ch)`
        : `${t.name}: PSNR ${num(t.psnrDb)} dB, MAE ${num(t.mae ?? Number.NaN, 2)} vs ${r.preflight.reference}`,
    )
    .join('; ');
  return [
    ['Date', `${r.createdAt} → ${r.finishedAt}`],
    ['Command', `\`${r.command}\``],
    ['Mode / driver', `${m.mode}, ${m.driverVersion}, **open loop** (constant arrival rate)`],
    ['Machine', `${e.cpuModel}, ${e.cores} cores, ${e.os}, Linux ${e.kernel}`],
    ['Pinning', e.pinning.note],
    [
      'Request',
      `POST /process?${m.op.query} — ${m.op.describe}; ${m.body}; ${m.image.file} (${m.image.width}×${m.image.height}, ${m.image.bytes} B) → ${m.expected.width}×${m.expected.height} ${m.expected.contentType}, ${m.expected.channels} channel`,
    ],
    ['SLO', `p99 ≤ ${m.sloP99Ms} ms (all requests, failed ones included)`],
    [
      'Trials',
      `${m.trials} × ${m.phaseS} s per measured phase${m.quick ? ' (--quick: short, for CI; not for conclusions)' : ''}; figures are median [min–max]`,
    ],
    [
      'Versions',
      `node ${e.node}, ${e.go}, sharp ${e.sharp} / libvips ${e.libvips} (harness side), git ${e.gitCommit.slice(0, 12)}${e.gitDirty ? ' (dirty)' : ''}`,
    ],
    ['Fixed loads', r.fixedRates.map((f) => `${f.name} = ${f.rate} req/s (${f.basis})`).join('; ')],
    ['Pre-flight', `${r.preflight.pass ? 'pass' : 'FAIL'} (bar ${r.preflight.minPsnrDb} dB) — ${pre}`],
  ];
}

export function renderMarkdown(r: Results): string {
  const withRatio = hasRatio(r);
  const out: string[] = [];
  out.push(`# Image service benchmark: ${r.targets.map((t) => t.name).join(' vs ')}`, '');
  out.push('| | |', '|---|---|', ...headerBlock(r).map(([k, v]) => `| ${k} | ${esc(v)} |`), '');
  const h = headlineTable(r);
  out.push(`## ${h.title}`, '', `_${h.note}_`, '', mdTable(h, withRatio), '');
  out.push('## Phases', '');
  for (const t of phaseTables(r))
    out.push(`### ${t.title}`, '', `_${t.note}_`, '', mdTable(t, withRatio), '');

  out.push('## Capacity search', '');
  for (const t of r.targets) {
    out.push(`### ${t.name}: ${t.capacity.reqPerS} req/s`, '');
    out.push(
      '| offered req/s | verdict | p50 ms | p99 ms | ok | errors | dropped | server CPU % |',
      '|---:|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const s of t.capacity.steps) {
      const st = s.record.stats;
      out.push(
        `| ${s.rate} | ${s.pass ? 'pass' : `fail: ${esc(s.reasons.join('; '))}`} | ${num(st.latency.p50)} | ${num(st.latency.p99)} | ${st.ok} | ${st.errors} | ${st.dropped} | ${num(s.record.resources.cpuPct, 0)} |`,
      );
    }
    out.push(
      '',
      `Warm-up (closed loop, one request in flight, not a benchmark figure): ${t.warmup.requests} requests, median ${num(t.warmup.medianMs)} ms.`,
      '',
    );
  }

  out.push('## Parallelism and versions of each target', '');
  for (const t of r.targets) {
    out.push(`### ${t.name}`, '');
    out.push(
      `Env set by the harness: ${
        Object.entries(t.env)
          .map(([k, v]) => `\`${k}=${v}\``)
          .join(' ') || '(none)'
      }`,
      '',
    );
    const info = flatten(t.info);
    if (info.length)
      out.push(
        '| /info key | value |',
        '|---|---|',
        ...info.map(([k, v]) => `| ${esc(k)} | ${esc(v)} |`),
        '',
      );
  }

  out.push('## Method', '', ...r.method.rules.map((x) => `- ${x}`), '');
  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((x) => `- ${x}`), '');
  return `${out.join('\n')}\n`;
}
