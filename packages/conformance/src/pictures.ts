// Decodes answers and measures how far two pictures are apart (PSNR, MAE), per DESIGN.md §3.

import sharp from 'sharp';

export interface Decoded {
  format: string;
  width: number;
  height: number;
  /** Channels stored in the file: JPEG components, or PNG gray / gray+alpha / RGB / RGBA. */
  channels: number;
  /** Samples as sRGB (gray expanded to three equal channels), so any two answers compare sample by sample. */
  pixels: Buffer;
}

export async function decode(bytes: Uint8Array): Promise<Decoded> {
  const image = sharp(bytes);
  const meta = await image.metadata();
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return {
    format: meta.format ?? 'unknown',
    width: info.width,
    height: info.height,
    channels: meta.channels ?? info.channels,
    pixels: data,
  };
}

export interface Distance {
  psnr: number;
  mae: number;
  maxDiff: number;
}

/** PSNR in dB (Infinity when equal) and mean absolute error in 8-bit levels over every sample. */
export function distance(a: Decoded, b: Decoded): Distance {
  if (
    a.width !== b.width ||
    a.height !== b.height ||
    a.channels !== b.channels ||
    a.pixels.length !== b.pixels.length
  ) {
    throw new Error(
      `cannot compare ${a.width}×${a.height}×${a.channels} with ${b.width}×${b.height}×${b.channels}`,
    );
  }
  let squared = 0;
  let absolute = 0;
  let maxDiff = 0;
  const n = a.pixels.length;
  for (let i = 0; i < n; i++) {
    const d = Math.abs((a.pixels[i] as number) - (b.pixels[i] as number));
    squared += d * d;
    absolute += d;
    if (d > maxDiff) maxDiff = d;
  }
  const mse = squared / n;
  return {
    psnr: mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse),
    mae: absolute / n,
    maxDiff,
  };
}

export interface Bound {
  kind: string;
  minPsnr: number;
  maxMae: number;
}

/**
 * The bar a case must pass (DESIGN.md §3): CMYK input ≥ 25 dB; any resampling ≥ 30 dB; grayscale of an
 * RGB/YCbCr input without resampling ≥ 45 dB and MAE ≤ 1. Two cases are not named there and get 35 dB, the
 * distance of two JPEG encoders (Go's and libjpeg-turbo's) given identical pixels, stricter than resampling's:
 * colour output without resampling, and a single-component input (no grey is computed; measured 38.9 dB
 * between Go's encoder and libjpeg-turbo's on photo-gray.jpg, where the TS answer equals PIL's byte for byte).
 */
export function boundFor(fixture: string, query: string): Bound {
  const params = new URLSearchParams(query);
  if (fixture === 'photo-cmyk.jpg') return { kind: 'cmyk', minPsnr: 25, maxMae: Number.POSITIVE_INFINITY };
  if (params.has('width') || params.has('height'))
    return { kind: 'resample', minPsnr: 30, maxMae: Number.POSITIVE_INFINITY };
  // A single-component input has no grey to compute: only the two JPEG codecs differ, as for colour.
  if (fixture === 'photo-gray.jpg')
    return { kind: 'gray input', minPsnr: 35, maxMae: Number.POSITIVE_INFINITY };
  const gray = !['false', '0'].includes(params.get('grayscale') ?? 'true');
  return gray
    ? { kind: 'gray', minPsnr: 45, maxMae: 1 }
    : { kind: 'colour', minPsnr: 35, maxMae: Number.POSITIVE_INFINITY };
}
