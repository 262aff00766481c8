// How far apart two pictures are, sample by sample: PSNR, mean absolute error and the largest difference.

export interface Distance {
  /** dB; Infinity when the samples are equal. */
  psnr: number;
  /** Mean absolute error in 8-bit levels. */
  mae: number;
  maxDiff: number;
}

/** Distance of two 8-bit sample buffers of the same length (same size, channels and layout). */
export function distance(a: Uint8Array, b: Uint8Array): Distance {
  if (a.length !== b.length) throw new Error(`cannot compare ${a.length} samples with ${b.length}`);
  let squared = 0;
  let absolute = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    squared += d * d;
    absolute += d;
    if (d > maxDiff) maxDiff = d;
  }
  const mse = squared / a.length;
  return {
    psnr: mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse),
    mae: absolute / a.length,
    maxDiff,
  };
}
