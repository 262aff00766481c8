// Pipeline benchmark: per-image time of this service's pipeline against the codec floor
// (libjpeg-turbo's `djpeg -grayscale | cjpeg`) and sharp's own grayscale(), in the same run.
// Run it pinned to one core: `pnpm bench:pipeline` (see package.json; BENCH_CPU picks the core).

import { execFileSync, spawnSync } from 'node:child_process';
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
const min = (xs: number[]) => Math.min(...xs);

async function time(n: number, run: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run();
    out.push(performance.now() - t);
  }
  return out;
}

/** ms per image of a shell command run `n` times in one shell loop (process start-up included). */
function shellPerImage(command: string, n: number): number {
  const t = performance.now();
  execFileSync('sh', ['-c', `i=0; while [ $i -lt ${n} ]; do ${command} > /dev/null; i=$((i+1)); done`]);
  return (performance.now() - t) / n;
}

function sharpGrayscale(input: Buffer, o: ProcessOptions) {
  const s = sharp(input, { failOn: 'warning' }).rotate();
  if (o.width) s.resize(o.width);
  return s.grayscale().jpeg({ quality: o.quality, optimiseCoding: false }).toBuffer();
}

const hasFloor = spawnSync('sh', ['-c', 'command -v djpeg && command -v cjpeg']).status === 0;
const affinity =
  spawnSync('taskset', ['-pc', String(process.pid)])
    .stdout?.toString()
    .trim() ?? 'unknown';

console.log(`# pipeline benchmark ${new Date().toISOString()}`);
console.log(
  `node ${process.version}, sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, sharp.concurrency ${sharp.concurrency()}, ${affinity}, iterations ${ITERATIONS}`,
);
console.log('');
console.log(
  '| image | options | floor ms, median (min) | ours ms, median (min; decode / luma / encode medians) | ours / floor | sharp grayscale() ms | event-loop max block ms |',
);
console.log('|---|---|---|---|---|---|---|');

for (const c of CASES) {
  const input = readFileSync(join(FIXTURES_DIR, c.image));
  const n = c.image.includes('12mp') ? Math.max(5, Math.round(ITERATIONS / 3)) : ITERATIONS;

  const file = join(FIXTURES_DIR, c.image);
  const scale = c.floorScale ? `-scale ${c.floorScale} ` : '';
  const floorCommand = `djpeg -grayscale ${scale}${file} | cjpeg -quality ${c.options.quality}`;

  // The machine is shared: the three contenders are interleaved in rounds so that load changes hit all alike.
  const stages: Array<{ decode: number; transform: number; encode: number }> = [];
  const ours: number[] = [];
  const reference: number[] = [];
  const floors: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const perRound = 5;
  await time(3, () => processImage(input, c.options, LIMITS));
  await time(3, () => sharpGrayscale(input, c.options));
  for (let round = 0; round < Math.ceil(n / perRound); round++) {
    loop.enable();
    ours.push(
      ...(await time(perRound, async () => {
        stages.push((await processImage(input, c.options, LIMITS)).timings);
      })),
    );
    loop.disable();
    reference.push(...(await time(perRound, () => sharpGrayscale(input, c.options))));
    if (hasFloor) floors.push(shellPerImage(floorCommand, perRound));
  }
  const floor = hasFloor ? median(floors) : Number.NaN;
  const st = stages;
  const parts = [
    median(st.map((s) => s.decode)),
    median(st.map((s) => s.transform)),
    median(st.map((s) => s.encode)),
  ].map((v) => v.toFixed(1));
  const floorMin = hasFloor ? min(floors) : Number.NaN;
  console.log(
    `| ${c.image} | ${c.query} | ${floor.toFixed(1)} (min ${floorMin.toFixed(1)})${c.floorScale ? ` DCT ${c.floorScale}` : ''} | ${median(ours).toFixed(1)} (min ${min(ours).toFixed(1)}; ${parts.join(' / ')}) | ${(median(ours) / floor).toFixed(2)}× (min/min ${(min(ours) / floorMin).toFixed(2)}×) | ${median(reference).toFixed(1)} (min ${min(reference).toFixed(1)}) | ${(loop.max / 1e6).toFixed(1)} |`,
  );
}
console.log('');
console.log(
  'floor: `djpeg -grayscale [-scale M/8] IMAGE | cjpeg -quality 80 > /dev/null` in a shell loop, per image, process start-up included.',
);
