// The glibc malloc settings libvips runs with have one home: apps/ts-service/start.sh, which `pnpm start:ts` and
// the benchmark harness run. The images restate them as ENV (an image has no start script to read) and the go-vips
// binary as mallopt() defaults (internal/pipeline/vips.go); the checks here keep every copy equal to the script.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startScriptDefaults } from '@rtip/testkit';
import { parseStages, type Stage, stageEnv } from './dockerfile.js';

/** The MALLOC_* defaults of a start script. */
export const startScriptMalloc = (text: string): Map<string, string> =>
  new Map([...startScriptDefaults(text)].filter(([name]) => name.startsWith('MALLOC_')));

export const START_SCRIPT = 'apps/ts-service/start.sh';
export const VIPS_BINDING = 'go-service/internal/pipeline/vips.go';

/** `mallopt(M_X, n)` defaults of the cgo preamble, under the environment names glibc reads for them. */
export function malloptDefaults(text: string): Map<string, string> {
  const names: Record<string, string> = {
    M_ARENA_MAX: 'MALLOC_ARENA_MAX',
    M_MMAP_THRESHOLD: 'MALLOC_MMAP_THRESHOLD_',
    M_TRIM_THRESHOLD: 'MALLOC_TRIM_THRESHOLD_',
  };
  const out = new Map<string, string>();
  for (const m of text.matchAll(/mallopt\((M_\w+), (\d+)(?: << (\d+))?\)/g)) {
    const [, param = '', base = '0', shift] = m;
    const name = names[param];
    if (name) out.set(name, String(Number(base) * 2 ** Number(shift ?? 0)));
  }
  return out;
}

/** Every setting of `wanted` has the same value in `got`; `where` names the copy in the problem. */
export function checkSameSettings(
  wanted: Map<string, string>,
  got: Map<string, string>,
  where: string,
): string[] {
  if (wanted.size === 0) return [`${START_SCRIPT} sets no MALLOC_* default`];
  return [...wanted]
    .filter(([name, value]) => got.get(name) !== value)
    .map(
      ([name, value]) => `${where}: ${name} is ${got.get(name) ?? 'not set'}, ${START_SCRIPT} sets ${value}`,
    );
}

/** The ENV of a Dockerfile's final stage. */
export function finalStageEnv(dockerfile: string): Map<string, string> {
  const last: Stage | undefined = parseStages(dockerfile).at(-1);
  return last ? stageEnv(last) : new Map();
}

export const readRepoFile = (root: string, file: string): string => readFileSync(join(root, file), 'utf8');
