// Pipeline benchmark: per-image time of this service's pipeline against the codec floor
// (libjpeg-turbo's `djpeg -grayscale | cjpeg`) and sharp's own grayscale(), in the same run.
// `pnpm bench:pipeline`: builds dist/, then `node bench/pipeline.ts` (Node runs this TypeScript as is) pinned to
// one core (BENCH_CPU, default 1); BENCH_ITERATIONS (default 30) per photo-hd row, a third of it per 12 MP row.
// It times the pipeline built into dist/, the code that ships; this file is not part of the service.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_OPTIONS, FIXTURES_DIR, type ProcessOptions } from '@rtip/contract';
import sharp from 'sharp';
import type * as Pipeline from '../src/pipeline/process-image.js';

const BUILT = new URL('../dist/pipeline/process-image.js', import.meta.url);
const { processImage } = (await import(BUILT.href).catch(() => {
  console.error(`${BUILT.pathname} is missing: build first (pnpm build; pnpm bench:pipeline does).`);
  process.exit(1);
})) as typeof Pipeline;

sharp.concurrency(1);
sharp.cache(false);

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 30);
const LIMITS = { maxInputPixels: 50_000_000 };

interface Case {
  image: string;
  query: string;
  options: ProcessOptions;
  /** libjpeg-turbo's DCT scaling M/8 closest above the requested width (the floor has no resampler). */
  floorScale?: string;
}

const CASES: Case[] = [
  { image: 'photo-hd.jpg', query: 'grayscale', options: { ...DEFAULT_OPTIONS } },
  {
    image: 'photo-hd.jpg',
    query: 'grayscale&width=800',
    options: { ...DEFAULT_OPTIONS, width: 800 },
    floorScale: '4/8',
  },
  { image: 'photo-12mp.jpg', query: 'grayscale', options: { ...DEFAULT_OPTIONS } },
  {
    image: 'photo-12mp.jpg',
    query: 'grayscale&width=800',
    options: { ...DEFAULT_OPTIONS, width: 800 },
    floorScale: '2/8',
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function time(n: number, run: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run();
    out.push(performance.now() - t);
  }
  return out;
}

/** CPU ms (all threads of this process: event loop and libuv/libvips workers) per call of `run`. */
async function cpuPerCall(n: number, run: () => Promise<unknown>, wall: number[]): Promise<number> {
  const before = process.cpuUsage();
  wall.push(...(await time(n, run)));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / n;
}

const TIME = '/usr/bin/time';

/**
 * Wall and CPU ms per image of a shell command run `n` times in one shell loop (process start-up included);
 * CPU from GNU time (user + system of the shell and its children). A failing command gives its first message.
 */
function shellPerImage(command: string, n: number): { wall: number; cpu: number } | { failed: string } {
  const t = performance.now();
  const run = spawnSync(TIME, [
    '-f',
    '%U %S',
    'sh',
    '-c',
    `i=0; while [ $i -lt ${n} ]; do ${command} > /dev/null || exit 1; i=$((i+1)); done`,
  ]);
  const wall = (performance.now() - t) / n;
  const lines = run.stderr?.toString().trim().split('\n') ?? [];
  if (run.error || run.status !== 0)
    return { failed: run.error?.message ?? lines[0] ?? `exit ${run.status}` };
  const [user, system] = (lines.at(-1) ?? '').split(' ').map(Number);
  return { wall, cpu: (((user ?? Number.NaN) + (system ?? Number.NaN)) * 1000) / n };
}

/** The floor's tools that are not installed, with their Debian packages. */
function missingFloorTools(): Array<{ tool: string; debian: string }> {
  const onPath = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  return [
    { tool: 'djpeg', debian: 'libjpeg-turbo-progs', found: onPath('djpeg') },
    { tool: 'cjpeg', debian: 'libjpeg-turbo-progs', found: onPath('cjpeg') },
    { tool: TIME, debian: 'time', found: executable(TIME) },
  ].filter((t) => !t.found);
}

function sharpGrayscale(input: Buffer, o: ProcessOptions) {
  const s = sharp(input, { failOn: 'warning' }).rotate();
  if (o.width) s.resize(o.width);
  return s.grayscale().jpeg({ quality: o.quality, optimiseCoding: false }).toBuffer();
}

const missing = missingFloorTools();
const hasFloor = missing.length === 0;
const affinity =
  spawnSync('taskset', ['-pc', String(process.pid)])
    .stdout?.toString()
    .trim() ?? 'unknown';

const FLOOR_MISSING = 'n/a';
console.log(`# pipeline benchmark ${new Date().toISOString()}`);
if (!hasFloor) {
  const packages = [...new Set(missing.map((t) => t.debian))].join(' ');
  console.log(
    `No codec floor: ${missing.map((t) => t.tool).join(', ')} not installed (Debian: apt-get install ${packages}); its columns say n/a.`,
  );
}
/** Whether the floor still runs: it stops at its first failure, which is said in one line after the table. */
let floorRuns = hasFloor;
let floorFailure: string | undefined;
console.log(
  `node ${process.version}, sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, sharp.concurrency ${sharp.concurrency()}, ${affinity}, iterations ${ITERATIONS}`,
);
console.log('');
console.log(
  '| image | options | floor CPU ms | ours CPU ms | ours / floor (CPU) | sharp grayscale() CPU ms | wall ms: floor / ours (decode / luma / encode) | event-loop max block ms |',
);
console.log('|---|---|---|---|---|---|---|---|');

for (const c of CASES) {
  const input = readFileSync(join(FIXTURES_DIR, c.image));
  const n = c.image.includes('12mp') ? Math.max(5, Math.round(ITERATIONS / 3)) : ITERATIONS;
  const file = join(FIXTURES_DIR, c.image);
  const scale = c.floorScale ? `-scale ${c.floorScale} ` : '';
  const floorCommand = `djpeg -grayscale ${scale}${file} | cjpeg -quality ${c.options.quality}`;

  // The machine is shared: the three contenders are interleaved in rounds so that load changes hit all alike,
  // and CPU time (not wall time) is compared, which being descheduled does not inflate.
  const stages: Array<{ decode: number; transform: number; encode: number }> = [];
  const ours: number[] = [];
  const oursCpu: number[] = [];
  const reference: number[] = [];
  const referenceCpu: number[] = [];
  const floors: number[] = [];
  const floorsCpu: number[] = [];
  let loopMax = 0;
  const perRound = 5;
  await time(3, () => processImage(input, c.options, LIMITS));
  await time(3, () => sharpGrayscale(input, c.options));
  for (let round = 0; round < Math.ceil(n / perRound); round++) {
    // A fresh monitor per round: re-enabling one would count the time it was off (the other contenders,
    // the floor's spawnSync) as one long block.
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    oursCpu.push(
      await cpuPerCall(
        perRound,
        async () => {
          stages.push((await processImage(input, c.options, LIMITS)).timings);
        },
        ours,
      ),
    );
    loop.disable();
    loopMax = Math.max(loopMax, loop.max);
    referenceCpu.push(await cpuPerCall(perRound, () => sharpGrayscale(input, c.options), reference));
    if (floorRuns) {
      const f = shellPerImage(floorCommand, perRound);
      if ('failed' in f) {
        floorFailure = `The floor failed on ${c.image} ${c.query}, so its columns say n/a from that row on: \`${floorCommand}\`: ${f.failed}`;
        floorRuns = false;
      } else {
        floors.push(f.wall);
        floorsCpu.push(f.cpu);
      }
    }
  }
  const floorMeasured = floorRuns && floors.length > 0;
  const floorWall = floorMeasured ? median(floors) : Number.NaN;
  const floorCpu = floorMeasured ? median(floorsCpu) : Number.NaN;
  const parts = [
    median(stages.map((s) => s.decode)),
    median(stages.map((s) => s.transform)),
    median(stages.map((s) => s.encode)),
  ].map((v) => v.toFixed(1));
  const floorText = (v: number, digits: number) => (floorMeasured ? v.toFixed(digits) : FLOOR_MISSING);
  const ratio = floorMeasured ? `**${(median(oursCpu) / floorCpu).toFixed(2)}×**` : FLOOR_MISSING;
  console.log(
    `| ${c.image} | ${c.query} | ${floorText(floorCpu, 1)} | ${median(oursCpu).toFixed(1)} | ${ratio} | ${median(referenceCpu).toFixed(1)} | ${floorText(floorWall, 1)} / ${median(ours).toFixed(1)} (${parts.join(' / ')}) | ${(loopMax / 1e6).toFixed(1)} |`,
  );
}
if (floorFailure) console.log(floorFailure);
console.log('');
console.log(
  'Medians over rounds of 5, contenders interleaved per round. CPU = user + system time per image (ours and sharp: all threads of this process). floor: `djpeg -grayscale [-scale M/8] IMAGE | cjpeg -quality 80 > /dev/null` in a shell loop, process start-up included; in the width=800 rows DCT scaling (4/8, 2/8) stands in for the resize, as the floor has no resampler.',
);
