// Resource sampling from /proc: CPU seconds and RSS/PSS of a process tree, every few hundred milliseconds.

import { readdirSync, readFileSync } from 'node:fs';

/** Linux USER_HZ; 100 on every mainstream kernel build (`getconf CLK_TCK`). */
const CLK_TCK = 100;

interface Stat {
  pid: number;
  ppid: number;
  cpuS: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
    return {
      pid,
      ppid: Number(rest[1]),
      cpuS: (Number(rest[11]) + Number(rest[12])) / CLK_TCK,
    };
  } catch {
    return undefined;
  }
}

/** The pid and all its live descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readStat(Number(d));
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(st.pid);
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop() as number;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

export function cpuSeconds(pids: readonly number[]): number {
  let s = 0;
  for (const p of pids) s += readStat(p)?.cpuS ?? 0;
  return s;
}

/** Resident and proportional set size in MiB, from smaps_rollup (PSS splits shared pages fairly). */
export function memoryMiB(pids: readonly number[]): { rss: number; pss: number } {
  let rss = 0;
  let pss = 0;
  for (const p of pids) {
    try {
      const txt = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+) kB/m.exec(txt)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(txt)?.[1] ?? 0);
    } catch {
      // gone, or not ours to read
    }
  }
  return { rss: rss / 1024, pss: pss / 1024 };
}

export interface ResourcePoint {
  /** ms since the epoch */
  at: number;
  cpuS: number;
  rssMiB: number;
  pssMiB: number;
}

/** Samples a process tree on an interval until stopped; `pid` may be swapped (e.g. after a restart). */
export class Sampler {
  readonly points: ResourcePoint[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 250,
    private readonly tree = true,
  ) {}

  sample(): ResourcePoint {
    const pids = this.tree ? processTree(this.pid) : [this.pid];
    const m = memoryMiB(pids);
    const pt = { at: Date.now(), cpuS: cpuSeconds(pids), rssMiB: m.rss, pssMiB: m.pss };
    // A vanished process reads as 0: keep the last known CPU total so deltas stay honest.
    const last = this.points[this.points.length - 1];
    if (last && pt.cpuS < last.cpuS) pt.cpuS = last.cpuS;
    this.points.push(pt);
    return pt;
  }

  start(): this {
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
    this.#timer.unref();
    return this;
  }

  stop(): ResourcePoint[] {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    return this.points;
  }
}

export interface WindowResources {
  cpuS: number;
  cpuPct: number;
  peakRssMiB: number;
  peakPssMiB: number;
}

/** CPU used and memory peak between two instants, from the samples around them. */
export function resourcesBetween(
  points: readonly ResourcePoint[],
  from: number,
  to: number,
): WindowResources {
  const inside = points.filter((p) => p.at >= from && p.at <= to);
  const before = [...points].reverse().find((p) => p.at <= from) ?? points[0];
  const after = points.find((p) => p.at >= to) ?? points[points.length - 1];
  if (!before || !after || after.at <= before.at) {
    return { cpuS: Number.NaN, cpuPct: Number.NaN, peakRssMiB: Number.NaN, peakPssMiB: Number.NaN };
  }
  const cpuS = after.cpuS - before.cpuS;
  const all = [before, ...inside, after];
  return {
    cpuS,
    cpuPct: (100 * cpuS) / ((after.at - before.at) / 1000),
    peakRssMiB: Math.max(...all.map((p) => p.rssMiB)),
    peakPssMiB: Math.max(...all.map((p) => p.pssMiB)),
  };
}

/** CPU seconds all CPUs of the machine spent busy since boot (user, nice, system, irq, softirq, steal). */
export function systemBusySeconds(stat = readFileSync('/proc/stat', 'utf8')): number {
  const f = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}
