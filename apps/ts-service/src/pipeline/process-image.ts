// The image pipeline: bytes + options in, encoded picture out. Knows nothing about HTTP.
//
// Three steps, each timed for Server-Timing:
// - decode: read the header (pixel limit before any pixel is decoded), then one libvips pass that decodes,
//   auto-orients, rotates, mirrors and resizes into raw 8-bit pixels. libvips fuses these (and JPEG
//   shrink-on-load makes the decoder do part of the resize), so they cannot be timed apart honestly;
// - transform: exact Rec.601 luma in JS (0 for colour output);
// The service runs it on a worker thread (pool.ts); the pipeline probe (bench/pipeline-cpu.ts) and tests call it
// in their own thread.
// - encode: a second libvips pass from the raw pixels to JPEG/PNG.

import {
  ContractError,
  OUTPUT_CONTENT_TYPES,
  type OutputFormat,
  orientedSize,
  type ProcessOptions,
  planResize,
  type ResizePlan,
} from '@rtip/contract';
import sharp, { type Sharp } from 'sharp';
import { toContractError } from './errors.js';
import { toLuma } from './luma.js';
import { release } from './release.js';

export interface PipelineLimits {
  maxInputPixels: number;
}

export interface StageTimings {
  decode: number;
  transform: number;
  encode: number;
}

export interface ProcessedImage {
  data: Buffer;
  contentType: (typeof OUTPUT_CONTENT_TYPES)[OutputFormat];
  width: number;
  height: number;
  channels: number;
  /** Milliseconds per stage. */
  timings: StageTimings;
}

/** JPEG encoder settings: baseline, 4:2:0, standard Huffman tables (as cjpeg and Go's encoder), no mozjpeg. */
const JPEG_ENCODING = {
  progressive: false,
  chromaSubsampling: '4:2:0',
  optimiseCoding: false,
  mozjpeg: false,
} as const;

/** PNG encoder settings: zlib level 6 (Go's default level too), no palette quantisation. */
const PNG_ENCODING = { compressionLevel: 6, adaptiveFiltering: false, palette: false } as const;

const WHITE = { r: 255, g: 255, b: 255 };

const tooLarge = (what: string) =>
  new ContractError('IMAGE_TOO_LARGE', `${what} has more pixels than this server accepts.`);

async function step<T>(stage: 'header' | 'decode' | 'encode', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toContractError(err, stage);
  }
}

/**
 * The libvips geometry pass. sharp applies flip and flop *before* a right-angle rotation, while the contract
 * mirrors after rotating; for 90/270 a vertical flip after the turn is a horizontal one before it, so the
 * two are swapped. resize() is always called (a no-op at the same size) so that sharp orients, rotates and
 * mirrors before resizing, and the exact planned size is given with fit 'fill' so both services agree.
 */
function geometry(image: Sharp, options: ProcessOptions, plan: ResizePlan): Sharp {
  const quarterTurn = options.rotate === 90 || options.rotate === 270;
  if (options.rotate !== 0) image.rotate(options.rotate);
  const flip = quarterTurn ? options.flop : options.flip;
  const flop = quarterTurn ? options.flip : options.flop;
  if (flip) image.flip();
  if (flop) image.flop();
  image.resize(plan.scaledWidth, plan.scaledHeight, { fit: 'fill', kernel: 'lanczos3' });
  if (plan.width !== plan.scaledWidth || plan.height !== plan.scaledHeight) {
    image.extract({ left: plan.cropLeft, top: plan.cropTop, width: plan.width, height: plan.height });
  }
  return image;
}

/**
 * Processes one image. `signal` aborts between steps (sharp work in flight cannot be cancelled; the caller
 * must count it as running until this promise settles).
 */
export async function processImage(
  input: Buffer,
  options: ProcessOptions,
  limits: PipelineLimits,
  signal?: AbortSignal,
): Promise<ProcessedImage> {
  const started = performance.now();

  // Header only. sharp's own pixel guard would throw a generic error on a bomb: it is off here and the
  // contract's limit is checked below, before any pixel is decoded.
  const meta = await step('header', () => sharp(input, { limitInputPixels: false }).metadata());
  const srcWidth = meta.width;
  const srcHeight = meta.height;
  if (!srcWidth || !srcHeight) throw toContractError(new Error('no dimensions in header'), 'header');
  if (srcWidth * srcHeight > limits.maxInputPixels) throw tooLarge('The image');

  const oriented = orientedSize(srcWidth, srcHeight, meta.orientation ?? 1, options.rotate);
  const plan = planResize(oriented.width, oriented.height, options);
  // The scaled intermediate is bounded too: cover with enlarge can scale far beyond the final crop.
  if (
    plan.width * plan.height > limits.maxInputPixels ||
    plan.scaledWidth * plan.scaledHeight > limits.maxInputPixels
  ) {
    throw tooLarge('The planned output');
  }
  signal?.throwIfAborted();

  const keepAlpha = meta.hasAlpha && options.format === 'png';
  const greyInput = meta.space === 'b-w' || meta.space === 'grey16';
  const pass1 = geometry(
    sharp(input, { failOn: 'warning', limitInputPixels: limits.maxInputPixels, autoOrient: true, pages: 1 }),
    options,
    plan,
  );
  if (meta.hasAlpha && !keepAlpha) pass1.flatten({ background: WHITE });
  // Output space: grey input stays one channel for grey output; everything else (CMYK included) is sRGB.
  pass1.toColourspace(options.grayscale && greyInput ? 'b-w' : 'srgb');
  const raw = await step('decode', () => pass1.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
  const decoded = performance.now();
  signal?.throwIfAborted();

  let pixels: Buffer = raw.data;
  let channels = raw.info.channels;
  if (options.grayscale && (channels === 3 || channels === 4)) {
    // In place: the RGB decode is not needed afterwards (saves a zero-filled multi-MB allocation).
    pixels = await toLuma(raw.data, channels, signal, true);
    channels = channels === 4 ? 2 : 1;
  }
  const transformed = performance.now();
  signal?.throwIfAborted();

  const { width, height } = raw.info;
  const pass2 = sharp(pixels, { raw: { width, height, channels } });
  // Without an explicit b-w space sharp would encode a one-channel buffer as a three-channel JPEG.
  if (channels <= 2) pass2.toColourspace('b-w');
  if (options.format === 'jpeg') pass2.jpeg({ quality: options.quality, ...JPEG_ENCODING });
  else pass2.png(PNG_ENCODING);
  let data: Buffer;
  try {
    data = await step('encode', () => pass2.toBuffer());
  } finally {
    // sharp is done with the raw pixels once the encode settles: give their megabytes back now, not at the next
    // garbage collection, which V8 would otherwise start for them (external memory) every few images.
    release(raw.data);
  }
  const encoded = performance.now();

  return {
    data,
    contentType: OUTPUT_CONTENT_TYPES[options.format],
    width,
    height,
    channels: options.format === 'jpeg' ? (channels <= 2 ? 1 : 3) : channels,
    timings: {
      decode: decoded - started,
      transform: transformed - decoded,
      encode: encoded - transformed,
    },
  };
}
