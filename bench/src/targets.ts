// The implementations under test, from the contract's one table (IMPLEMENTATIONS, DEFAULT_PORTS), and how each
// is built, started natively and found in docker-compose.yml; plus external targets given as name=URL.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { IMPLEMENTATIONS, type Implementation } from '@rtip/contract';
import { readStartScriptDefaults } from '@rtip/testkit';
import { $ } from 'zx';
import { type CleanBuild, sharpAddons } from './profile/build.js';
import type { SourceSpec } from './profile/code.js';
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
  /** Native command line (before taskset); it runs in the repository root. */
  command: string[];
  /**
   * The language runtime the command needs besides the artifact (Bun, Deno), when it is not the harness's own
   * node: checked with the artifacts, so a missing one stops the run before anything starts.
   */
  runtime?: { name: string; binary: string };
  /** Extra env the implementation ships with (its start script and Dockerfile set the same). */
  env: Record<string, string>;
  /** Workspace package whose `build` script produces the artifact. */
  buildPackage: string;
  /** Service name in docker-compose.yml. */
  composeService: string;
  /** The implementation's in-process pipeline probe. */
  probe: ProbeSpec;
  /** How the implementation profile finds its code, dependencies, native libraries and build. */
  profile: ProfileRecipe;
}

/**
 * The implementation's in-process pipeline probe (it prints one JSON line with CPU ms per image; see
 * src/probe.ts): `file` must exist for it to run, `command` runs it (before taskset and its arguments), in `cwd`
 * when given (else the harness's own).
 */
export interface ProbeSpec {
  file: string;
  command: string[];
  cwd?: string;
}

export interface ProfileRecipe {
  sources: SourceSpec;
  deps: { kind: 'npm'; dir: string; pkg: string } | { kind: 'go'; moduleDir: string };
  /** Files whose shared libraries are this implementation's native ones (ldd). */
  nativeFiles: () => string[];
  cleanBuild: CleanBuild;
  /** The deployable artifact: the binary, or the package as `pnpm deploy --prod` lays it out. */
  deployable: { kind: 'file'; file: string } | { kind: 'pnpm-deploy'; pkg: string };
}

export const GO_BIN = path.join(REPO_DIR, 'go-service', 'bin', 'go-service');
export const GO_VIPS_BIN = path.join(REPO_DIR, 'go-service', 'bin', 'go-service-vips');
// The service's real entry (it sizes libuv's pool before the ESM service loads), as `pnpm start:ts` runs it.
export const TS_ENTRY = path.join(REPO_DIR, 'apps', 'ts-service', 'dist', 'main.cjs');
export const GO_PROBE = path.join(REPO_DIR, 'go-service', 'bin', 'pipeline-cpu');
export const GO_VIPS_PROBE = path.join(REPO_DIR, 'go-service', 'bin', 'pipeline-cpu-vips');
export const TS_PROBE = path.join(REPO_DIR, 'apps', 'ts-service', 'bench', 'pipeline-cpu.ts');
// The same app on Bun.serve and Deno.serve (apps/ts-service/RUNTIMES.md); start.sh starts them as shipped.
export const TS_BUN_ENTRY = path.join(REPO_DIR, 'apps', 'ts-service', 'dist', 'main-bun.js');
export const TS_DENO_ENTRY = path.join(REPO_DIR, 'apps', 'ts-service', 'dist', 'main-deno.js');
const GO_DIR = path.join(REPO_DIR, 'go-service');
const TS_DIR = path.join(REPO_DIR, 'apps', 'ts-service');

/**
 * A runtime binary: the project's pinned one (`.tools/bin`, put there by scripts/setup.sh), else the first on
 * PATH, else the bare name (checkArtifacts then says it is missing).
 */
export function runtimeBinary(name: string, pathEnv = process.env.PATH ?? ''): string {
  const pinned = path.join(REPO_DIR, '.tools', 'bin', name);
  if (existsSync(pinned)) return pinned;
  for (const dir of pathEnv.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    if (existsSync(file)) return file;
  }
  return name;
}

export const BUN = runtimeBinary('bun');
export const DENO = runtimeBinary('deno');

/** A Go build from nothing: an empty GOCACHE, so the standard library and every dependency compile too. */
function goCleanBuild(tags: string[], cgo: boolean): CleanBuild {
  return {
    cwd: GO_DIR,
    command: (out) => [
      'go',
      'build',
      ...(tags.length ? ['-tags', tags.join(',')] : []),
      '-trimpath',
      '-o',
      path.join(out, 'service'),
      './cmd/go-service',
    ],
    env: (out) => ({ GOCACHE: path.join(out, 'gocache'), CGO_ENABLED: cgo ? '1' : '0' }),
    note: 'go build with an empty GOCACHE: the standard library and every module compile (modules already downloaded)',
  };
}

const goProfile = (tags: string[], cgo: boolean, bin: string): ProfileRecipe => ({
  sources: { kind: 'go', moduleDir: 'go-service', main: './cmd/go-service', tags },
  deps: { kind: 'go', moduleDir: GO_DIR },
  nativeFiles: () => [bin],
  cleanBuild: goCleanBuild(tags, cgo),
  deployable: { kind: 'file', file: bin },
});

/**
 * glibc settings the TS service ships with, read from their one home, its start script (the Dockerfile restates
 * them; a containers test keeps the two equal). The service and its probe run with them.
 */
export const TS_START_SCRIPT = path.join(REPO_DIR, 'apps', 'ts-service', 'start.sh');
export const TS_MALLOC_ENV: Readonly<Record<string, string>> = Object.fromEntries(
  [...readStartScriptDefaults(TS_START_SCRIPT)].filter(([name]) => name.startsWith('MALLOC_')),
);

/**
 * The TypeScript targets share one package (same sources, dependencies, build and deployable); each counts the
 * app's tree without the other runtimes' own files (RUNTIME_FILES in src/profile/layers.ts) and loads its own
 * runtime binary besides sharp's addon.
 */
const tsProfile = (target: string, runtimeBin: string): ProfileRecipe => ({
  sources: { kind: 'tree', dir: 'apps/ts-service/src', runtime: target },
  deps: { kind: 'npm', dir: TS_DIR, pkg: '@rtip/ts-service' },
  nativeFiles: () => [runtimeBin, ...sharpAddons(TS_DIR)],
  cleanBuild: {
    cwd: TS_DIR,
    command: (out) => [
      path.join(TS_DIR, 'node_modules', '.bin', 'tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      out,
    ],
    env: () => ({}),
    note: 'tsc of the service into an empty folder (its workspace dependencies are already built JavaScript)',
  },
  deployable: { kind: 'pnpm-deploy', pkg: '@rtip/ts-service' },
});

/** A Record over the contract's type: a new implementation in the contract fails typecheck here until described. */
export const RECIPES: Record<Implementation, Recipe> = {
  go: {
    artifact: GO_BIN,
    command: [GO_BIN],
    env: {},
    buildPackage: '@rtip/go-service',
    composeService: 'go-service',
    probe: { file: GO_PROBE, command: [GO_PROBE] },
    profile: goProfile([], false, GO_BIN),
  },
  ts: {
    artifact: TS_ENTRY,
    command: [process.execPath, TS_ENTRY],
    env: TS_MALLOC_ENV,
    buildPackage: '@rtip/ts-service',
    composeService: 'ts-service',
    // The same node binary as the service, so the probe runs the same V8 and the same sharp build.
    probe: { file: TS_PROBE, command: [process.execPath, TS_PROBE] },
    profile: tsProfile('ts', process.execPath),
  },
  'go-vips': {
    artifact: GO_VIPS_BIN,
    command: [GO_VIPS_BIN],
    env: {},
    buildPackage: '@rtip/go-service',
    composeService: 'go-vips',
    probe: { file: GO_VIPS_PROBE, command: [GO_VIPS_PROBE] },
    profile: goProfile(['vips'], true, GO_VIPS_BIN),
  },
  // Bun and Deno start through the service's start script (its flags, its cwd for Deno, its malloc settings, which
  // the harness also sets); BUN and DENO pick the pinned binaries. The probe runs on the same binary, in the app's
  // folder, where Deno finds the app's node_modules through its package.json.
  'ts-bun': {
    artifact: TS_BUN_ENTRY,
    command: ['sh', TS_START_SCRIPT, 'bun'],
    runtime: { name: 'bun', binary: BUN },
    env: { ...TS_MALLOC_ENV, BUN },
    buildPackage: '@rtip/ts-service',
    composeService: 'ts-bun',
    probe: { file: TS_PROBE, command: [BUN, TS_PROBE], cwd: TS_DIR },
    profile: tsProfile('ts-bun', BUN),
  },
  'ts-deno': {
    artifact: TS_DENO_ENTRY,
    command: ['sh', TS_START_SCRIPT, 'deno'],
    runtime: { name: 'deno', binary: DENO },
    env: { ...TS_MALLOC_ENV, DENO },
    buildPackage: '@rtip/ts-service',
    composeService: 'ts-deno',
    probe: { file: TS_PROBE, command: [DENO, 'run', '-A', TS_PROBE], cwd: TS_DIR },
    profile: tsProfile('ts-deno', DENO),
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
 * Every implementation's artifact (and the runtime it runs on, for Bun and Deno) must exist before anything
 * starts; a missing one names the file, what should make it and how to leave that target out.
 */
export function checkArtifacts(
  targets: readonly TargetSpec[],
  exists: (file: string) => boolean = existsSync,
): void {
  const kinds = implementationsOf(targets);
  const lines = kinds.flatMap((k) => {
    const r = RECIPES[k];
    return [
      ...(exists(r.artifact)
        ? []
        : [
            `  ${k}: ${path.relative(REPO_DIR, r.artifact)} does not exist (made by \`pnpm --filter ${r.buildPackage} build\`)`,
          ]),
      ...(!r.runtime || exists(r.runtime.binary)
        ? []
        : [
            `  ${k}: no ${r.runtime.name} binary in .tools/bin or on PATH (\`bash scripts/setup.sh\` puts the pinned one in .tools/bin)`,
          ]),
    ];
  });
  if (lines.length === 0) return;
  const missing = kinds.filter((k) => lines.some((l) => l.startsWith(`  ${k}: `)));
  const others = targets.filter((t) => !missing.includes(t.kind as Implementation)).map(specText);
  const fix = lines.some((l) => l.includes(' binary in .tools/bin')) ? 'install or build it' : 'build it';
  const hint = others.length
    ? `${fix}, or leave ${missing.join(', ')} out: --targets ${others.join(',')}`
    : `${fix} first`;
  throw new Error(`cannot start ${missing.join(', ')}:\n${lines.join('\n')}\n${hint}`);
}
