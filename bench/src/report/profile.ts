// The implementation profile and the capacity plan as tables (one column per target), shared by the single
// report and the suite report, with the notes that say what each figure does and does not show.

import type { PlanRow, PlanSettings } from '../plan.js';
import type { Measured } from '../profile/build.js';
import type { ImplementationProfile } from '../profile/collect.js';
import { LAYERS, RUNTIME_FILES } from '../profile/layers.js';
import type { Spread } from '../stats.js';
import { fmtSpread, num, type Row, type Table } from './table.js';

/** Figures the harness measured while running the services (not by the profile step). */
export interface RuntimeFigures {
  startupMs?: Spread;
  idleRssMiB?: Spread;
  afterRunRssMiB?: Spread;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function cell<T>(m: Measured<T> | undefined, fmt: (v: T) => string): string {
  if (!m) return 'n/a: not measured in this run (a suite measures it once, in suite.md)';
  return 'na' in m ? `n/a: ${m.na}` : fmt(m.value);
}

function row(label: string, names: readonly string[], value: (name: string) => string): Row {
  return { label, cells: names.map(value), ratios: [] };
}

export function profileTable(
  names: readonly string[],
  profiles: Readonly<Record<string, ImplementationProfile | undefined>>,
  runtime: Readonly<Record<string, RuntimeFigures | undefined>>,
  runtimeNote: string,
): Table {
  const p = (n: string) => profiles[n];
  const rows: Row[] = [
    ...LAYERS.map((layer) =>
      row(`lines of code: ${layer}`, names, (n) =>
        cell(
          p(n)?.code,
          (c) =>
            `${c.byLayer[layer].code} (${c.byLayer[layer].files} file${c.byLayer[layer].files === 1 ? '' : 's'})`,
        ),
      ),
    ),
    row('lines of code: all but tests', names, (n) =>
      cell(p(n)?.code, (c) => String(c.total.code - c.byLayer.tests.code)),
    ),
    row('lines of code: this runtime’s own server and entry (TS targets)', names, (n) =>
      cell(p(n)?.code, (c) =>
        c.own ? `${c.own.code} (${c.own.files.map((f) => f.split('/').at(-1)).join(', ')})` : '—',
      ),
    ),
    row('comment lines (all layers)', names, (n) => cell(p(n)?.code, (c) => String(c.total.comment))),
    row('generated files (not counted)', names, (n) => cell(p(n)?.code, (c) => String(c.generated.length))),
    row('dependencies: direct', names, (n) => cell(p(n)?.dependencies, (d) => String(d.direct))),
    row('dependencies: transitive', names, (n) =>
      cell(p(n)?.dependencies, (d) => `${d.transitive}${d.workspace ? ` (${d.workspace} workspace)` : ''}`),
    ),
    row('Go modules linked into the binary', names, (n) =>
      cell(p(n)?.dependencies, (d) => (d.linked === undefined ? '—' : String(d.linked))),
    ),
    row('native libraries it brings (ldd)', names, (n) =>
      cell(p(n)?.native, (x) =>
        x.brought.length
          ? x.brought.map((l) => `${l.name}${Number.isFinite(l.bytes) ? ` ${mb(l.bytes)}` : ''}`).join(', ')
          : 'none',
      ),
    ),
    row('system libraries loaded (glibc, C++ runtime)', names, (n) =>
      cell(p(n)?.native, (x) => (x.system.length ? x.system.join(', ') : 'none (static)')),
    ),
    row('clean build (s)', names, (n) => cell(p(n)?.cleanBuildS, (s) => num(s, 1))),
    row('artifact size', names, (n) => cell(p(n)?.artifactBytes, mb)),
    row('container image size', names, (n) => cell(p(n)?.imageBytes, mb)),
    row('start-up to first 200 of POST /process (ms)', names, (n) => fmtSpread(runtime[n]?.startupMs, 0)),
    row('RSS after start-up, idle (MiB)', names, (n) => fmtSpread(runtime[n]?.idleRssMiB, 0)),
    row('RSS after the run (MiB)', names, (n) => fmtSpread(runtime[n]?.afterRunRssMiB, 0)),
  ];
  return {
    title: '',
    note: `measured by the harness in this run; ${runtimeNote}`,
    header: ['figure', ...names],
    rows,
  };
}

/** "ts main.cts, handlers/serve.ts; ts-bun …": each TS target's own files, for the notes. */
const RUNTIME_FILES_TEXT = Object.entries(RUNTIME_FILES)
  .map(([t, files]) => `${t} ${files.map((f) => f.replace('apps/ts-service/src/', '')).join(', ')}`)
  .join('; ');

/** What each profile figure does and does not show. */
export const PROFILE_NOTES: readonly string[] = [
  '**Lines of code** are non-blank, non-comment lines, counted by the harness (src/profile/loc.ts) over the files each target is built from (Go: what `go list -deps` compiles for its build tags, so go and go-vips differ; TS: apps/ts-service/src without the other runtimes’ own servers and entries), put in layers by the one table in src/profile/layers.ts. They show how much code each team maintains per concern; they do not show how hard it is to read, and code in dependencies or in the shared @rtip/contract package (the TS service’s option parsing and geometry) is not counted. Generated files are listed, not counted.',
  '**Codec**: the pure-Go service carries its own JPEG decoder; the TS targets and go-vips use libvips, which shows under native libraries, not as lines.',
  `**ts, ts-bun, ts-deno** are one app in one package (the same dependencies, build and deployable) on three servers: Node.js’s node:http, Bun.serve, Deno.serve. The code only one runtime’s target runs, its server and entry, is its own row (src/profile/layers.ts, RUNTIME_FILES: ${RUNTIME_FILES_TEXT}); each TS target’s layers count the app without the other runtimes’ own files. Bun and Deno still load the Node server module (index.ts imports it) without running it.`,
  '**Dependencies** are counted by the package managers (`pnpm list --prod`, `go list -m all`): how many packages someone must keep up to date. They do not weigh packages by size or risk; Go’s module graph includes test-only modules, so the modules linked into the binary are given too.',
  '**Native libraries** are what `ldd` finds for the binary (Go) or for the runtime binary (node, bun or deno) and sharp’s addon (TS): code outside the language runtime that must match the host. glibc and the C++ runtime are on every Linux host and listed apart.',
  '**Clean build** is wall time from nothing on this machine (Go: empty build cache; TS: tsc of the service, its workspace deps prebuilt), so it shows a CI build’s cost, not an incremental edit’s. **Artifact size** is what ships: the Go binary (plus the native libraries listed beside it), or the `pnpm deploy --prod` folder. Container image size needs a Docker engine.',
  '**Start-up** and **RSS** come from the benchmark itself: time from launch to the first 200 of the benchmark request, RSS right after that (one request answered, idle), and at the end of each trial. They show cold-start and footprint, not behaviour under a different load.',
];

export function planTable(rows: readonly PlanRow[], s: PlanSettings, context: string): Table {
  const names = rows.map((r) => r.name);
  const by = (f: (r: PlanRow) => string) => (n: string) => {
    const r = rows.find((x) => x.name === n);
    return r ? f(r) : '—';
  };
  const usd = (x: number) => (Number.isFinite(x) ? `$${x < 1 ? x.toFixed(3) : x.toFixed(2)}` : '—');
  return {
    title: `for ${s.rate} images/s at the SLO, pods of ${s.podCpus} CPUs, $${s.coreHourUsd} per core-hour (assumption)`,
    note: `${context}; capacity per core = measured capacity ÷ the server CPUs it was measured on, assuming linear scaling`,
    header: ['figure', ...names],
    rows: [
      row(
        'measured capacity (req/s)',
        names,
        by((r) => `${num(r.capacity, 0)} on ${r.cpus} CPU${r.cpus === 1 ? '' : 's'}`),
      ),
      row(
        'capacity per core (req/s)',
        names,
        by((r) => num(r.perCore, 1)),
      ),
      row(
        `cores for ${s.rate} images/s`,
        names,
        by((r) => num(r.cores, 0)),
      ),
      row(
        `pods of ${s.podCpus} CPUs`,
        names,
        by((r) => num(r.pods, 0)),
      ),
      row(
        'USD per million images (cores fully used)',
        names,
        by((r) => usd(r.usdPerMillion)),
      ),
      row(
        'USD per million images (whole pods at the planned rate)',
        names,
        by((r) => usd(r.usdPerMillionPods)),
      ),
    ],
  };
}

export function planNotes(s: PlanSettings): string[] {
  return [
    `The price, $${s.coreHourUsd} per core-hour, is an **assumption** (roughly an on-demand cloud vCPU-hour; set yours with --core-hour-usd), not a measurement. Memory, network, storage and headroom for peaks are not priced.`,
    'The plan multiplies a capacity measured on this machine’s cores: other CPUs, and scaling that is not linear (see the suite’s scaling efficiency), change it.',
  ];
}
