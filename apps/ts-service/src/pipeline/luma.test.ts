import { describe, expect, it } from 'vitest';
import { LUMA_SLICE_PIXELS, lumaSync, toLuma } from './luma.js';

const exact = (r: number, g: number, b: number) => Math.floor((299 * r + 587 * g + 114 * b + 500) / 1000);

describe('Rec.601 luma', () => {
  it('is round(0.299 R + 0.587 G + 0.114 B), halves up, for all 16,777,216 8-bit colours', () => {
    const src = new Uint8Array(256 * 256 * 256 * 3);
    for (let c = 0, i = 0; c < 256 * 256 * 256; c++, i += 3) {
      src[i] = c >> 16;
      src[i + 1] = (c >> 8) & 255;
      src[i + 2] = c & 255;
    }
    const out = lumaSync(src, 3);
    let wrong = 0;
    let ties = 0;
    for (let c = 0; c < out.length; c++) {
      const r = c >> 16;
      const g = (c >> 8) & 255;
      const b = c & 255;
      const sum = 299 * r + 587 * g + 114 * b; // thousandths of a level
      if (sum % 1000 === 500) {
        ties++;
        if (out[c] !== (sum + 500) / 1000) wrong++; // an exact half goes up
      } else if (out[c] !== exact(r, g, b)) wrong++;
    }
    expect(wrong).toBe(0);
    expect(ties).toBe(16_782); // every exact half among the 8-bit colours was checked
    expect([out[0], out[out.length - 1]]).toEqual([0, 255]);
  });

  it('keeps alpha as the second channel', () => {
    const out = lumaSync(Uint8Array.from([255, 255, 255, 7, 0, 0, 0, 200]), 4);
    expect([...out]).toEqual([255, 7, 0, 200]);
  });

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
            exact(src[i * 3] as number, src[i * 3 + 1] as number, src[i * 3 + 2] as number),
          );
        }
      }
    }
  });
});
