// Build figures of one implementation: a clean build's wall time, the deployable artifact's size, the native
// libraries it loads and the container image's size when a Docker engine has it.

import { lstatSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { isSystemLibrary, lddLibraries } from './deps.js';

/** A value, or why there is none ("n/a: no engine"). */
export type Measured<T> = { value: T; note?: string } | { na: string };

export const measured = <T>(value: T, note?: string): Measured<T> => (note ? { value, note } : { value });
export const na = (why: string): Measured<never> => ({ na: why });

/** Bytes of every file under `dir`, each inode once (pnpm hard-links its store), symlinks not followed. */
export function folderBytes(dir: string): number {
  const inodes = new Set<number>();
  let bytes = 0;
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile()) {
        const st = lstatSync(p);
        if (inodes.has(st.ino)) continue;
        inodes.add(st.ino);
        bytes += st.size;
      }
    }
  };
  visit(dir);
  return bytes;
}

export interface CleanBuild {
  cwd: string;
  /** The command, building into `out` (a fresh temporary folder). */
  command: (out: string) => string[];
  /** Env for the build; `out` is the fresh folder (e.g. for an empty GOCACHE). */
  env: (out: string) => Record<string, string>;
  /** What "clean" means for this toolchain, said in the report. */
  note: string;
}

/**
 * Runs a build from nothing in a temporary folder and times it, on every CPU of the machine (the orchestrator
 * itself may be pinned to the load generator's CPUs by then); the folder is removed afterwards.
 */
export async function timeCleanBuild(b: CleanBuild): Promise<Measured<number>> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'bench-clean-build-'));
  const all = `0-${os.cpus().length - 1}`;
  try {
    const t0 = performance.now();
    const env = { ...process.env, ...b.env(out) };
    const r = await $({ cwd: b.cwd, quiet: true, nothrow: true, env })`taskset -c ${all} ${b.command(out)}`;
    const s = (performance.now() - t0) / 1000;
    if (r.exitCode !== 0) return na(`clean build failed: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
    return measured(s, `${b.note}; on all ${os.cpus().length} CPUs`);
  } finally {
    // Go's module cache marks files read-only; make them writable so the temporary folder can go.
    await $({ quiet: true, nothrow: true })`chmod -R u+w ${out}`;
    rmSync(out, { recursive: true, force: true });
  }
}

/** `pnpm deploy --prod` of a workspace package into a temporary folder: the bytes a container would carry. */
export async function pnpmDeployBytes(repo: string, pkg: string): Promise<Measured<number>> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'bench-deploy-'));
  try {
    const r = await $({
      cwd: repo,
      quiet: true,
      nothrow: true,
    })`pnpm --filter ${pkg} deploy --prod --offline ${path.join(out, 'app')}`;
    if (r.exitCode !== 0) return na(`pnpm deploy failed: ${r.stderr.trim().split('\n').slice(-1).join(' ')}`);
    return measured(
      folderBytes(path.join(out, 'app')),
      '`pnpm deploy --prod` folder: dist + production node_modules',
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function fileBytes(file: string): Measured<number> {
  try {
    return measured(statSync(file).size, 'the binary');
  } catch {
    return na(`${file} not built`);
  }
}

export interface NativeLibraries {
  /** Libraries the implementation brings (not glibc or the C++ runtime), with their size on disk. */
  brought: Array<{ name: string; bytes: number }>;
  /** glibc, libstdc++ and the like: on every host. */
  system: string[];
  files: string[];
}

/** ldd of each file (a binary or a Node addon): the shared libraries it loads. */
export async function nativeLibraries(files: readonly string[]): Promise<Measured<NativeLibraries>> {
  const brought = new Map<string, number>();
  const system = new Set<string>();
  for (const f of files) {
    const r = await $({ quiet: true, nothrow: true })`ldd ${f}`;
    if (r.exitCode !== 0 && !/not a dynamic executable/.test(r.stdout + r.stderr))
      return na(`ldd ${f} failed: ${r.stderr.trim()}`);
    for (const lib of lddLibraries(r.stdout + r.stderr)) {
      if (isSystemLibrary(lib.name)) system.add(lib.name);
      else {
        let bytes = Number.NaN;
        try {
          bytes = statSync(realpathSync(lib.path)).size;
        } catch {
          // not found on this host: ldd says "not found"; keep the name
        }
        brought.set(lib.name, bytes);
      }
    }
  }
  return measured({
    brought: [...brought].map(([name, bytes]) => ({ name, bytes })),
    system: [...system].sort(),
    files: [...files],
  });
}

/** sharp's native addon (sharp-linux-x64.node and friends) as the TS service resolves it through pnpm's links. */
export function sharpAddons(serviceDir: string): string[] {
  try {
    const sharpDir = realpathSync(path.join(serviceDir, 'node_modules', 'sharp'));
    const img = path.join(path.dirname(sharpDir), '@img');
    return readdirSync(img)
      .filter((d) => d.startsWith('sharp-') && !d.startsWith('sharp-libvips'))
      .flatMap((d) => {
        const lib = path.join(img, d, 'lib');
        try {
          return readdirSync(lib)
            .filter((f) => f.endsWith('.node'))
            .map((f) => path.join(lib, f));
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
}

/** The compose service's image size, when a Docker engine answers and has built it. */
export async function imageBytes(
  composeFile: string,
  service: string,
  engine: boolean,
): Promise<Measured<number>> {
  if (!engine) return na('no engine');
  const images = await $({
    quiet: true,
    nothrow: true,
  })`docker compose -f ${composeFile} config --images ${service}`;
  const name = images.stdout.trim().split('\n')[0];
  if (images.exitCode !== 0 || !name) return na('no image name in docker-compose.yml');
  const r = await $({ quiet: true, nothrow: true })`docker image inspect --format {{.Size}} ${name}`;
  const size = Number(r.stdout.trim());
  return r.exitCode === 0 && size > 0 ? measured(size, name) : na(`image ${name} not built`);
}
