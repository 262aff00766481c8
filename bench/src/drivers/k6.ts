// k6 driver: bench/k6/process.js (constant-arrival-rate), from a k6 on PATH or the compose `k6` service.

import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { $ } from 'zx';
import { BENCH_DIR, REPO_DIR } from '../scenario.js';
import type { Sample } from '../stats.js';
import { pinned, runSampled } from './spawn.js';
import type { Driver, DriverReport, LoadRun, LoadSpec } from './types.js';

export const K6_DIR = path.join(BENCH_DIR, 'k6');

/** Where compose mounts bench/k6 and the results folder inside the k6 container. */
export interface ComposeK6 {
  composeFile: string;
  service: string;
  scriptsDir: string;
  resultsHostDir: string;
  resultsDir: string;
}

/** Reads the `k6` service's mounts from docker-compose.yml, so the harness follows that file, not a copy. */
export function composeK6(composeFile = path.join(REPO_DIR, 'docker-compose.yml')): ComposeK6 {
  const doc = parseYaml(readFileSync(composeFile, 'utf8')) as {
    services?: Record<string, { volumes?: Array<string | { source?: string; target?: string }> }>;
  };
  const svc = doc.services?.k6;
  if (!svc) throw new Error(`${composeFile} has no "k6" service`);
  const base = path.dirname(composeFile);
  let scriptsDir: string | undefined;
  let results: { host: string; container: string } | undefined;
  for (const v of svc.volumes ?? []) {
    const [src, dst] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
    if (!src || !dst) continue;
    const host = path.resolve(base, src);
    if (host === K6_DIR) scriptsDir = dst;
    else if (/result/i.test(src) || /result/i.test(dst)) results = { host, container: dst };
  }
  if (!scriptsDir || !results) {
    throw new Error(`the k6 service in ${composeFile} must mount bench/k6 and a results folder`);
  }
  return {
    composeFile,
    service: 'k6',
    scriptsDir,
    resultsHostDir: results.host,
    resultsDir: results.container,
  };
}

export interface K6Paths {
  script: string;
  image: string;
  summary: string;
  csv: string;
}

export function k6Env(spec: LoadSpec, p: K6Paths): Record<string, string> {
  return {
    TARGET_URL: spec.url,
    QUERY: spec.scenario.query,
    IMAGE_PATH: p.image,
    IMAGE_NAME: path.basename(spec.scenario.imagePath),
    RATE: String(spec.rate),
    DURATION: `${Number(spec.durationS.toFixed(3))}s`,
    TIMEOUT_S: String(spec.timeoutS),
    SLO_P99_MS: String(spec.sloP99Ms),
    SUMMARY_PATH: p.summary,
  };
}

/** `k6 run` arguments; the env is passed with -e so the same list works natively and in the container. */
export function k6RunArgs(spec: LoadSpec, p: K6Paths): string[] {
  const env = Object.entries(k6Env(spec, p)).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  return ['run', '--quiet', '--no-color', '--no-usage-report', '--out', `csv=${p.csv}`, ...env, p.script];
}

/** The full command: a pinned native k6, or `docker compose --profile bench run` of the compose k6 service. */
export function k6Command(spec: LoadSpec, mode: 'native' | 'docker', compose?: ComposeK6): string[] {
  const file = `${spec.target}-${spec.label}`;
  if (mode === 'native') {
    const p = {
      script: path.join(K6_DIR, 'process.js'),
      image: spec.scenario.imagePath,
      summary: path.join(spec.rawDir, `${file}.k6-summary.json`),
      csv: path.join(spec.rawDir, `${file}.k6.csv`),
    };
    return pinned(['k6', ...k6RunArgs(spec, p)], spec.cpus);
  }
  if (!compose) throw new Error('docker mode needs the compose k6 service');
  const inC = (f: string) => path.posix.join(compose.resultsDir, f);
  const p = {
    script: path.posix.join(compose.scriptsDir, 'process.js'),
    image: inC(path.basename(spec.scenario.imagePath)),
    summary: inC(`${file}.k6-summary.json`),
    csv: inC(`${file}.k6.csv`),
  };
  return [
    'docker',
    'compose',
    '-f',
    compose.composeFile,
    '--profile',
    'bench',
    'run',
    '--rm',
    '--no-deps',
    '-e',
    'K6_CSV_TIME_FORMAT=unix_milli',
    compose.service,
    ...k6RunArgs(spec, p),
  ];
}

type Values = Record<string, number>;
interface K6SummaryData {
  metrics: Record<string, { type: string; contains?: string; values: Values }>;
  state?: { testRunDurationMs?: number };
}

/** Parses the JSON handleSummary wrote (k6's documented summary data: metrics → { type, values }). */
export function parseK6Summary(json: string): DriverReport & { durationS: number; acceptedP99Ms: number } {
  const data = JSON.parse(json) as K6SummaryData;
  const m = data.metrics;
  const d = m.http_req_duration?.values ?? {};
  const ok = m['http_req_duration{expected_response:true}']?.values ?? {};
  const statusCodes: Record<string, number> = {};
  for (const [name, metric] of Object.entries(m)) {
    const s = /^status_(\d+|other)$/.exec(name)?.[1];
    if (s && (metric.values.count ?? 0) > 0) statusCodes[s] = metric.values.count as number;
  }
  return {
    requests: m.http_reqs?.values.count ?? 0,
    dropped: m.dropped_iterations?.values.count ?? 0,
    statusCodes,
    latencyMs: {
      p50: d['p(50)'] ?? d.med ?? Number.NaN,
      p90: d['p(90)'] ?? Number.NaN,
      p99: d['p(99)'] ?? Number.NaN,
      max: d.max ?? Number.NaN,
      mean: d.avg ?? Number.NaN,
    },
    acceptedP99Ms: ok['p(99)'] ?? Number.NaN,
    errors: [],
    durationS: (data.state?.testRunDurationMs ?? Number.NaN) / 1000,
  };
}

/** Per-request samples from k6's CSV output (`http_req_duration` rows; timestamps in unix ms). */
export function parseK6Csv(csv: string): Sample[] {
  const lines = csv.split('\n').filter((l) => l.trim());
  const header = (lines.shift() ?? '').split(',');
  const col = (n: string) => header.indexOf(n);
  const [iName, iTs, iVal, iStatus, iErr] = [
    col('metric_name'),
    col('timestamp'),
    col('metric_value'),
    col('status'),
    col('error'),
  ];
  const rows: Array<{ at: number; latencyMs: number; status: number; error?: string }> = [];
  for (const l of lines) {
    const f = l.split(',');
    if (f[iName] !== 'http_req_duration') continue;
    const ts = Number(f[iTs]);
    const row: { at: number; latencyMs: number; status: number; error?: string } = {
      // unix seconds (k6's default) or ms (K6_CSV_TIME_FORMAT=unix_milli)
      at: ts < 1e11 ? ts * 1000 : ts,
      latencyMs: Number(f[iVal]),
      status: Number(f[iStatus] || 0),
    };
    if (iErr >= 0 && f[iErr]) row.error = f[iErr] as string;
    rows.push(row);
  }
  const t0 = Math.min(...rows.map((r) => r.at));
  return rows.map(({ at, ...rest }) => ({ t: at - t0, ...rest })).sort((a, b) => a.t - b.t);
}

export class K6Driver implements Driver {
  readonly name = 'k6' as const;
  readonly loop = 'open' as const;

  constructor(
    private readonly mode: 'native' | 'docker',
    private readonly compose?: ComposeK6,
    /** Extra env for `docker compose` (e.g. LOADGEN_CPUSET, read by the compose file). */
    private readonly env: Record<string, string> = {},
  ) {}

  async version(): Promise<string> {
    const cmd =
      this.mode === 'native'
        ? ['k6', 'version']
        : [
            'docker',
            'compose',
            '-f',
            this.compose?.composeFile ?? '',
            '--profile',
            'bench',
            'run',
            '--rm',
            '--no-deps',
            'k6',
            'version',
          ];
    return (await $({ quiet: true })`${cmd}`).stdout.trim();
  }

  /** k6 is a binary on PATH or the compose image: nothing to build. */
  async prepare(): Promise<void> {}

  async run(spec: LoadSpec): Promise<LoadRun> {
    mkdirSync(spec.rawDir, { recursive: true });
    const file = `${spec.target}-${spec.label}`;
    let hostDir = spec.rawDir;
    if (this.mode === 'docker') {
      if (!this.compose) throw new Error('docker mode needs the compose k6 service');
      hostDir = this.compose.resultsHostDir;
      mkdirSync(hostDir, { recursive: true });
      const img = path.join(hostDir, path.basename(spec.scenario.imagePath));
      if (!existsSync(img)) copyFileSync(spec.scenario.imagePath, img);
    }
    const fin = await runSampled(k6Command(spec, this.mode, this.compose), {
      ...process.env,
      ...this.env,
      K6_CSV_TIME_FORMAT: 'unix_milli',
    });
    // 99 = thresholds crossed: expected while searching for capacity; every figure is still read.
    if (fin.code !== 0 && fin.code !== 99)
      throw new Error(`k6 failed (${fin.code}): ${fin.stderr.slice(-2000)}`);
    const summary = parseK6Summary(readFileSync(path.join(hostDir, `${file}.k6-summary.json`), 'utf8'));
    const samples = parseK6Csv(readFileSync(path.join(hostDir, `${file}.k6.csv`), 'utf8'));
    return { samples, dropped: summary.dropped, report: summary, generatorCpuS: fin.cpuS, wallS: fin.wallS };
  }
}
