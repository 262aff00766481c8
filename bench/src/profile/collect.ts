// The implementation profile of each target, measured when the run starts (never typed in): code per layer,
// dependencies, native libraries, build. Each figure that cannot be measured says why ("n/a: …").

import { $ } from 'zx';
import { REPO_DIR } from '../scenario.js';
import { type ProfileRecipe, RECIPES, type TargetSpec } from '../targets.js';
import {
  fileBytes,
  imageBytes,
  type Measured,
  measured,
  type NativeLibraries,
  na,
  nativeLibraries,
  pnpmDeployBytes,
  timeCleanBuild,
} from './build.js';
import { type CodeProfile, codeProfile } from './code.js';
import { type DependencyCounts, goDependencies, npmDependencies } from './deps.js';

export interface ImplementationProfile {
  code: Measured<CodeProfile>;
  dependencies: Measured<DependencyCounts>;
  native: Measured<NativeLibraries>;
  cleanBuildS: Measured<number>;
  artifactBytes: Measured<number>;
  imageBytes: Measured<number>;
}

export interface ProfileOptions {
  /** A clean build takes minutes on 2 cores: quick runs skip it and say so. */
  cleanBuild: boolean;
  dockerEngine: boolean;
  composeFile: string;
}

async function attempt<T>(what: string, fn: () => Promise<Measured<T>>): Promise<Measured<T>> {
  try {
    return await fn();
  } catch (e) {
    return na(`${what} failed: ${(e as Error).message.split('\n')[0]}`);
  }
}

async function dependencies(d: ProfileRecipe['deps'], bin: string): Promise<Measured<DependencyCounts>> {
  if (d.kind === 'npm') {
    const r = await $({ cwd: d.dir, quiet: true })`pnpm list --prod --depth Infinity --json`;
    return measured(npmDependencies(r.stdout, d.pkg));
  }
  const list = await $({
    cwd: d.moduleDir,
    quiet: true,
  })`go list -m -f ${'{{.Path}} {{.Indirect}} {{.Main}}'} all`;
  const version = await $({ quiet: true, nothrow: true })`go version -m ${bin}`;
  return measured(goDependencies(list.stdout, version.exitCode === 0 ? version.stdout : ''));
}

/**
 * Figures several targets share (ts, ts-bun and ts-deno are one package: the same dependencies, clean build and
 * deployable) are measured once per run, keyed by what is measured.
 */
export type ProfileCache = Map<string, Promise<Measured<unknown>>>;

function once<T>(cache: ProfileCache, key: string, fn: () => Promise<Measured<T>>): Promise<Measured<T>> {
  if (!cache.has(key)) cache.set(key, fn());
  return cache.get(key) as Promise<Measured<T>>;
}

export async function profileTarget(
  t: TargetSpec,
  o: ProfileOptions,
  cache: ProfileCache = new Map(),
): Promise<ImplementationProfile | undefined> {
  if (t.kind === 'external') return undefined;
  const recipe = RECIPES[t.kind];
  const p = recipe.profile;
  const d = p.deployable;
  return {
    code: await attempt('line count', async () => measured(await codeProfile(REPO_DIR, p.sources))),
    // Go's count reads the binary too (the modules linked into it); npm's only the package.
    dependencies: await once(
      cache,
      `deps ${JSON.stringify(p.deps)} ${p.deps.kind === 'go' ? recipe.artifact : ''}`,
      () => attempt('dependency count', () => dependencies(p.deps, recipe.artifact)),
    ),
    native: await attempt('ldd', () => nativeLibraries(p.nativeFiles())),
    cleanBuildS: o.cleanBuild
      ? await once(cache, `build ${p.cleanBuild.cwd} ${p.cleanBuild.command('OUT').join(' ')}`, () =>
          attempt('clean build', () => timeCleanBuild(p.cleanBuild)),
        )
      : na('not measured in quick runs (a clean build takes minutes)'),
    artifactBytes: await once(cache, `artifact ${JSON.stringify(d)}`, () =>
      attempt('artifact size', () =>
        d.kind === 'file' ? Promise.resolve(fileBytes(d.file)) : pnpmDeployBytes(REPO_DIR, d.pkg),
      ),
    ),
    imageBytes: await attempt('image size', () =>
      imageBytes(o.composeFile, recipe.composeService, o.dockerEngine),
    ),
  };
}

/** Profiles every target, one after the other (a clean build wants the machine to itself). */
export async function profileTargets(
  targets: readonly TargetSpec[],
  o: ProfileOptions,
  log: (s: string) => void,
): Promise<Record<string, ImplementationProfile>> {
  const out: Record<string, ImplementationProfile> = {};
  const cache: ProfileCache = new Map();
  for (const t of targets) {
    log(`  profile: ${t.name}${o.cleanBuild && t.kind !== 'external' ? ' (clean build)' : ''}`);
    const p = await profileTarget(t, o, cache);
    if (p) out[t.name] = p;
  }
  return out;
}
