// vegeta driver: open-loop `vegeta attack -rate`, pinned by bench/tools/go.mod and built with the Go toolchain.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { BENCH_DIR, multipartBody, processUrl } from '../scenario.js';
import type { Sample } from '../stats.js';
import { pinned, runSampled } from './spawn.js';
import type { Driver, DriverReport, LoadRun, LoadSpec } from './types.js';

const TOOLS_DIR = path.join(BENCH_DIR, 'tools');
export const VEGETA_BIN = path.join(TOOLS_DIR, 'bin', 'vegeta');
export const VEGETA_MODULE = 'github.com/tsenart/vegeta/v12';

/** The pinned version, read from bench/tools/go.mod (vegeta built from a module prints no version itself). */
export function vegetaVersion(goMod = readFileSync(path.join(TOOLS_DIR, 'go.mod'), 'utf8')): string {
  const m = /github\.com\/tsenart\/vegeta\/v12 (v[\w.-]+)/.exec(goMod);
  if (!m?.[1]) throw new Error('bench/tools/go.mod does not pin github.com/tsenart/vegeta/v12');
  return m[1];
}

/** Builds the pinned vegeta into bench/tools/bin (git-ignored); Go's build cache makes repeats instant. */
export async function ensureVegeta(): Promise<string> {
  await $({ cwd: TOOLS_DIR, quiet: true })`go build -modfile=go.mod -o ${VEGETA_BIN} ${VEGETA_MODULE}`;
  return VEGETA_BIN;
}

/** vegeta's `http` target format: request line, headers, then `@file` for the body. */
export function targetsFile(url: string, contentType: string, bodyPath: string): string {
  return `POST ${url}\nContent-Type: ${contentType}\n@${bodyPath}\n`;
}

/** Enough workers that the schedule is never held back by busy workers (open loop), but bounded. */
export function workerLimits(rate: number, timeoutS: number): { workers: number; maxWorkers: number } {
  return {
    workers: Math.max(10, Math.ceil(rate / 2)),
    maxWorkers: Math.max(100, Math.ceil(rate * timeoutS) + 50),
  };
}

const seconds = (s: number) => `${Number(s.toFixed(3))}s`;

export function attackArgs(spec: LoadSpec, targets: string, output: string): string[] {
  const { workers, maxWorkers } = workerLimits(spec.rate, spec.timeoutS);
  return [
    'attack',
    `-targets=${targets}`,
    `-rate=${spec.rate}/1s`,
    `-duration=${seconds(spec.durationS)}`,
    `-timeout=${seconds(spec.timeoutS)}`,
    `-workers=${workers}`,
    `-max-workers=${maxWorkers}`,
    '-max-body=0',
    '-keepalive=true',
    '-http2=false',
    `-name=${spec.target}-${spec.label}`,
    `-output=${output}`,
  ];
}

interface VegetaReport {
  latencies: { mean: number; '50th': number; '90th': number; '99th': number; max: number };
  requests: number;
  status_codes: Record<string, number> | null;
  errors: string[] | null;
}

/** Parses `vegeta report -type=json` (latencies in nanoseconds). */
export function parseVegetaReport(json: string, expected: number): DriverReport {
  const r = JSON.parse(json) as VegetaReport;
  const ms = (ns: number) => ns / 1e6;
  return {
    requests: r.requests,
    dropped: Math.max(0, expected - r.requests),
    statusCodes: { ...(r.status_codes ?? {}) },
    latencyMs: {
      p50: ms(r.latencies['50th']),
      p90: ms(r.latencies['90th']),
      p99: ms(r.latencies['99th']),
      max: ms(r.latencies.max),
      mean: ms(r.latencies.mean),
    },
    errors: r.errors ?? [],
  };
}

/** RFC 3339 with up to ns fractions → ms since the epoch, keeping sub-ms precision (Date.parse drops it). */
export function parseTimestamp(ts: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return Date.parse(ts);
  return Date.parse(`${m[1]}${m[3]}`) + Number(`0${m[2] ?? ''}`) * 1000;
}

/** Parses `vegeta encode --to json` output: one result per line, timestamps RFC 3339 with ns. */
export function parseVegetaResults(jsonLines: string): Sample[] {
  const rows: Array<{ at: number; latencyMs: number; status: number; error?: string }> = [];
  for (const line of jsonLines.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { timestamp: string; latency: number; code: number; error: string };
    const at = parseTimestamp(r.timestamp);
    const row: { at: number; latencyMs: number; status: number; error?: string } = {
      at,
      latencyMs: r.latency / 1e6,
      status: r.code,
    };
    if (r.error) row.error = r.error;
    rows.push(row);
  }
  const t0 = Math.min(...rows.map((r) => r.at));
  return rows.map(({ at, ...rest }) => ({ t: at - t0, ...rest })).sort((a, b) => a.t - b.t);
}

export class VegetaDriver implements Driver {
  readonly name = 'vegeta' as const;
  readonly loop = 'open' as const;
  #bin: string | undefined;

  async version(): Promise<string> {
    return `${VEGETA_MODULE} ${vegetaVersion()}`;
  }

  /** A first build downloads and compiles vegeta (tens of seconds): it must not happen inside a timed phase. */
  async prepare(): Promise<void> {
    this.#bin ??= await ensureVegeta();
  }

  async run(spec: LoadSpec): Promise<LoadRun> {
    await this.prepare();
    const bin = this.#bin as string;
    mkdirSync(spec.rawDir, { recursive: true });
    const bodyPath = path.join(spec.rawDir, `body-${spec.scenario.image}.multipart`);
    const mp = multipartBody(readFileSync(spec.scenario.imagePath), path.basename(spec.scenario.imagePath));
    if (!existsSync(bodyPath)) writeFileSync(bodyPath, mp.body);
    const targets = path.join(spec.rawDir, `targets-${spec.target}.http`);
    writeFileSync(targets, targetsFile(processUrl(spec.url, spec.scenario), mp.contentType, bodyPath));
    const base = path.join(spec.rawDir, `${spec.target}-${spec.label}`);
    const bin_ = `${base}.vegeta.bin`;

    const fin = await runSampled(pinned([bin, ...attackArgs(spec, targets, bin_)], spec.cpus));
    if (fin.code !== 0) throw new Error(`vegeta attack failed (${fin.code}): ${fin.stderr.slice(-2000)}`);

    const expected = Math.ceil(spec.rate * spec.durationS - 1e-9);
    const reportJson = (await $({ quiet: true })`${bin} report -type=json ${bin_}`).stdout;
    writeFileSync(`${base}.report.json`, reportJson);
    const encoded = (await $({ quiet: true })`${bin} encode --to json ${bin_}`).stdout;
    return {
      samples: parseVegetaResults(encoded),
      report: parseVegetaReport(reportJson, expected),
      generatorCpuS: fin.cpuS,
      wallS: fin.wallS,
    };
  }
}
