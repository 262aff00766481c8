// Decodes answers and measures how far two pictures are apart (PSNR, MAE), held to the contract's equivalence bars.

import { type EquivalenceBar, equivalenceBar } from '@rtip/contract';
import { type Distance, distance as sampleDistance } from '@rtip/testkit';
import sharp from 'sharp';

export type { Distance };

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

/** PSNR in dB (Infinity when equal), mean absolute error and largest difference over every sample. */
export function distance(a: Decoded, b: Decoded): Distance {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(
      `cannot compare ${a.width}×${a.height}×${a.channels} with ${b.width}×${b.height}×${b.channels}`,
    );
  }
  return sampleDistance(a.pixels, b.pixels);
}

/** The bar a case must pass: the contract's one table (packages/contract/src/equivalence.ts). */
export type Bound = EquivalenceBar;
export const boundFor = equivalenceBar;
