// The report as one document both writers render (report.md and report.html), so the HTML can never lack a
// section the Markdown has. Inline text may use **bold** and `code`.

import { capacityPlan, PLAN_DEFAULTS } from '../plan.js';
import type { Results, TargetResult } from '../results.js';
import { deviationsSection } from './deviations.js';
import { PROFILE_NOTES, planNotes, planTable, profileTable } from './profile.js';
import { capacityTable, headlineTable, infoTable, num, phaseTables, type Table } from './table.js';
import {
  jsRuntimeLines,
  jsRuntimesNote,
  questionsNote,
  type VerdictLine,
  verdictCaveat,
  verdictLines,
} from './verdict.js';

export type Block =
  | { kind: 'table'; table: Table }
  | { kind: 'text'; text: string }
  | { kind: 'list'; items: string[] }
  /** key–value pairs (the run's settings and machine) */
  | { kind: 'defs'; items: Array<[string, string]> }
  | { kind: 'verdict'; lines: VerdictLine[] }
  /** Where report.html draws its charts; report.md points to them. */
  | { kind: 'charts' }
  /** An inline SVG figure (suite.html); Markdown shows `text` instead. */
  | { kind: 'svg'; svg: string; text: string };

export interface Section {
  id: string;
  title: string;
  level: 2 | 3;
  blocks: Block[];
}

export interface ReportDocument {
  title: string;
  /** quick only for --quick, CI only when the CI env var was set. */
  badges: string[];
  sections: Section[];
}

export function badges(r: Results): string[] {
  return [
    r.method.mode,
    r.method.driver,
    'open loop',
    ...(r.method.quick ? ['quick'] : []),
    ...(r.method.ci ? ['CI'] : []),
  ];
}

function preflightText(r: Results): string {
  const p = r.preflight;
  const mae = Number.isFinite(p.maxMae) ? `, MAE ≤ ${p.maxMae}` : '';
  const each = p.targets
    .map((t) =>
      t.psnrDb === undefined
        ? `${t.name}: reference (${t.width}×${t.height}, ${t.channels} ch)`
        : `${t.name}: PSNR ${num(t.psnrDb)} dB, MAE ${num(t.mae ?? Number.NaN, 2)} vs ${p.reference}`,
    )
    .join('; ');
  return `${p.pass ? 'pass' : 'FAIL'} (bar for "${p.barKind}": PSNR ≥ ${p.minPsnrDb} dB${mae}) — ${each}`;
}

/** "bun 1.4.4, libvips 8.18.7": a target's runtime (and image library) as its /info says. */
export function runtimeText(info: Record<string, unknown>): string {
  const rt = info.runtime as { name?: unknown; version?: unknown } | undefined;
  const libvips = (info.libraries as Record<string, unknown> | undefined)?.libvips;
  if (typeof rt?.name !== 'string' || typeof rt.version !== 'string') return 'n/a (no runtime in /info)';
  // Go's version is "go1.26.8": its name is in it already.
  const runtime = rt.version.startsWith(rt.name) ? rt.version : `${rt.name} ${rt.version}`;
  return typeof libvips === 'string' ? `${runtime}, libvips ${libvips}` : runtime;
}

/** Every target's runtime, from its /info: "go: go1.26.8; ts: node v26.12.1, libvips 8.18.7; …". */
export const runtimesText = (
  targets: ReadonlyArray<{ name: string; info: Record<string, unknown> }>,
): string => targets.map((t) => `${t.name}: ${runtimeText(t.info)}`).join('; ');

export function headerBlock(r: Results): Array<[string, string]> {
  const e = r.environment;
  const m = r.method;
  return [
    ['Date', `${r.createdAt} → ${r.finishedAt}`],
    ['Command', `\`${r.command}\``],
    ['Mode / driver', `${m.mode}, ${m.driverVersion}, **open loop** (constant arrival rate)`],
    ['Machine', `${e.cpuModel}, ${e.cores} cores, ${e.os}, Linux ${e.kernel}, host ${e.hostname}`],
    [
      'Load average',
      `${e.loadAvg.start.map((x) => x.toFixed(2)).join(' / ')} at start, ${e.loadAvg.end.map((x) => x.toFixed(2)).join(' / ')} at end`,
    ],
    ['Pinning', e.pinning.note],
    [
      'Request',
      `POST /process?${m.op.query} — ${m.op.describe}; ${m.body}; ${m.image.file} (${m.image.width}×${m.image.height}, ${m.image.bytes} B) → ${m.expected.width}×${m.expected.height} ${m.expected.contentType}, ${m.expected.channels} channel`,
    ],
    ['SLO', `p99 ≤ ${m.sloP99Ms} ms (all requests, failed ones included)`],
    [
      'Trials',
      `${m.trials} × ${m.phaseS} s per measured phase${m.quick ? ' (--quick: short; not for conclusions)' : ''}; figures are median [min–max]`,
    ],
    [
      'Versions',
      `node ${e.node}, ${e.go}, sharp ${e.sharp} / libvips ${e.libvips} (harness side; each service's own are in its /info), git ${e.gitCommit.slice(0, 12)}${e.gitDirty ? ' (dirty)' : ''}`,
    ],
    ['Runtimes', `${runtimesText(r.targets)} (each target's /info)`],
    ['Fixed loads', r.fixedRates.map((f) => `${f.name} = ${f.rate} req/s (${f.basis})`).join('; ')],
    ['Pre-flight', preflightText(r)],
  ];
}

function verdictSection(r: Results): Section {
  const note = questionsNote(r);
  const js = jsRuntimeLines(r);
  return {
    id: 'verdict',
    title: 'Verdict',
    level: 2,
    blocks: [
      { kind: 'text', text: verdictCaveat(r) },
      ...(note ? [{ kind: 'text' as const, text: note }] : []),
      { kind: 'verdict', lines: verdictLines(r) },
      ...(js.length
        ? [
            { kind: 'text' as const, text: jsRuntimesNote(r) },
            { kind: 'verdict' as const, lines: js },
          ]
        : []),
    ],
  };
}

/** A level-2 section with one level-3 section per target. */
function perTarget(
  r: Results,
  id: string,
  title: string,
  each: (t: TargetResult) => { title: string; blocks: Block[] },
): Section[] {
  return [
    { id, title, level: 2, blocks: [] },
    ...r.targets.map((t) => ({ id: `${id}-${t.name}`, level: 3 as const, ...each(t) })),
  ];
}

const capacityOf = (t: TargetResult) => {
  const table = capacityTable(t);
  return { title: table.title, blocks: [{ kind: 'table' as const, table: { ...table, title: '' } }] };
};

const settingsOf = (t: TargetResult) => {
  const env =
    Object.entries(t.env)
      .map(([k, v]) => `\`${k}=${v}\``)
      .join(' ') || '(none)';
  const table = infoTable(t);
  return {
    title: t.name,
    blocks: [
      { kind: 'text' as const, text: `Env set by the harness: ${env}` },
      { kind: 'table' as const, table: { ...table, title: '' } },
    ],
  };
};

/** The capacity plan from this run's capacities (each measured on the run's server CPUs). */
export function planSection(r: Results): Section {
  const s = r.plan ?? PLAN_DEFAULTS;
  const rows = capacityPlan(
    r.targets.map((t) => ({ name: t.name, capacity: t.capacity.reqPerS, cpus: r.method.serverCpus })),
    s,
  );
  return {
    id: 'plan',
    title: 'Capacity plan',
    level: 2,
    blocks: [
      {
        kind: 'table',
        table: planTable(rows, s, `from this run's capacities (${r.method.image.name}, ${r.method.op.name})`),
      },
      { kind: 'list', items: planNotes(s) },
    ],
  };
}

export function profileSection(r: Results): Section {
  const names = r.targets.map((t) => t.name);
  const profiles = Object.fromEntries(r.targets.map((t) => [t.name, t.profile]));
  const runtime = Object.fromEntries(
    r.targets.map((t) => [
      t.name,
      {
        startupMs: t.startup.firstProcessMs,
        ...(t.memory && { idleRssMiB: t.memory.idleRssMiB, afterRunRssMiB: t.memory.afterRunRssMiB }),
      },
    ]),
  );
  return {
    id: 'profile',
    title: 'Implementation profile',
    level: 2,
    blocks: [
      {
        kind: 'table',
        table: profileTable(
          names,
          profiles,
          runtime,
          'start-up and RSS: median [min–max] over the lives of each server in this run',
        ),
      },
      { kind: 'list', items: [...PROFILE_NOTES] },
    ],
  };
}

export function reportDocument(r: Results): ReportDocument {
  const names = r.targets.map((t) => t.name).join(' vs ');
  const sections: Section[] = [
    verdictSection(r),
    { id: 'run', title: 'Run', level: 2, blocks: [{ kind: 'defs', items: headerBlock(r) }] },
    { id: 'headline', title: 'Headline', level: 2, blocks: [{ kind: 'table', table: headlineTable(r) }] },
    { id: 'charts', title: 'Charts', level: 2, blocks: [{ kind: 'charts' }] },
    {
      id: 'phases',
      title: 'Phases',
      level: 2,
      blocks: phaseTables(r).map((table) => ({ kind: 'table', table })),
    },
    planSection(r),
    profileSection(r),
    deviationsSection(r.targets.map((t) => t.name)),
    ...perTarget(r, 'capacity', 'Capacity search', capacityOf),
    ...perTarget(r, 'targets', 'Parallelism and versions of each target', settingsOf),
    { id: 'method', title: 'Method', level: 2, blocks: [{ kind: 'list', items: r.method.rules }] },
  ];
  if (r.notes.length)
    sections.push({ id: 'notes', title: 'Notes', level: 2, blocks: [{ kind: 'list', items: r.notes }] });
  return { title: `Image service benchmark: ${names}`, badges: badges(r), sections };
}
