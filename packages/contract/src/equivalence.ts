// Picture equivalence: how close two implementations' answers to the same request must be. One table, read by the
// conformance suite's equivalence matrix and by the benchmark's pre-flight.

export interface EquivalenceBar {
  kind: 'cmyk' | 'resample' | 'gray input' | 'gray' | 'colour';
  /** Lowest PSNR (dB) between the two decoded answers. */
  minPsnr: number;
  /** Highest mean absolute error (levels of 255); Infinity where PSNR alone is the bar. */
  maxMae: number;
}

/**
 * Why these numbers:
 * - CMYK input, 25 dB: CMYK→sRGB conversion differs between colour engines (an ICC transform or the naive formula).
 * - Any resampling, 30 dB: kernels, their windows and the pre-shrink differ between libraries.
 * - Grayscale of an RGB/YCbCr input without resampling, 45 dB and MAE ≤ 1: the grey is exact Rec.601 on both
 *   sides; what remains is the decoders' chroma upsampling and the JPEG encoders' rounding.
 * - Colour output without resampling, and a single-component input (no grey is computed), 35 dB: the distance of
 *   two JPEG encoders given identical pixels (measured 38.9 dB between Go's encoder and libjpeg-turbo's on
 *   photo-gray.jpg).
 */
export function equivalenceBar(fixture: string, query: string): EquivalenceBar {
  const params = new URLSearchParams(query);
  if (fixture === 'photo-cmyk.jpg') return { kind: 'cmyk', minPsnr: 25, maxMae: Number.POSITIVE_INFINITY };
  if (params.has('width') || params.has('height'))
    return { kind: 'resample', minPsnr: 30, maxMae: Number.POSITIVE_INFINITY };
  if (fixture === 'photo-gray.jpg')
    return { kind: 'gray input', minPsnr: 35, maxMae: Number.POSITIVE_INFINITY };
  const gray = !['false', '0'].includes(params.get('grayscale') ?? 'true');
  return gray
    ? { kind: 'gray', minPsnr: 45, maxMae: 1 }
    : { kind: 'colour', minPsnr: 35, maxMae: Number.POSITIVE_INFINITY };
}
