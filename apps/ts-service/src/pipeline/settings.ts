// sharp's process-wide settings, the same for the service (index.ts) and the pipeline probe (bench/pipeline-cpu.ts).

import sharp from 'sharp';

/**
 * One libvips thread per image: parallelism comes from CONCURRENCY images at once on libuv's pool, which keeps
 * per-request CPU predictable. No operation cache: every input is new, a cache only holds memory.
 */
export function configureSharp(): void {
  sharp.concurrency(1);
  sharp.cache(false);
}
