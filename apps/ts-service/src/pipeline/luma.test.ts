import { describe, expect, it } from 'vitest';
import { LUMA_SLICE_PIXELS, lumaSync, toLuma } from './luma.js';

/**
 * The exact Rec.601 luma, round(0.299 R + 0.587 G + 0.114 B) with halves up, in integers only: the weighted sum
 * is in thousandths of a level, so no float (and none of the implementation's tricks) is involved.
 */
function reference(r: number, g: number, b: number): number {
  const sum = 299 * r + 587 * g + 114 * b;
  const rest = sum % 1000;
  return (sum - rest) / 1000 + (rest >= 500 ? 1 : 0);
}

const COLOURS = 1 << 24;
const alphaOf = (c: number) => (c * 7) & 255;

/** Every 8-bit RGB colour once (colour c is R = c >> 16, G = c >> 8 & 255, B = c & 255), `offset` bytes in. */
function allColours(channels: 3 | 4, offset = 0): Buffer {
  const src = Buffer.from(new ArrayBuffer(offset + COLOURS * channels), offset);
  for (let c = 0, i = 0; c < COLOURS; c++, i += channels) {
    src[i] = c >> 16;
    src[i + 1] = (c >> 8) & 255;
    src[i + 2] = c & 255;
    if (channels === 4) src[i + 3] = alphaOf(c);
  }
  return src;
}

/** Compares a conversion of allColours() with the reference: colours wrong, exact halves among the checked. */
function compare(out: Uint8Array, channels: 3 | 4) {
  const step = channels === 4 ? 2 : 1;
  let wrong = 0;
  let ties = 0;
  for (let c = 0; c < COLOURS; c++) {
    const r = c >> 16;
    const g = (c >> 8) & 255;
    const b = c & 255;
    if ((299 * r + 587 * g + 114 * b) % 1000 === 500) ties++;
    if (out[c * step] !== reference(r, g, b)) wrong++;
    if (step === 2 && out[c * 2 + 1] !== alphaOf(c)) wrong++;
  }
  return { wrong, ties, length: out.length };
}

describe('Rec.601 luma on all 16,777,216 8-bit colours, exact', () => {
  // Each code path the service can take: the word loop needs 4-byte alignment, the byte loop takes the rest,
  // RGBA has a loop of its own, and the pipeline runs toLuma in slices, in place over its decode.
  it.each([
    ['RGB, word loop (aligned)', 3, () => lumaSync(allColours(3), 3)],
    ['RGB, byte loop (source 1 byte off alignment)', 3, () => lumaSync(allColours(3, 1), 3)],
    ['RGBA, alpha kept', 4, () => lumaSync(allColours(4), 4)],
    [
      'RGB, in place and in slices, as the pipeline runs it',
      3,
      () => toLuma(allColours(3), 3, undefined, true),
    ],
  ] as const)('%s', async (_name, channels, convert) => {
    const out = await convert();
    expect(compare(out, channels)).toEqual({
      wrong: 0,
      ties: 16_782,
      length: COLOURS * (channels === 4 ? 2 : 1),
    });
  });

  it('rounds the 16,782 exact halves (luma = k + 0.5) up, where float rounding fails on 3,464 of them', () => {
    let ties = 0;
    let floatWrong = 0;
    for (let c = 0; c < COLOURS; c++) {
      const r = c >> 16;
      const g = (c >> 8) & 255;
      const b = c & 255;
      const sum = 299 * r + 587 * g + 114 * b;
      if (sum % 1000 !== 500) continue;
      ties++;
      expect(reference(r, g, b)).toBe((sum + 500) / 1000);
      if (Math.round(0.299 * r + 0.587 * g + 0.114 * b) !== (sum + 500) / 1000) floatWrong++;
    }
    expect([ties, floatWrong]).toEqual([16_782, 3_464]);
    // For example (1, 37, 13): exactly 23.5, but 23.499999999999996 in floats, which Math.round takes to 23.
    expect(0.299 * 1 + 0.587 * 37 + 0.114 * 13).toBe(23.499999999999996);
    // (1, 37, 13) → 24, (0, 0, 250) = 28.5 → 29, (2, 38, 14) = 24.5 → 25, and (1, 1, 0) = 0.886 → 1.
    expect([...lumaSync(Uint8Array.from([1, 37, 13, 0, 0, 250, 2, 38, 14, 1, 1, 0]), 3)]).toEqual([
      24, 29, 25, 1,
    ]);
  });
});

describe('Rec.601 luma', () => {
  it('gives the same result in slices as in one go, across several slices', async () => {
    const n = LUMA_SLICE_PIXELS * 2 + 123;
    const src = new Uint8Array(n * 3);
    for (let i = 0; i < src.length; i++) src[i] = (i * 2654435761) >>> 24;
    expect((await toLuma(src, 3)).equals(lumaSync(src, 3))).toBe(true);
  });

  it('gives the same result in place (over the start of the source), RGB and RGBA', async () => {
    for (const channels of [3, 4] as const) {
      const n = LUMA_SLICE_PIXELS + 4099;
      const src = Buffer.from(new ArrayBuffer(n * channels));
      for (let i = 0; i < src.length; i++) src[i] = (i * 2654435761) >>> 24;
      const expected = lumaSync(src, channels);
      expect((await toLuma(src, channels, undefined, true)).equals(expected)).toBe(true);
    }
  });

  it('stops between slices once aborted', async () => {
    const controller = new AbortController();
    const src = new Uint8Array(LUMA_SLICE_PIXELS * 3 * 3);
    const run = toLuma(src, 3, controller.signal);
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('Rec.601 luma fast path', () => {
  it('agrees with the byte loop for every alignment and tail length', () => {
    const base = new Uint8Array(3 * 64 + 16);
    for (let i = 0; i < base.length; i++) base[i] = (i * 97 + 13) & 255;
    for (const offset of [0, 1, 4]) {
      for (const pixels of [0, 1, 3, 4, 5, 8, 63]) {
        const src = base.subarray(offset, offset + pixels * 3);
        const out = lumaSync(src, 3);
        for (let i = 0; i < pixels; i++) {
          expect(out[i]).toBe(
            reference(src[i * 3] as number, src[i * 3 + 1] as number, src[i * 3 + 2] as number),
          );
        }
      }
    }
  });
});
