// The pipeline probe: each implementation's own in-process run of its pipeline on the benchmark image and query,
// pinned like the server, with the server stopped. Its CPU per image, subtracted from the service's CPU per
// request at the fixed load, is the per-request overhead outside the pipeline (HTTP, body, multipart, metrics,
// logs). Interface: `PROBE --image PATH --query Q --iterations N --warmup W --rate R` prints one JSON line.
// The probe starts its images at the fixed load's rate, as the requests arrive: an image after an idle gap costs
// more CPU than one run back to back (photo-hd grey at 22/s: TS pipeline 17.9 → 22.4 ms, Go 27–29 → 31 ms,
// measured 2026-12-03), and a probe run back to back charged that difference to HTTP.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Implementation } from '@rtip/contract';
import { $ } from 'zx';
import type { Scenario } from './scenario.js';
import { nativeEnv } from './services.js';
import { type ProbeSpec, RECIPES, type TargetSpec } from './targets.js';

export type ProbeResult =
  | {
      status: 'ok';
      command: string;
      iterations: number;
      warmup: number;
      /** Images started per second (the fixed load's rate); absent in results before v4 (back to back). */
      rate?: number;
      cpuMsPerImage: number;
      wallMsPerImage: number;
    }
  /** missing: the probe file is not there; failed: it ran and did not answer; n/a: no probe for this target. */
  | { status: 'missing' | 'failed' | 'n/a'; reason: string };

/** The probe's CPU per image when it was run at the fixed load's pace (results v4 on); NaN otherwise. */
export const pacedProbeMs = (p: ProbeResult | undefined): number =>
  p?.status === 'ok' && p.rate !== undefined ? p.cpuMsPerImage : Number.NaN;

/** Why a probe gives no figure to subtract: its failure, or a back-to-back run of results before v4. */
export function probeNaReason(p: ProbeResult): string | undefined {
  if (p.status !== 'ok') return p.reason;
  return p.rate === undefined ? 'probe run back to back (results before v4)' : undefined;
}

/** The probe's one JSON line, checked: a wrong or partial answer is a failure, never a number. */
export function parseProbeOutput(stdout: string): {
  cpuMsPerImage: number;
  wallMsPerImage: number;
  iterations: number;
  rate: number;
} {
  const line = stdout.trim().split('\n').filter(Boolean).at(-1) ?? '';
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(line);
  } catch {
    throw new Error(`probe printed no JSON line: ${JSON.stringify(line.slice(0, 120))}`);
  }
  const n = (k: string) => {
    const v = j[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new Error(`probe output: "${k}" is not a number`);
    return v;
  };
  return {
    cpuMsPerImage: n('cpuMsPerImage'),
    wallMsPerImage: n('wallMsPerImage'),
    iterations: n('iterations'),
    rate: n('rate'),
  };
}

/** Images for about `seconds` at `rate` images per second (one phase long), within bounds. */
export function probeIterations(rate: number, seconds: number): { iterations: number; warmup: number } {
  const iterations = Math.min(300, Math.max(5, Math.round((rate > 0 ? rate : 1) * seconds)));
  return { iterations, warmup: Math.min(20, Math.max(1, Math.round(iterations / 5))) };
}

export function probeArgs(s: Scenario, iterations: number, warmup: number, rate: number): string[] {
  return [
    '--image',
    s.imagePath,
    '--query',
    s.query,
    '--iterations',
    String(iterations),
    '--warmup',
    String(warmup),
    '--rate',
    String(rate),
  ];
}

export interface ProbeRun {
  scenario: Scenario;
  cpus: string;
  concurrency: number;
  iterations: number;
  warmup: number;
  /** Images started per second: the fixed load the overhead row compares with. */
  rate: number;
  mode: 'native' | 'docker';
}

/** Runs the target's probe (`probe` replaces the recipe's, for tests); never throws: a failure is a result. */
export async function runProbe(
  t: TargetSpec,
  o: ProbeRun,
  probe: ProbeSpec | undefined = t.kind === 'external' ? undefined : RECIPES[t.kind].probe,
): Promise<ProbeResult> {
  if (t.kind === 'external' || !probe) return { status: 'n/a', reason: 'external target: no probe' };
  if (o.mode === 'docker') return { status: 'n/a', reason: 'docker mode: the probe runs natively only' };
  const exists = existsSync;
  if (!exists(probe.file))
    return { status: 'missing', reason: `probe missing (${path.basename(probe.file)})` };
  // The server's env (GOMAXPROCS, UV_THREADPOOL_SIZE, malloc settings) without the listening bits.
  const { PORT: _p, HOST: _h, ...env } = nativeEnv(t.kind as Implementation, 0, o.concurrency);
  const args = ['-c', o.cpus, ...probe.command, ...probeArgs(o.scenario, o.iterations, o.warmup, o.rate)];
  const r = await $({
    quiet: true,
    nothrow: true,
    env: { ...process.env, ...env },
    timeout: '300s',
    ...(probe.cwd && { cwd: probe.cwd }),
  })`taskset ${args}`;
  const command = `taskset ${args.map((a) => (/[\s&]/.test(a) ? `'${a}'` : a)).join(' ')}`;
  if (r.exitCode !== 0)
    return {
      status: 'failed',
      reason: `exit ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`,
    };
  try {
    const p = parseProbeOutput(r.stdout);
    return { status: 'ok', command, warmup: o.warmup, ...p };
  } catch (e) {
    return { status: 'failed', reason: (e as Error).message };
  }
}
