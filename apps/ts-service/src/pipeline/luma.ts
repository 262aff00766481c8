// Exact Rec.601 luma, Y = round(0.299 R + 0.587 G + 0.114 B), on 8-bit sRGB pixels.
//
// sharp's grayscale() is linear-light luminance (a different grey), and a libvips recomb is exact but
// ~2x slower than this loop (measured in the README), so the luma is computed here in JS. The loop runs on the
// event loop, so `toLuma` works in slices and yields between them: no slice blocks other requests for long.

/** Integer Rec.601 in thousandths: DIV[299R + 587G + 114B] = round((299R + 587G + 114B) / 1000), half up. */
const DIV = new Uint8Array(255 * 1000 + 1);
for (let t = 0; t < DIV.length; t++) DIV[t] = Math.floor((t + 500) / 1000);

/** Pixels per slice: ~0.5 ms of work on this machine, so the event loop is never held much longer. */
export const LUMA_SLICE_PIXELS = 1 << 18;

/**
 * Converts pixels [from, to) of `src` (RGB or RGBA, `channels` 3 or 4) into `out`
 * (grey, or grey+alpha when the source has alpha).
 */
export function lumaRange(src: Uint8Array, channels: 3 | 4, out: Uint8Array, from: number, to: number): void {
  if (channels === 3) {
    for (let i = from, j = from * 3; i < to; i++, j += 3) {
      out[i] = DIV[
        299 * (src[j] as number) + 587 * (src[j + 1] as number) + 114 * (src[j + 2] as number)
      ] as number;
    }
    return;
  }
  for (let i = from, j = from * 4, k = from * 2; i < to; i++, j += 4, k += 2) {
    out[k] = DIV[
      299 * (src[j] as number) + 587 * (src[j + 1] as number) + 114 * (src[j + 2] as number)
    ] as number;
    out[k + 1] = src[j + 3] as number;
  }
}

/** Synchronous whole-image conversion (reference for tests and benchmarks). */
export function lumaSync(src: Uint8Array, channels: 3 | 4): Buffer {
  const pixels = src.length / channels;
  const out = Buffer.allocUnsafe(pixels * (channels === 4 ? 2 : 1));
  lumaRange(src, channels, out, 0, pixels);
  return out;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The same conversion in slices of LUMA_SLICE_PIXELS, yielding to the event loop between slices and
 * stopping early when `signal` is aborted.
 */
export async function toLuma(src: Uint8Array, channels: 3 | 4, signal?: AbortSignal): Promise<Buffer> {
  const pixels = src.length / channels;
  const out = Buffer.allocUnsafe(pixels * (channels === 4 ? 2 : 1));
  for (let from = 0; from < pixels; from += LUMA_SLICE_PIXELS) {
    if (from > 0) {
      await yieldToLoop();
      signal?.throwIfAborted();
    }
    lumaRange(src, channels, out, from, Math.min(pixels, from + LUMA_SLICE_PIXELS));
  }
  return out;
}
