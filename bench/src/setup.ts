// Where the services run (native or docker) and which load generator drives them (vegeta or k6).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { $ } from 'zx';
import type { Options } from './cli.js';
import { composeK6, K6Driver } from './drivers/k6.js';
import type { Driver } from './drivers/types.js';
import { VegetaDriver } from './drivers/vegeta.js';
import type { Progress } from './progress.js';
import { REPO_DIR } from './scenario.js';
import { composeEnv, dockerEngineAnswers } from './services.js';
import { implementationsOf, RECIPES, type TargetSpec } from './targets.js';

export const COMPOSE_FILE = path.join(REPO_DIR, 'docker-compose.yml');

function k6OnPath(): Promise<boolean> {
  return $({ quiet: true, nothrow: true })`k6 version`.then(
    (r) => r.exitCode === 0,
    () => false,
  );
}

export async function chooseMode(opts: Options, progress: Progress): Promise<'native' | 'docker'> {
  if (opts.mode === 'auto') {
    // Docker only when the compose file has a service for every target (ts-bun and ts-deno may have none yet).
    const missing = existsSync(COMPOSE_FILE) ? missingComposeServices(opts.targets) : [];
    const engine = existsSync(COMPOSE_FILE) && (await dockerEngineAnswers());
    const mode = engine && missing.length === 0 ? 'docker' : 'native';
    const why = !engine
      ? 'no Docker engine answers'
      : missing.length
        ? `docker-compose.yml has no service ${missing.join(', ')}`
        : 'Docker engine found';
    progress.info(`mode: ${mode} (${why})`);
    return mode;
  }
  if (opts.mode === 'docker' && !(await dockerEngineAnswers()))
    throw new Error('--mode docker: no Docker engine answers');
  return opts.mode;
}

/** The compose services the targets need and the file lacks. */
export function missingComposeServices(targets: readonly TargetSpec[], composeFile = COMPOSE_FILE): string[] {
  const doc = parseYaml(readFileSync(composeFile, 'utf8')) as { services?: Record<string, unknown> };
  return implementationsOf(targets)
    .map((k) => RECIPES[k].composeService)
    .filter((svc) => !doc.services?.[svc]);
}

/** docker mode needs a compose service per implementation: say which are missing before anything starts. */
export function checkComposeServices(targets: readonly TargetSpec[], composeFile = COMPOSE_FILE): void {
  const missing = missingComposeServices(targets, composeFile);
  if (missing.length) {
    throw new Error(
      `--mode docker: ${path.relative(REPO_DIR, composeFile)} has no service ${missing.join(', ')} (use --mode native or leave those targets out)`,
    );
  }
}

export async function chooseDriver(
  opts: Options,
  mode: 'native' | 'docker',
  concurrency: number,
): Promise<{ name: 'k6' | 'vegeta'; driver: Driver }> {
  const name =
    opts.driver === 'auto' ? (mode === 'docker' || (await k6OnPath()) ? 'k6' : 'vegeta') : opts.driver;
  if (name === 'k6' && mode === 'native' && !(await k6OnPath())) {
    throw new Error('--driver k6: no k6 binary on PATH (use --driver vegeta, or docker mode)');
  }
  if (name === 'vegeta') return { name, driver: new VegetaDriver() };
  const compose = mode === 'docker' ? composeK6(COMPOSE_FILE) : undefined;
  const env = composeEnv({ cpus: opts.serverCpus, concurrency }, opts.loadCpus);
  return { name, driver: new K6Driver(mode, compose, env) };
}
