// Pipeline probe of the benchmark harness: the CPU one image costs in this service's pipeline alone, in-process,
// with no HTTP around it. The harness subtracts it from the service's CPU per request to show the per-request
// overhead (HTTP, body, multipart, metrics, logs). Like go-service/cmd/pipeline-cpu:
//
//   node bench/pipeline-cpu.ts --image photo-hd.jpg --query 'grayscale=true&width=800' --iterations 30 --warmup 5 --rate 22
//
// prints one JSON line: implementation, image, query, iterations, rate, cpuMsPerImage (user + system CPU of the
// process, every thread, over the measured iterations ÷ iterations) and wallMsPerImage (time inside the pipeline
// per image). The images run one after another, as one request at a time would, through the pipeline built into
// dist/ (the code that ships) and the service's own worker pool, with its sharp settings and its MAX_INPUT_PIXELS
// (from the same environment the service would read). With --rate R they start R per second, on the schedule of the
// harness's fixed load (image i at i/R s; one that would start late starts at once), as Go's probe does and for the
// same reason: an image after an idle gap costs more CPU than one run back to back (photo-hd grey: 17.9 → 22.4 ms at
// 22 per second, measured here). Only node: APIs that Bun and Deno also provide. Errors: a message on stderr, exit 1
// (2 for a usage error).

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { parseConfig, parseOptions } from '@rtip/contract';
import type * as Pool from '../src/pipeline/pool.js';
import type * as Release from '../src/pipeline/release.js';

const USAGE =
  'usage: pipeline-cpu --image FILE [--query Q] [--iterations N ≥ 1] [--warmup W ≥ 0] [--rate R ≥ 0]';

class UsageError extends Error {}

/** A whole number ≥ `min` from an option's text, or a UsageError naming the option. */
function count(name: string, text: string, min: number): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < min) {
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** A rate in images per second (0 to 10 000, decimals allowed), or a UsageError. */
function perSecond(text: string): number {
  const rate = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || !(rate <= 10_000)) {
    throw new UsageError(
      `--rate must be a number of images per second from 0 to 10000, got ${JSON.stringify(text)}`,
    );
  }
  return rate;
}

interface ProbeArgs {
  image: string;
  query: string;
  iterations: number;
  warmup: number;
  /** Images started per second; 0: back to back. */
  rate: number;
}

function parseProbeArgs(args: string[]): ProbeArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        image: { type: 'string' },
        query: { type: 'string', default: '' },
        iterations: { type: 'string', default: '20' },
        warmup: { type: 'string', default: '3' },
        rate: { type: 'string', default: '0' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const image = values.image;
  if (typeof image !== 'string' || image === '') throw new UsageError('--image is required');
  return {
    image,
    query: String(values.query),
    iterations: count('iterations', String(values.iterations), 1),
    warmup: count('warmup', String(values.warmup), 0),
    rate: perSecond(String(values.rate)),
  };
}

/** The built module `path` (relative to this file), or a message saying to build first. */
async function built<T>(path: string): Promise<T> {
  const url = new URL(path, import.meta.url);
  try {
    return (await import(url.href)) as T;
  } catch (err) {
    throw new Error(`cannot load ${url.pathname} (build first: pnpm build): ${(err as Error).message}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const args = parseProbeArgs(argv);
  const parsed = parseOptions(new URLSearchParams(args.query));
  if (!parsed.ok) throw new Error(`--query: ${parsed.error.message}`);
  const config = parseConfig(process.env, { port: 0, cpus: 1 });
  if (!config.ok) throw new Error(`invalid configuration: ${config.errors.join('; ')}`);
  const input = readFileSync(args.image);

  // Through the service's own pool (one worker thread, which applies the service's sharp settings), as a request's
  // image goes: the pipeline's JS runs where it runs in the service (a worker's JIT and heap, not the main
  // thread's), with the hand-off to and from the worker. The process's CPU counts every thread.
  const { PipelinePool } = await built<typeof Pool>('../dist/pipeline/pool.js');
  const { release } = await built<typeof Release>('../dist/pipeline/release.js');
  const pool = new PipelinePool(1);
  await pool.start();
  const limits = { maxInputPixels: config.config.maxInputPixels };
  // Each image as a request's own copy, moved to the worker (the service moves the body it read).
  const once = async () => {
    const image = await pool.process(Buffer.from(input), parsed.options, limits, undefined, true);
    release(image.data); // as the service does once the answer is written
  };

  for (let i = 0; i < args.warmup; i++) await once();
  let wall = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < args.iterations; i++) {
    const wait = args.rate > 0 ? start + (i / args.rate) * 1000 - performance.now() : 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const began = performance.now();
    await once();
    wall += performance.now() - began;
  }
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  const round = (ms: number) => Math.round((ms / args.iterations) * 1000) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      implementation: 'ts',
      image: basename(args.image),
      query: args.query,
      iterations: args.iterations,
      rate: args.rate,
      cpuMsPerImage: round((cpu.user + cpu.system) / 1000),
      wallMsPerImage: round(wall),
    })}\n`,
  );
}

try {
  await main(process.argv.slice(2));
} catch (err) {
  const usage = err instanceof UsageError;
  process.stderr.write(`pipeline-cpu: ${(err as Error).message}${usage ? `\n${USAGE}` : ''}\n`);
  process.exitCode = usage ? 2 : 1;
}
