// Pipeline benchmark: per-image time of this service's pipeline against the codec floor
// (libjpeg-turbo's `djpeg -grayscale | cjpeg`) and sharp's own grayscale(), in the same run.
// Run it pinned to one core: `pnpm bench:pipeline` (see package.json; BENCH_CPU picks the core).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_OPTIONS, FIXTURES_DIR, type ProcessOptions } from '@rtip/contract';
import sharp from 'sharp';
import { processImage } from '../pipeline/process-image.js';

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

/**
 * Wall and CPU ms per image of a shell command run `n` times in one shell loop (process start-up included);
 * CPU from GNU time (user + system of the shell and its children).
 */
function shellPerImage(command: string, n: number): { wall: number; cpu: number } {
  const t = performance.now();
  const run = spawnSync('/usr/bin/time', [
    '-f',
    '%U %S',
    'sh',
    '-c',
    `i=0; while [ $i -lt ${n} ]; do ${command} > /dev/null; i=$((i+1)); done`,
  ]);
  const wall = (performance.now() - t) / n;
  const [user, system] = (run.stderr.toString().trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { wall, cpu: (((user ?? Number.NaN) + (system ?? Number.NaN)) * 1000) / n };
}

function sharpGrayscale(input: Buffer, o: ProcessOptions) {
  const s = sharp(input, { failOn: 'warning' }).rotate();
  if (o.width) s.resize(o.width);
  return s.grayscale().jpeg({ quality: o.quality, optimiseCoding: false }).toBuffer();
}

const hasFloor =
  spawnSync('sh', ['-c', 'command -v djpeg && command -v cjpeg && test -x /usr/bin/time']).status === 0;
const affinity =
  spawnSync('taskset', ['-pc', String(process.pid)])
    .stdout?.toString()
    .trim() ?? 'unknown';

const FLOOR_MISSING = 'n/a';
console.log(`# pipeline benchmark ${new Date().toISOString()}`);
if (!hasFloor) {
  console.log(
    'The floor is missing: djpeg/cjpeg (Debian: libjpeg-turbo-progs) or /usr/bin/time (Debian: time) are not installed; its columns say n/a.',
  );
}
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
    if (hasFloor) {
      const f = shellPerImage(floorCommand, perRound);
      floors.push(f.wall);
      floorsCpu.push(f.cpu);
    }
  }
  const floorWall = hasFloor ? median(floors) : Number.NaN;
  const floorCpu = hasFloor ? median(floorsCpu) : Number.NaN;
  const parts = [
    median(stages.map((s) => s.decode)),
    median(stages.map((s) => s.transform)),
    median(stages.map((s) => s.encode)),
  ].map((v) => v.toFixed(1));
  const floorText = (v: number, digits: number) => (hasFloor ? v.toFixed(digits) : FLOOR_MISSING);
  console.log(
    `| ${c.image} | ${c.query} | ${floorText(floorCpu, 1)} | ${median(oursCpu).toFixed(1)} | **${floorText(median(oursCpu) / floorCpu, 2)}×** | ${median(referenceCpu).toFixed(1)} | ${floorText(floorWall, 1)} / ${median(ours).toFixed(1)} (${parts.join(' / ')}) | ${(loopMax / 1e6).toFixed(1)} |`,
  );
}
console.log('');
console.log(
  'Medians over rounds of 5, contenders interleaved per round. CPU = user + system time per image (ours and sharp: all threads of this process). floor: `djpeg -grayscale [-scale M/8] IMAGE | cjpeg -quality 80 > /dev/null` in a shell loop, process start-up included; in the width=800 rows DCT scaling (4/8, 2/8) stands in for the resize, as the floor has no resampler.',
);
