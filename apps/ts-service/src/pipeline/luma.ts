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
  if (channels === 4) {
    for (let i = from, j = from * 4, k = from * 2; i < to; i++, j += 4, k += 2) {
      out[k] = DIV[
        299 * (src[j] as number) + 587 * (src[j + 1] as number) + 114 * (src[j + 2] as number)
      ] as number;
      out[k + 1] = src[j + 3] as number;
    }
    return;
  }
  let i = from;
  if (from % 4 === 0 && src.byteOffset % 4 === 0 && out.byteOffset % 4 === 0)
    i = rgbWords(src, out, from, to);
  for (let j = i * 3; i < to; i++, j += 3) {
    out[i] = DIV[
      299 * (src[j] as number) + 587 * (src[j + 1] as number) + 114 * (src[j + 2] as number)
    ] as number;
  }
}

/**
 * The RGB fast path: four pixels (three little-endian 32-bit words) in, one word out per step; about a third
 * faster than byte loads (see README). Returns the first pixel it did not convert.
 */
function rgbWords(src: Uint8Array, out: Uint8Array, from: number, to: number): number {
  const words = new Uint32Array(src.buffer, src.byteOffset, src.byteLength >>> 2);
  const outWords = new Uint32Array(out.buffer, out.byteOffset, out.byteLength >>> 2);
  const end = from + ((to - from) & ~3);
  for (let i = from, q = from >>> 2, k = (from * 3) >>> 2; i < end; i += 4, q++, k += 3) {
    const a = words[k] as number;
    const b = words[k + 1] as number;
    const c = words[k + 2] as number;
    const y0 = DIV[299 * (a & 255) + 587 * ((a >>> 8) & 255) + 114 * ((a >>> 16) & 255)] as number;
    const y1 = DIV[299 * (a >>> 24) + 587 * (b & 255) + 114 * ((b >>> 8) & 255)] as number;
    const y2 = DIV[299 * ((b >>> 16) & 255) + 587 * (b >>> 24) + 114 * (c & 255)] as number;
    const y3 = DIV[299 * ((c >>> 8) & 255) + 587 * ((c >>> 16) & 255) + 114 * (c >>> 24)] as number;
    outWords[q] = y0 | (y1 << 8) | (y2 << 16) | (y3 << 24);
  }
  return end;
}

/** Synchronous whole-image conversion (reference for tests and benchmarks). */
export function lumaSync(src: Uint8Array, channels: 3 | 4): Buffer {
  const pixels = src.length / channels;
  const out = newBuffer(pixels * (channels === 4 ? 2 : 1));
  lumaRange(src, channels, out, 0, pixels);
  return out;
}

/** A buffer on its own ArrayBuffer (offset 0, so word access is aligned), not from Node's shared pool. */
const newBuffer = (size: number): Buffer => Buffer.from(new ArrayBuffer(size));

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The same conversion in slices of LUMA_SLICE_PIXELS, yielding to the event loop between slices and
 * stopping early when `signal` is aborted.
 */
export async function toLuma(src: Uint8Array, channels: 3 | 4, signal?: AbortSignal): Promise<Buffer> {
  const pixels = src.length / channels;
  const out = newBuffer(pixels * (channels === 4 ? 2 : 1));
  for (let from = 0; from < pixels; from += LUMA_SLICE_PIXELS) {
    if (from > 0) {
      await yieldToLoop();
      signal?.throwIfAborted();
    }
    lumaRange(src, channels, out, from, Math.min(pixels, from + LUMA_SLICE_PIXELS));
  }
  return out;
}
