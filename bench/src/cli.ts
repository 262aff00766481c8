// Command-line options of `pnpm bench:compare`.

import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { IMPLEMENTATIONS, type Implementation } from '@rtip/contract';
import { PLAN_DEFAULTS, type PlanSettings } from './plan.js';
import { BENCH_DIR, IMAGE_NAMES, OP_NAMES, type PhasePreset, SCENARIOS } from './scenario.js';
import { parseTargets, type TargetSpec } from './targets.js';

export interface Options {
  mode: 'docker' | 'native' | 'auto';
  driver: 'k6' | 'vegeta' | 'auto';
  targets: TargetSpec[];
  image: string;
  op: string;
  quick: boolean;
  preset: PhasePreset;
  /** Measured fixed-rate and overload phase length (s). */
  durationS: number;
  trials: number;
  /** CPUs for the servers and for the load generator (and this orchestrator), as taskset lists. */
  serverCpus: string;
  loadCpus: string;
  out: string;
  sloP99Ms: number;
  /** Skip the build step (services already built). */
  noBuild: boolean;
  help: boolean;
  /** Measure the implementation profile (the suite measures it once for all its scenarios). */
  profile: boolean;
  /** Capacity plan settings (--plan-rate, --pod-cpus, --core-hour-usd). */
  plan: PlanSettings;
  /** --suite [quick]: run the matrix of scenarios instead of one. */
  suite: 'full' | 'quick' | undefined;
  /** --resume DIR: continue the suite in DIR. */
  resume: string | undefined;
  /** Suite: the --image/--op given, restricting its matrix (undefined: the whole matrix). */
  only: { image?: string; op?: string };
  /** Every --cpus given (the suite runs each; a single run uses the last). */
  cpuConfigs: Array<{ server: string; load: string }>;
}

/**
 * What `--quick` runs when --targets is not given: the three JavaScript runtimes and go-vips, their libvips
 * reference; go is left out (codec cost is not asked) to keep CI's quick runs short: about 95–105 s on 2 cores,
 * against 116 s for all five and 70 s for the three targets before ts-bun and ts-deno. The reports say which
 * implementations a quick run left out; `--targets` runs any others.
 */
export const QUICK_TARGETS: readonly Implementation[] = ['ts', 'go-vips', 'ts-bun', 'ts-deno'];

export const USAGE = `pnpm bench:compare [options]

  --mode docker|native     docker: compose services + k6 from the compose "bench" profile (default when a
                           Docker engine answers); native: build and start the services as pinned processes
  --driver k6|vegeta       default: k6 when a k6 binary is on PATH (or in docker mode), else vegeta
  --targets LIST           comma-separated: ${IMPLEMENTATIONS.join(', ')}, or name=http://host:port for an
                           external implementation (default: ${IMPLEMENTATIONS.join(',')}; with --quick
                           ${QUICK_TARGETS.join(',')})
  --image small|hd|12mp    benchmark image (default hd: 1920×1080 JPEG)
  --op OP                  ${OP_NAMES.join(' | ')} (default grayscale)
  --duration SECONDS       length of each measured fixed-rate/overload phase (default 15, quick 2)
  --trials N               trials of the fixed-rate and overload phases (default 3, quick 1)
  --cpus SERVER[/LOAD]     taskset CPU lists, e.g. 1/0 (default) or 2-3/0-1; CONCURRENCY = number of server CPUs
  --out DIR                report folder (default bench/results/<timestamp>)
  --slo-p99-ms MS          p99 latency objective of the capacity search (default ${SCENARIOS.sloP99Ms})
  --quick                  complete but short run (CI): about 20 s per target plus the builds; without
                           --targets it runs ${QUICK_TARGETS.join(', ')} (not go)
  --no-build               use the services as already built
  --suite [quick]          the matrix: images × ops × server CPUs (1 and many), each scenario a whole run
                           (about 76 min for the five targets on 2 cores; quick: two scenarios, about 4.5 min,
                           not for conclusions);
                           --image/--op restrict the matrix, each --cpus SERVER[/LOAD] replaces its CPU settings
  --resume DIR             continue an interrupted suite in DIR (its finished scenarios are kept)
  --plan-rate N            capacity plan: images per second to plan for (default ${PLAN_DEFAULTS.rate})
  --pod-cpus N             capacity plan: CPUs per pod (default ${PLAN_DEFAULTS.podCpus})
  --core-hour-usd X        capacity plan: assumed price of one core-hour in USD (default ${PLAN_DEFAULTS.coreHourUsd})
  -h, --help`;

/** Expands a taskset CPU list ("0-2,5") into CPU numbers. */
export function cpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`--cpus: "${list}" is not a CPU list like 1 or 2-3 or 0,2`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return [...new Set(out)];
}

function defaultCpus(cores: number): { server: string; load: string } {
  if (cores <= 1) return { server: '0', load: '0' };
  // Load generator on CPU 0, servers on the rest (one CPU each on a 2-core machine).
  return { server: cores === 2 ? '1' : `1-${Math.floor(cores / 2)}`, load: '0' };
}

export function stamp(d = new Date()): string {
  return d.toISOString().replace(/[:]/g, '').replace(/\..*/, '');
}

/** `--suite` alone means the full suite; `--suite quick` (or `--suite=quick`) the short one. */
function suiteValue(args: string[]): string[] {
  return args.flatMap((a, i) => {
    if (a !== '--suite') return [a];
    const next = args[i + 1];
    return next === undefined || next.startsWith('-') ? ['--suite=full'] : ['--suite'];
  });
}

export function parseOptions(argv: string[], cores = os.cpus().length, now = new Date()): Options {
  // pnpm passes a literal "--" through when called as `pnpm bench:compare -- --quick`.
  const args = suiteValue(argv.filter((a) => a !== '--'));
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mode: { type: 'string' },
      driver: { type: 'string' },
      targets: { type: 'string' },
      image: { type: 'string' },
      op: { type: 'string' },
      duration: { type: 'string' },
      trials: { type: 'string' },
      cpus: { type: 'string', multiple: true },
      out: { type: 'string' },
      'slo-p99-ms': { type: 'string' },
      quick: { type: 'boolean' },
      'no-build': { type: 'boolean' },
      suite: { type: 'string' },
      resume: { type: 'string' },
      'plan-rate': { type: 'string' },
      'pod-cpus': { type: 'string' },
      'core-hour-usd': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length) throw new Error(`unexpected argument(s): ${positionals.join(' ')}`);

  const oneOf = <T extends string>(name: string, v: string | undefined, allowed: readonly T[], def: T): T => {
    if (v === undefined) return def;
    if (!(allowed as readonly string[]).includes(v))
      throw new Error(`--${name} must be one of ${allowed.join(', ')}`);
    return v as T;
  };
  const positive = (name: string, v: string | undefined, def: number, integer: boolean): number => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${v}"`);
    }
    return n;
  };

  const quick = values.quick ?? false;
  const preset = quick ? SCENARIOS.presets.quick : SCENARIOS.presets.full;
  const def = defaultCpus(cores);
  const cpuConfigs = (values.cpus ?? []).map((v) => {
    const [server = '', load = def.load] = v.split('/');
    for (const c of [...cpuList(server), ...cpuList(load)]) {
      if (c >= cores) throw new Error(`--cpus: CPU ${c} does not exist (this machine has ${cores})`);
    }
    return { server, load };
  });
  const suiteKind =
    values.suite === undefined ? undefined : oneOf('suite', values.suite, ['full', 'quick'] as const, 'full');
  // `--suite --quick` reads as the quick suite.
  const suite = suiteKind && values.quick ? 'quick' : suiteKind;
  if (!suite && !values.resume && cpuConfigs.length > 1)
    throw new Error('--cpus: give it once (several only with --suite)');
  const resume = values.resume
    ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values.resume)
    : undefined;
  const last = cpuConfigs[cpuConfigs.length - 1];
  const serverCpus = last?.server ?? def.server;
  const loadCpus = last?.load ?? def.load;
  // A single quick run without --targets runs QUICK_TARGETS; the suite (quick too) runs every implementation.
  const defaults = quick && !suite && !values.resume ? QUICK_TARGETS : IMPLEMENTATIONS;
  const targets = parseTargets(values.targets ?? defaults.join(','));
  if (targets.length === 0) throw new Error('--targets: none given');
  if (new Set(targets.map((t) => t.name)).size !== targets.length)
    throw new Error('--targets: names must differ');

  return {
    mode: oneOf('mode', values.mode, ['docker', 'native'] as const, 'auto' as 'docker'),
    driver: oneOf('driver', values.driver, ['k6', 'vegeta'] as const, 'auto' as 'k6'),
    targets,
    image: oneOf('image', values.image, IMAGE_NAMES, 'hd'),
    op: oneOf('op', values.op, OP_NAMES, 'grayscale'),
    quick,
    preset,
    durationS: positive('duration', values.duration, preset.phaseS, false),
    trials: positive('trials', values.trials, preset.trials, true),
    serverCpus,
    loadCpus,
    // pnpm runs the script in bench/; a relative --out means where the user typed the command (INIT_CWD).
    out:
      resume ??
      (values.out
        ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out)
        : path.join(BENCH_DIR, 'results', `${suite ? 'suite-' : ''}${stamp(now)}`)),
    sloP99Ms: positive('slo-p99-ms', values['slo-p99-ms'], SCENARIOS.sloP99Ms, false),
    noBuild: values['no-build'] ?? false,
    help: values.help ?? false,
    profile: true,
    plan: {
      rate: positive('plan-rate', values['plan-rate'], PLAN_DEFAULTS.rate, false),
      podCpus: positive('pod-cpus', values['pod-cpus'], PLAN_DEFAULTS.podCpus, true),
      coreHourUsd: positive('core-hour-usd', values['core-hour-usd'], PLAN_DEFAULTS.coreHourUsd, false),
    },
    suite,
    resume,
    only: {
      ...(values.image !== undefined && { image: values.image }),
      ...(values.op !== undefined && { op: values.op }),
    },
    cpuConfigs,
  };
}
