import { describe, expect, it } from 'vitest';
import {
  checkSameSettings,
  finalStageEnv,
  malloptDefaults,
  readRepoFile,
  START_SCRIPT,
  startScriptMalloc,
  VIPS_BINDING,
} from './malloc.js';
import { ROOT } from './paths.js';

const shipped = startScriptMalloc(readRepoFile(ROOT, START_SCRIPT));

describe('the malloc settings, one home (apps/ts-service/start.sh)', () => {
  it('are read from the start script', () => {
    expect([...shipped.keys()]).toEqual([
      'MALLOC_ARENA_MAX',
      'MALLOC_MMAP_THRESHOLD_',
      'MALLOC_TRIM_THRESHOLD_',
    ]);
    expect(shipped.get('MALLOC_ARENA_MAX')).toBe('2');
  });

  // Every image that runs libvips: sharp on Node, Bun and Deno, and go-vips.
  it.each([
    ['apps/ts-service/Dockerfile'],
    ['apps/ts-service/Dockerfile.bun'],
    ['apps/ts-service/Dockerfile.deno'],
    ['go-service/Dockerfile.vips'],
  ])('%s restates them as ENV', (file) => {
    expect(checkSameSettings(shipped, finalStageEnv(readRepoFile(ROOT, file)), file)).toEqual([]);
  });

  it('the go-vips binary defaults to them (mallopt)', () => {
    expect(
      checkSameSettings(shipped, malloptDefaults(readRepoFile(ROOT, VIPS_BINDING)), VIPS_BINDING),
    ).toEqual([]);
  });

  it('a copy that drifts is named', () => {
    const drifted = finalStageEnv('FROM x\nENV MALLOC_ARENA_MAX=4 MALLOC_MMAP_THRESHOLD_=33554432\n');
    expect(checkSameSettings(shipped, drifted, 'Dockerfile')).toEqual([
      'Dockerfile: MALLOC_ARENA_MAX is 4, apps/ts-service/start.sh sets 2',
      'Dockerfile: MALLOC_TRIM_THRESHOLD_ is not set, apps/ts-service/start.sh sets 67108864',
    ]);
    expect(malloptDefaults('mallopt(M_ARENA_MAX, 2); mallopt(M_MMAP_THRESHOLD, 32 << 20);')).toEqual(
      new Map([
        ['MALLOC_ARENA_MAX', '2'],
        ['MALLOC_MMAP_THRESHOLD_', '33554432'],
      ]),
    );
    expect(checkSameSettings(new Map(), new Map(), 'x')).toEqual([
      `${START_SCRIPT} sets no MALLOC_* default`,
    ]);
  });
});
