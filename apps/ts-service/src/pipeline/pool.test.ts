import { ContractError, DEFAULT_OPTIONS, type ProcessOptions } from '@rtip/contract';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/helpers.js';
import { PipelinePool, workerScript } from './pool.js';
import { processImage } from './process-image.js';
import { ownsItsMemory, release } from './release.js';

const LIMITS = { maxInputPixels: 50_000_000 };
const opts = (o: Partial<ProcessOptions> = {}): ProcessOptions => ({ ...DEFAULT_OPTIONS, ...o });
/** A copy on memory of its own: fixture() buffers are cached and shared, never to be given away. */
const own = (name: string): Buffer => Buffer.from(new Uint8Array(fixture(name)).buffer);

const pool = new PipelinePool(2);
afterAll(() => pool.close());

/** The rejection of `p` (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('resolved'),
    (err: unknown) => err,
  );
}

describe('PipelinePool', () => {
  it('runs the built worker: dist/ from the TypeScript source, the sibling worker.js once built', () => {
    expect(workerScript('file:///x/src/pipeline/pool.ts').pathname).toBe('/x/dist/pipeline/worker.js');
    expect(workerScript('file:///x/dist/pipeline/pool.js').pathname).toBe('/x/dist/pipeline/worker.js');
  });

  it.each([
    ['photo-hd.jpg', opts()],
    ['photo-hd.jpg', opts({ width: 800 })],
    ['photo.png', opts({ grayscale: false, format: 'png' })],
    ['alpha.png', opts({ format: 'png' })],
    ['photo-exif-rotate-6.jpg', opts({ rotate: 90, flip: true, width: 300, height: 300, fit: 'cover' })],
  ])('answers %s %o byte for byte as processImage does in this thread', async (name, options) => {
    const here = await processImage(fixture(name), options, LIMITS);
    const there = await pool.process(fixture(name), options, LIMITS);
    expect(there.data.equals(here.data)).toBe(true);
    expect({ ...there, data: undefined, timings: undefined }).toEqual({
      ...here,
      data: undefined,
      timings: undefined,
    });
    expect(Object.keys(there.timings).sort()).toEqual(['decode', 'encode', 'transform']);
  });

  it('moves an owned upload to the worker (detached here) and copies one it does not own', async () => {
    const owned = own('photo-small.jpg');
    await pool.process(owned, opts(), LIMITS, undefined, true);
    expect(owned.byteLength).toBe(0);

    const shared = fixture('photo-small.jpg');
    const before = Buffer.from(shared);
    await pool.process(shared, opts(), LIMITS);
    expect(shared.equals(before)).toBe(true);

    // A view into a larger body (a multipart part) moves its whole ArrayBuffer; Node's pool is copied.
    const body = Buffer.concat([Buffer.from('preamble'), fixture('photo-small.jpg')]);
    const part = body.subarray(8);
    const moved = await pool.process(part, opts(), LIMITS, undefined, true);
    expect(body.byteLength).toBe(0);
    expect(moved.width).toBe(640);
    const pooled = Buffer.from('not an image at all');
    const err = await failure(pool.process(pooled, opts(), LIMITS, undefined, true));
    expect((err as ContractError).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(pooled.toString()).toBe('not an image at all');
  });

  it('gives the answer on memory of its own (the caller may release it)', async () => {
    const image = await pool.process(fixture('photo-small.jpg'), opts(), LIMITS);
    expect(ownsItsMemory(image.data)).toBe(true);
    release(image.data);
    expect(image.data.byteLength).toBe(0);
  });

  it.each([
    ['truncated.jpg', opts(), 'UNDECODABLE_IMAGE'],
    ['photo-hd.jpg', opts({ width: 8000, height: 8000, fit: 'cover', enlarge: true }), 'IMAGE_TOO_LARGE'],
    ['header-60000x60000.jpg', opts(), 'IMAGE_TOO_LARGE'],
  ] as const)('fails %s with the same ContractError as in this thread (%s)', async (name, options, code) => {
    const here = await failure(processImage(fixture(name), options, LIMITS));
    const there = await failure(pool.process(fixture(name), options, LIMITS));
    expect(there).toBeInstanceOf(ContractError);
    expect((there as ContractError).code).toBe(code);
    expect((there as ContractError).detail).toBe((here as ContractError).detail);
  });

  it('rejects with the signal reason, at once when already aborted, else when the worker stops', async () => {
    const before = new AbortController();
    before.abort(new Error('gone'));
    await expect(pool.process(fixture('photo-hd.jpg'), opts(), LIMITS, before.signal)).rejects.toThrow(
      'gone',
    );

    const during = new AbortController();
    const work = pool.process(fixture('photo-12mp.jpg'), opts(), LIMITS, during.signal);
    setTimeout(() => during.abort(new Error('deadline')), 5);
    await expect(work).rejects.toThrow('deadline');

    // The worker is free for the next image.
    expect((await pool.process(fixture('photo-small.jpg'), opts(), LIMITS)).width).toBe(640);
  });

  it('starts at most `size` workers, however many images overlap', async () => {
    const small = new PipelinePool(2);
    try {
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => small.process(fixture('photo-small.jpg'), opts(), LIMITS)),
      );
      expect(answers.map((a) => a.width)).toEqual([640, 640, 640, 640, 640]);
      expect(small.workers).toBe(2);
    } finally {
      await small.close();
    }
    expect(small.workers).toBe(0);
  });

  it('start() brings every worker up; close() fails what runs and the pool starts again on demand', async () => {
    const p = new PipelinePool(2);
    await p.start();
    expect(p.workers).toBe(2);
    // Its failure is awaited from the start: close() rejects it before the next line runs.
    const running = failure(p.process(fixture('photo-12mp.jpg'), opts(), LIMITS));
    await p.close();
    const err = await running;
    expect((err as ContractError).code).toBe('INTERNAL');
    expect((await p.process(fixture('photo-small.jpg'), opts(), LIMITS)).width).toBe(640);
    await p.close();
  });
});

describe('release', () => {
  it('detaches the whole ArrayBuffer once, and tells a whole buffer from a view', () => {
    const whole = Buffer.from(new ArrayBuffer(16));
    const view = whole.subarray(4);
    expect(ownsItsMemory(whole)).toBe(true);
    expect(ownsItsMemory(view)).toBe(false);
    release(view);
    expect(whole.byteLength).toBe(0);
    expect(() => release(whole)).not.toThrow();
  });
});
