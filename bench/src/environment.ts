// The machine and tool versions a result was produced on.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import sharp from 'sharp';
import { $ } from 'zx';
import type { Environment } from './results.js';
import { REPO_DIR } from './scenario.js';

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

async function out(cmd: string[], cwd = REPO_DIR): Promise<string> {
  const r = await $({ quiet: true, nothrow: true, cwd })`${cmd}`;
  return r.exitCode === 0 ? r.stdout.trim() : 'unknown';
}

export async function collectEnvironment(
  pinning: Environment['pinning'],
  driver: string,
): Promise<Environment> {
  const cpus = os.cpus();
  const status = await out(['git', 'status', '--porcelain']);
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    pinning,
    os: osName(),
    kernel: os.release(),
    node: process.version,
    go: (await out(['go', 'version'])).replace(/^go version /, ''),
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
    driver,
    gitCommit: await out(['git', 'rev-parse', 'HEAD']),
    gitDirty: status !== '' && status !== 'unknown',
    hostname: os.hostname(),
    loadAvg: { start: os.loadavg(), end: [] },
  };
}
