// The suite's matrix: which scenarios (image × op × server CPUs) run, with which phase lengths, in what order,
// and how long that should take (for the ETA and the README's ~76 min / ~4.5 min for five targets on 2 cores).

import { cpuList } from '../cli.js';
import type { PhasePreset } from '../scenario.js';
import { SCENARIOS } from '../scenario.js';

export interface CpuConfig {
  /** taskset list of the servers */
  server: string;
  /** taskset list of the load generator and the orchestrator */
  load: string;
}

export interface SuiteScenario {
  /** Folder name under scenarios/, e.g. "hd-grayscale-cpu1". */
  id: string;
  image: string;
  op: string;
  cpus: CpuConfig;
  /** Number of server CPUs (CONCURRENCY). */
  serverCpus: number;
}

export type SuiteKind = 'full' | 'quick';

/**
 * One server CPU and many. The scaling figure divides one by the other, so the load generator (and this
 * orchestrator) must stand in the same place relative to the servers in both: with 3 or more cores it keeps CPU 0
 * to itself and the servers get CPU 1, then CPUs 1 to N−1; on 2 cores there is no CPU to spare, so it shares the
 * servers' CPUs in both settings (`1/1`, then `0-1/0-1`). A core of its own in the one-CPU setting only (`1/0`
 * against `0-1/0`) charges its work, and the kernel's loopback network work, to the two-CPU setting alone: measured
 * on hd × resize800 that read a scaling of go 0.80 / ts 0.70, against 1.02 / 0.86 with the load alike (perf-log
 * 2026-12-03). A one-core machine has one setting.
 */
export function defaultCpuConfigs(cores: number): CpuConfig[] {
  if (cores <= 1) return [{ server: '0', load: '0' }];
  if (cores === 2) {
    return [
      { server: '1', load: '1' },
      { server: '0-1', load: '0-1' },
    ];
  }
  return [
    { server: '1', load: '0' },
    { server: `1-${cores - 1}`, load: '0' },
  ];
}

const cpuId = (c: CpuConfig) => `cpu${c.server.replace(/,/g, '_')}`;

export interface MatrixChoice {
  kind: SuiteKind;
  cores: number;
  /** --image/--op: restrict the matrix to one image or op. */
  only?: { image?: string; op?: string };
  /** --cpus given (one or more): they replace the default settings. */
  cpus?: CpuConfig[];
}

/** The scenarios in run order: by (image, op), each CPU setting one after the other so the pairs finish together. */
export function planMatrix(c: MatrixChoice): SuiteScenario[] {
  const s = SCENARIOS.suite;
  const pairs: Array<[string, string]> =
    c.kind === 'quick'
      ? s.quick.scenarios.map(([i, o]) => [i, o])
      : s.images.flatMap((i) => s.ops.map((o): [string, string] => [i, o]));
  const chosen = pairs.filter(([i, o]) => (c.only?.image ?? i) === i && (c.only?.op ?? o) === o);
  if (chosen.length === 0) {
    const all = pairs.map(([i, o]) => `${i}×${o}`).join(', ');
    throw new Error(`--suite ${c.kind}: --image/--op leave no scenario (the matrix has ${all})`);
  }
  const cpus = c.cpus?.length ? c.cpus : defaultCpuConfigs(c.cores);
  return chosen.flatMap(([image, op]) =>
    cpus.map((cpu) => ({
      id: `${image}-${op}-${cpuId(cpu)}`,
      image,
      op,
      cpus: cpu,
      serverCpus: cpuList(cpu.server).length,
    })),
  );
}

export function suitePreset(kind: SuiteKind): PhasePreset {
  return kind === 'quick' ? SCENARIOS.presets.quick : SCENARIOS.suite.preset;
}

/** "hd × grayscale, 1 CPU": how a scenario is named in the progress line and the reports. */
export const scenarioLabel = (s: Pick<SuiteScenario, 'image' | 'op' | 'serverCpus'>): string =>
  `${s.image} × ${s.op}, ${s.serverCpus} CPU${s.serverCpus === 1 ? '' : 's'}`;
