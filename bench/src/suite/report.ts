// The suite report as one document (suite.md and suite.html render it): the environment once, a matrix table
// per figure with one column per target and the single report's comparison columns, the capacity-ratio heat
// maps, scaling efficiency, the capacity plan and the implementation profile.

import {
  ABOUT_EQUAL,
  advantage,
  type Better,
  columnTitle,
  comparisons,
  fmtRatio,
} from '../report/comparisons.js';
import { deviationsSection } from '../report/deviations.js';
import type { Block, ReportDocument, Section } from '../report/document.js';
import { heatMap } from '../report/heatmap.js';
import { PROFILE_NOTES, planNotes, profileTable } from '../report/profile.js';
import { num, type Row, type Table } from '../report/table.js';
import { SCENARIOS } from '../scenario.js';
import { scenarioLabel } from './matrix.js';
import {
  loadSharesServerCpus,
  type ScenarioFigures,
  type SuiteResults,
  type SuiteScenarioResult,
} from './results.js';

/** A comparison cell as the single report writes it: the better target and its factor, ≈ within 5%. */
export function pairCell(a: number, b: number, first: string, second: string, better: Better): string {
  const x = advantage(a, b, better);
  if (!Number.isFinite(x)) return '—';
  const [winner, k] = x >= 1 ? [first, x] : [second, 1 / x];
  return k < ABOUT_EQUAL ? `≈ ${fmtRatio(k)}` : `${winner} ${fmtRatio(k)}`;
}

interface MatrixFigure {
  id: string;
  title: string;
  key: keyof Omit<ScenarioFigures, 'probeNa'>;
  digits: number;
  better?: Better;
  /** The figure is at the scenario's common fixed rate: the row label says the rate. */
  atFixed?: boolean;
  /** Probe figures say why they are missing. */
  probe?: boolean;
}

const MATRIX: readonly MatrixFigure[] = [
  {
    id: 'capacity',
    title: 'Capacity (req/s at the SLO, no errors, no drops)',
    key: 'capacity',
    digits: 0,
    better: 'higher',
  },
  {
    id: 'cpu',
    title: 'Server CPU ms per image (at the common fixed rate)',
    key: 'cpuMsPerOk',
    digits: 2,
    better: 'lower',
    atFixed: true,
  },
  {
    id: 'p99',
    title: 'p99 latency, ms (at the common fixed rate)',
    key: 'p99Ms',
    digits: 1,
    better: 'lower',
    atFixed: true,
  },
  {
    id: 'rss',
    title: 'Peak RSS, MiB (at the common fixed rate)',
    key: 'peakRssMiB',
    digits: 0,
    better: 'lower',
    atFixed: true,
  },
  {
    id: 'probe',
    title: 'Pipeline CPU ms per image (in-process probe, no HTTP)',
    key: 'probeCpuMs',
    digits: 2,
    better: 'lower',
    probe: true,
  },
  {
    id: 'overhead',
    title: 'Overhead (HTTP, body, multipart, metrics, logs): CPU ms per request',
    key: 'overheadMs',
    digits: 2,
    better: 'lower',
    atFixed: true,
    probe: true,
  },
  {
    id: 'generator',
    title: 'Load generator CPU, % of one CPU (at the common fixed rate)',
    key: 'generatorCpuPct',
    digits: 0,
    atFixed: true,
  },
];

function rowLabel(s: SuiteScenarioResult, atFixed: boolean): string {
  const rate = atFixed && s.fixedRate !== undefined ? ` @ ${s.fixedRate} req/s` : '';
  return `${scenarioLabel(s)}${rate}`;
}

export function matrixTable(r: SuiteResults, f: MatrixFigure): Table {
  const names = r.method.targets;
  const pairs = f.better ? comparisons(names) : [];
  const rows: Row[] = r.scenarios.map((s) => {
    if (s.status !== 'done' || !s.figures) {
      const why = s.status === 'failed' ? `failed: ${s.reason}` : 'not run';
      return { label: scenarioLabel(s), cells: names.map(() => why), ratios: pairs.map(() => '') };
    }
    const v = (n: string) => s.figures?.[n]?.[f.key] ?? Number.NaN;
    return {
      label: rowLabel(s, Boolean(f.atFixed)),
      cells: names.map((n) => {
        const na = f.probe ? s.figures?.[n]?.probeNa : undefined;
        return na ? `n/a: ${na}` : num(v(n), f.digits);
      }),
      ratios: pairs.map((c) =>
        f.better ? pairCell(v(c.first), v(c.second), c.first, c.second, f.better) : '',
      ),
    };
  });
  return {
    title: f.title,
    note: `one row per scenario; ${f.better ? 'comparison columns name the better target and by how much, ≈ within 5%' : 'no direction: shown so a saturated load generator is seen'}`,
    header: ['scenario', ...names, ...pairs.map(columnTitle)],
    rows,
  };
}

/** One heat map per comparison and server-CPU setting: capacity ratio over image × op. */
function heatMaps(r: SuiteResults): Block[] {
  const images = SCENARIOS.suite.images;
  const ops = SCENARIOS.suite.ops;
  const cpuCounts = [...new Set(r.scenarios.map((s) => s.serverCpus))].sort((a, b) => a - b);
  return comparisons(r.method.targets).flatMap((c) =>
    cpuCounts.map((cpus): Block => {
      const cells = r.scenarios
        .filter((s) => s.serverCpus === cpus)
        .map((s) => {
          const a = s.figures?.[c.first]?.capacity ?? Number.NaN;
          const b = s.figures?.[c.second]?.capacity ?? Number.NaN;
          return {
            row: s.image,
            col: s.op,
            ratio: advantage(a, b, 'higher'),
            text: s.status === 'failed' ? 'failed' : pairCell(a, b, c.first, c.second, 'higher'),
          };
        });
      const title = `capacity, ${columnTitle(c)}, ${cpus} server CPU${cpus === 1 ? '' : 's'}`;
      return {
        kind: 'svg',
        svg: heatMap({ id: `heat-${c.first}-${c.second}-${cpus}`, title, rows: images, cols: ops, cells }),
        text: `Heat map (suite.html): ${title}; blue: ${c.first} serves more, orange: ${c.second} serves more.`,
      };
    }),
  );
}

function scalingSection(r: SuiteResults): Section {
  const names = r.method.targets;
  const pairs = [...new Set(r.scaling.map((x) => `${x.image}\u0000${x.op}`))];
  const find = (k: string, n: string) =>
    r.scaling.find((x) => `${x.image}\u0000${x.op}` === k && x.target === n);
  const table: Table = {
    title: 'capacity(all) ÷ (N × capacity(1)); 1.00 = linear',
    note: 'per target: efficiency (capacity on fewest → most server CPUs), and the load generator’s CPU in the all-CPU scenario',
    header: ['image × op', ...names, ...names.map((n) => `${n}: load generator CPU %`)],
    rows: pairs.map((k) => ({
      label: k.replace('\u0000', ' × '),
      cells: [
        ...names.map((n) => {
          const x = find(k, n);
          return x ? `${num(x.efficiency, 2)} (${x.one.capacity} → ${x.all.capacity})` : '—';
        }),
        ...names.map((n) => num(find(k, n)?.generatorCpuPct ?? Number.NaN, 0)),
      ],
      ratios: [],
    })),
  };
  const sharing = r.scenarios.map((s) => loadSharesServerCpus(s.cpus));
  const shares = sharing.every(Boolean)
    ? 'The load generator and this orchestrator ran on the servers’ CPUs in every setting (on 2 cores there is none to spare), so both sides of each figure pay for them alike; their CPU is shown beside each figure.'
    : sharing.some(Boolean)
      ? 'The load generator and this orchestrator shared the servers’ CPUs in some settings only: what they used there is missing from those servers’ capacity alone, so read these figures as biased against those settings; their CPU is shown beside each figure.'
      : 'The load generator had CPUs of its own in every scenario.';
  return {
    id: 'scaling',
    title: 'Scaling efficiency',
    level: 2,
    blocks: r.scaling.length
      ? [
          { kind: 'text', text: shares },
          { kind: 'table', table },
        ]
      : [{ kind: 'text', text: 'No image × op ran on two CPU settings: no scaling figure.' }],
  };
}

function planSection(r: SuiteResults): Section {
  const names = r.method.targets;
  const s = r.method.plan;
  const usd = (x: number) => (Number.isFinite(x) ? `$${x < 1 ? x.toFixed(3) : x.toFixed(2)}` : '—');
  const table: Table = {
    title: `for ${s.rate} images/s at the SLO, pods of ${s.podCpus} CPUs, $${s.coreHourUsd} per core-hour (assumption)`,
    note: 'per scenario and target: cores, pods, and USD per million images with the cores fully used; capacity per core = capacity ÷ the scenario’s server CPUs',
    header: ['scenario', ...names],
    rows: r.plans.map((p) => {
      const sc = r.scenarios.find((x) => x.id === p.id);
      return {
        label: sc ? scenarioLabel(sc) : p.id,
        cells: names.map((n) => {
          const row = p.rows.find((x) => x.name === n);
          return row && Number.isFinite(row.cores)
            ? `${row.cores} cores, ${row.pods} pods, ${usd(row.usdPerMillion)}/M`
            : '—';
        }),
        ratios: [],
      };
    }),
  };
  return {
    id: 'plan',
    title: 'Capacity plan',
    level: 2,
    blocks: [
      { kind: 'table', table },
      { kind: 'list', items: planNotes(s) },
    ],
  };
}

function runBlock(r: SuiteResults): Array<[string, string]> {
  const e = r.environment;
  const m = r.method;
  const p = m.preset;
  const cpuSettings = [
    ...new Set(
      r.scenarios.map((s) => `servers on \`${s.cpus.server}\`, load generator on \`${s.cpus.load}\``),
    ),
  ];
  return [
    ['Date', `${r.createdAt} → ${r.finishedAt}`],
    ['Command', `\`${r.command}\``],
    [
      'Kind',
      r.kind === 'quick' ? '**quick: short phases, two scenarios; not for conclusions**' : 'full matrix',
    ],
    [
      'Machine',
      e
        ? `${e.cpuModel}, ${e.cores} cores, ${e.os}, Linux ${e.kernel}, host ${e.hostname}`
        : 'n/a (no scenario finished)',
    ],
    [
      'Load average',
      e
        ? `${e.loadAvg.start.map((x) => x.toFixed(2)).join(' / ')} at the first scenario, ${e.loadAvg.end.map((x) => x.toFixed(2)).join(' / ')} at the last`
        : '—',
    ],
    ['CPU settings', cpuSettings.join('; ')],
    ['Mode / driver', `${m.mode}, ${m.driver}, **open loop**`],
    [
      'Phases',
      `warm-up ${p.warmupS} s, capacity steps ${p.stepS} s (${p.bisectSteps} bisections), ${m.trials} trial(s) of ${m.phaseS} s per fixed and overload phase, recovery ${p.recoveryS} s`,
    ],
    ['SLO', `p99 ≤ ${m.sloP99Ms} ms (all requests)`],
    [
      'Versions',
      e
        ? `node ${e.node}, ${e.go}, sharp ${e.sharp} / libvips ${e.libvips}, git ${e.gitCommit.slice(0, 12)}${e.gitDirty ? ' (dirty)' : ''}`
        : '—',
    ],
    [
      'Runtimes',
      r.runtimes
        ? `${Object.entries(r.runtimes)
            .map(([name, text]) => `${name}: ${text}`)
            .join('; ')} (each target's /info, first finished scenario)`
        : 'n/a (not recorded by this suite)',
    ],
    [
      'Scenarios',
      `${r.scenarios.filter((s) => s.status === 'done').length} done, ${r.scenarios.filter((s) => s.status === 'failed').length} failed, ${r.scenarios.filter((s) => s.status === 'pending').length} not run; each scenario's own report is in scenarios/<id>/`,
    ],
  ];
}

function failedSection(r: SuiteResults): Section[] {
  const failed = r.scenarios.filter((s) => s.status === 'failed');
  if (!failed.length) return [];
  return [
    {
      id: 'failed',
      title: 'Failed scenarios',
      level: 2,
      blocks: [{ kind: 'list', items: failed.map((s) => `${scenarioLabel(s)} (\`${s.id}\`): ${s.reason}`) }],
    },
  ];
}

export function suiteDocument(r: SuiteResults): ReportDocument {
  const names = r.method.targets;
  const sections: Section[] = [
    { id: 'run', title: 'Run', level: 2, blocks: [{ kind: 'defs', items: runBlock(r) }] },
    ...failedSection(r),
    {
      id: 'heatmap',
      title: 'Capacity ratio over image × op',
      level: 2,
      blocks: heatMaps(r),
    },
    {
      id: 'matrix',
      title: 'Matrix',
      level: 2,
      blocks: MATRIX.map((f) => ({ kind: 'table', table: matrixTable(r, f) })),
    },
    scalingSection(r),
    planSection(r),
    {
      id: 'profile',
      title: 'Implementation profile',
      level: 2,
      blocks: [
        {
          kind: 'table',
          table: profileTable(
            names,
            r.profile,
            r.runtime,
            'start-up and RSS: median [min–max] over the finished scenarios (they depend on the image)',
          ),
        },
        { kind: 'list', items: [...PROFILE_NOTES] },
      ],
    },
    deviationsSection(names),
  ];
  if (r.notes.length)
    sections.push({ id: 'notes', title: 'Notes', level: 2, blocks: [{ kind: 'list', items: r.notes }] });
  const badges = [
    r.method.mode,
    r.method.driver,
    'open loop',
    'suite',
    ...(r.kind === 'quick' ? ['quick', 'not for conclusions'] : []),
  ];
  return { title: `Image service benchmark suite: ${names.join(' vs ')}`, badges, sections };
}
