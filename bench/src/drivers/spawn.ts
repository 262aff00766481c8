// Runs a load generator as a child process, pinned with taskset, while sampling its own CPU use.

import { spawn } from 'node:child_process';
import { track, untrack } from '../cleanup.js';
import { Sampler } from '../proc.js';

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  cpuS: number;
  wallS: number;
}

export function pinned(cmd: string[], cpus: string | undefined): string[] {
  return cpus ? ['taskset', '-c', cpus, ...cmd] : cmd;
}

export async function runSampled(cmd: string[], env: NodeJS.ProcessEnv = process.env): Promise<Finished> {
  const [file, ...args] = cmd as [string, ...string[]];
  const started = Date.now();
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${file}`);
  track(pid, file);
  const sampler = new Sampler(pid, 100, true).start();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  untrack(pid);
  const points = sampler.stop();
  const last = points[points.length - 1];
  return { code, stdout, stderr, cpuS: last ? last.cpuS : Number.NaN, wallS: (Date.now() - started) / 1000 };
}
