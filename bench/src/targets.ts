// The implementations under test, from the contract's one table (IMPLEMENTATIONS, DEFAULT_PORTS), and how each
// is built, started natively and found in docker-compose.yml; plus external targets given as name=URL.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { IMPLEMENTATIONS, type Implementation } from '@rtip/contract';
import { $ } from 'zx';
import { REPO_DIR } from './scenario.js';

export type TargetKind = Implementation | 'external';

export interface TargetSpec {
  name: string;
  kind: TargetKind;
  /** For external targets: where it already listens. */
  url?: string;
}

export interface Recipe {
  /** The file the build must produce (the binary, or the TS service's entry). */
  artifact: string;
  /** Native command line (before taskset). */
  command: string[];
  /** Extra env the implementation ships with (its start script and Dockerfile set the same). */
  env: Record<string, string>;
  /** Workspace package whose `build` script produces the artifact. */
  buildPackage: string;
  /** Service name in docker-compose.yml. */
  composeService: string;
}

export const GO_BIN = path.join(REPO_DIR, 'go-service', 'bin', 'go-service');
export const GO_VIPS_BIN = path.join(REPO_DIR, 'go-service', 'bin', 'go-service-vips');
// The service's real entry (it sizes libuv's pool before the ESM service loads), as `pnpm start:ts` runs it.
export const TS_ENTRY = path.join(REPO_DIR, 'apps', 'ts-service', 'dist', 'main.cjs');

/** glibc settings the TS service ships with (apps/ts-service start script and Dockerfile; its README says why). */
export const TS_MALLOC_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '33554432',
  MALLOC_TRIM_THRESHOLD_: '67108864',
} as const;

/** A Record over the contract's type: a new implementation in the contract fails typecheck here until described. */
export const RECIPES: Record<Implementation, Recipe> = {
  go: {
    artifact: GO_BIN,
    command: [GO_BIN],
    env: {},
    buildPackage: '@rtip/go-service',
    composeService: 'go-service',
  },
  ts: {
    artifact: TS_ENTRY,
    command: [process.execPath, TS_ENTRY],
    env: TS_MALLOC_ENV,
    buildPackage: '@rtip/ts-service',
    composeService: 'ts-service',
  },
  'go-vips': {
    artifact: GO_VIPS_BIN,
    command: [GO_VIPS_BIN],
    env: {},
    buildPackage: '@rtip/go-service',
    composeService: 'go-vips',
  },
};

const isImplementation = (s: string): s is Implementation => (IMPLEMENTATIONS as string[]).includes(s);

export function parseTargets(list: string): TargetSpec[] {
  return list
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      const eq = t.indexOf('=');
      if (eq > 0) {
        const url = t.slice(eq + 1);
        if (!/^https?:\/\//.test(url)) throw new Error(`--targets: "${t}" needs name=http(s)://host:port`);
        return { name: t.slice(0, eq), kind: 'external' as const, url };
      }
      if (!isImplementation(t)) {
        throw new Error(`--targets: unknown target "${t}" (${IMPLEMENTATIONS.join(', ')} or name=url)`);
      }
      return { name: t, kind: t };
    });
}

/** A target as --targets spells it. */
export const specText = (t: TargetSpec): string => (t.kind === 'external' ? `${t.name}=${t.url}` : t.name);

/** The implementations among the targets (externals are neither built nor started). */
export const implementationsOf = (targets: readonly TargetSpec[]): Implementation[] => [
  ...new Set(targets.map((t) => t.kind).filter((k): k is Implementation => k !== 'external')),
];

/** Builds what the implementations need (turbo, cached; quiet unless it fails). */
export async function buildNative(kinds: Implementation[], log: (s: string) => void): Promise<void> {
  const packages = [...new Set(kinds.map((k) => RECIPES[k].buildPackage))];
  if (packages.length === 0) return;
  log(`building ${packages.join(' ')} (turbo)`);
  await $({ cwd: REPO_DIR, quiet: true })`bash scripts/build.sh ${packages}`;
}

/**
 * Every implementation's artifact must exist before anything starts; a missing one names the file, the build
 * that should make it and how to leave that target out.
 */
export function checkArtifacts(
  targets: readonly TargetSpec[],
  exists: (file: string) => boolean = existsSync,
): void {
  const kinds = implementationsOf(targets);
  const missing = kinds.filter((k) => !exists(RECIPES[k].artifact));
  if (missing.length === 0) return;
  const others = targets.filter((t) => !missing.includes(t.kind as Implementation)).map(specText);
  const lines = missing.map(
    (k) =>
      `  ${k}: ${path.relative(REPO_DIR, RECIPES[k].artifact)} does not exist (made by \`pnpm --filter ${RECIPES[k].buildPackage} build\`)`,
  );
  const hint = others.length
    ? `build it, or leave ${missing.join(', ')} out: --targets ${others.join(',')}`
    : 'build it first';
  throw new Error(`cannot start ${missing.join(', ')}:\n${lines.join('\n')}\n${hint}`);
}
