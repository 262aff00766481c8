// Decodes answers and measures how far two pictures are apart (PSNR, MAE), held to the contract's equivalence bars.

import { type EquivalenceBar, equivalenceBar } from '@rtip/contract';
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

/** The bar a case must pass: the contract's one table (packages/contract/src/equivalence.ts). */
export type Bound = EquivalenceBar;
export const boundFor = equivalenceBar;
