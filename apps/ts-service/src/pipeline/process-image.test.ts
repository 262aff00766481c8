import { DEFAULT_OPTIONS, type ProcessOptions, type Rotation } from '@rtip/contract';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture } from '../test/helpers.js';
import { processImage } from './process-image.js';

const LIMITS = { maxInputPixels: 50_000_000 };
const opts = (o: Partial<ProcessOptions>): ProcessOptions => ({ ...DEFAULT_OPTIONS, ...o });

/** A W×H RGB image whose pixel (x, y) is (x·20, y·30, 200 − x − y): every pixel tells where it came from. */
function coordinateImage(width: number, height: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      px.set([x * 20, y * 30, 200 - x - y], (y * width + x) * 3);
    }
  }
  return px;
}

interface Raster {
  width: number;
  height: number;
  at: (x: number, y: number) => number[];
}

function raster(data: Buffer, width: number, height: number, channels = 3): Raster {
  return {
    width,
    height,
    at: (x, y) => [...data.subarray((y * width + x) * channels, (y * width + x + 1) * channels)],
  };
}

/** The contract's geometry applied to a raster, written the naive way as a reference. */
const rotateCw = (r: Raster): Raster => ({
  width: r.height,
  height: r.width,
  at: (x, y) => r.at(y, r.height - 1 - x),
});
const flipV = (r: Raster): Raster => ({ ...r, at: (x, y) => r.at(x, r.height - 1 - y) });
const flopH = (r: Raster): Raster => ({ ...r, at: (x, y) => r.at(r.width - 1 - x, y) });
const crop = (r: Raster, left: number, top: number, width: number, height: number): Raster => ({
  width,
  height,
  at: (x, y) => r.at(x + left, y + top),
});

function reference(src: Raster, o: { rotate: Rotation; flip: boolean; flop: boolean }): Raster {
  let r = src;
  for (let turns = o.rotate / 90; turns > 0; turns--) r = rotateCw(r);
  if (o.flip) r = flipV(r);
  if (o.flop) r = flopH(r);
  return r;
}

function pixels(r: Raster): number[][] {
  const out: number[][] = [];
  for (let y = 0; y < r.height; y++) for (let x = 0; x < r.width; x++) out.push(r.at(x, y));
  return out;
}

async function decode(data: Buffer) {
  const { data: px, info } = await sharp(data).raw().toBuffer({ resolveWithObject: true });
  return raster(px, info.width, info.height, info.channels);
}

describe('processImage geometry (lossless PNG, colour)', () => {
  const W = 6;
  const H = 4;
  const src = coordinateImage(W, H);
  let png: Buffer;
  const input = async () => {
    png ??= await sharp(src, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    return png;
  };

  for (const rotate of [0, 90, 180, 270] as const) {
    for (const flip of [false, true]) {
      for (const flop of [false, true]) {
        it(`rotate=${rotate} flip=${flip} flop=${flop}: rotate first, then mirror`, async () => {
          const out = await processImage(
            await input(),
            opts({ grayscale: false, format: 'png', rotate, flip, flop }),
            LIMITS,
          );
          const want = reference(raster(src, W, H), { rotate, flip, flop });
          const got = await decode(out.data);
          expect([got.width, got.height]).toEqual([want.width, want.height]);
          expect(pixels(got)).toEqual(pixels(want));
        });
      }
    }
  }

  it('cover without enlargement crops the centre, offsets rounded down, after rotate and flip', async () => {
    // 6×4 turned to 4×6; box 3×8: scale max(3/4, 8/6) > 1 is capped at 1, crop 3×6 at left floor(1/2) = 0.
    // Box 2×8 on the unrotated 6×4: crop 2×4 at left floor(4/2) = 2.
    const out1 = await processImage(
      await input(),
      opts({ grayscale: false, format: 'png', rotate: 90, flip: true, width: 3, height: 8, fit: 'cover' }),
      LIMITS,
    );
    const want1 = crop(reference(raster(src, W, H), { rotate: 90, flip: true, flop: false }), 0, 0, 3, 6);
    expect(pixels(await decode(out1.data))).toEqual(pixels(want1));

    const out2 = await processImage(
      await input(),
      opts({ grayscale: false, format: 'png', width: 2, height: 8, fit: 'cover' }),
      LIMITS,
    );
    expect(pixels(await decode(out2.data))).toEqual(pixels(crop(raster(src, W, H), 2, 0, 2, 4)));
  });
});

describe('EXIF orientation', () => {
  // Blocks of 8×8 solid colour survive JPEG at q100 4:4:4 within a few levels; sample the block centres.
  const BW = 4;
  const BH = 3;
  const blocks = coordinateImage(BW, BH);
  const big = Buffer.alloc(BW * 8 * BH * 8 * 3);
  for (let y = 0; y < BH * 8; y++) {
    for (let x = 0; x < BW * 8; x++) {
      blocks.copy(
        big,
        (y * BW * 8 + x) * 3,
        ((y >> 3) * BW + (x >> 3)) * 3,
        ((y >> 3) * BW + (x >> 3) + 1) * 3,
      );
    }
  }
  // What a viewer shows for each orientation tag, from the stored raster.
  const display: Record<number, (r: Raster) => Raster> = {
    1: (r) => r,
    2: flopH,
    3: (r) => rotateCw(rotateCw(r)),
    4: flipV,
    5: (r) => rotateCw(flipV(r)),
    6: rotateCw,
    7: (r) => rotateCw(flopH(r)),
    8: (r) => rotateCw(rotateCw(rotateCw(r))),
  };

  for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`orientation ${orientation}, then rotate=90 and flop`, async () => {
      const jpeg = await sharp(big, { raw: { width: BW * 8, height: BH * 8, channels: 3 } })
        .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
        .withMetadata({ orientation })
        .toBuffer();
      const out = await processImage(
        jpeg,
        opts({ grayscale: false, format: 'png', rotate: 90, flop: true }),
        LIMITS,
      );
      const got = await decode(out.data);
      const shown = (display[orientation] as (r: Raster) => Raster)(raster(blocks, BW, BH));
      const want = reference(shown, { rotate: 90, flip: false, flop: true });
      expect([got.width, got.height]).toEqual([want.width * 8, want.height * 8]);
      for (let y = 0; y < want.height; y++) {
        for (let x = 0; x < want.width; x++) {
          const g = got.at(x * 8 + 4, y * 8 + 4);
          want.at(x, y).forEach((v, i) => {
            expect(Math.abs((g[i] as number) - v)).toBeLessThanOrEqual(4);
          });
        }
      }
    });
  }
});

describe('grayscale equivalence self-check', () => {
  it('photo-hd: Rec.601 output equals a JS reference on sharp raw RGB, max diff ≤ 1 before encoding', async () => {
    const input = fixture('photo-hd.jpg');
    // PNG output is lossless: it shows the pixels exactly as they were before encoding.
    const out = await processImage(input, opts({ format: 'png' }), LIMITS);
    expect((await sharp(out.data).metadata()).channels).toBe(1);
    // toColourspace('b-w'): without it sharp would expand the grey PNG to RGB on the way out.
    const { data: got } = await sharp(out.data)
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { data: rgb } = await sharp(input).raw().toBuffer({ resolveWithObject: true });
    let max = 0;
    let sum = 0;
    for (let i = 0; i < got.length; i++) {
      const ref = Math.round(
        0.299 * (rgb[i * 3] as number) +
          0.587 * (rgb[i * 3 + 1] as number) +
          0.114 * (rgb[i * 3 + 2] as number),
      );
      const d = Math.abs((got[i] as number) - ref);
      max = Math.max(max, d);
      sum += d;
    }
    expect(max).toBeLessThanOrEqual(1);
    expect(sum / got.length).toBeLessThan(0.01);
  });

  it("differs from sharp's own grayscale() (linear-light luminance), which is why it is not used", async () => {
    const input = fixture('photo-small.jpg');
    const ours = await processImage(input, opts({ format: 'png' }), LIMITS);
    const { data: a } = await sharp(ours.data)
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { data: b } = await sharp(input).grayscale().raw().toBuffer({ resolveWithObject: true });
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
    expect(sum / a.length).toBeGreaterThan(1);
  });
});

describe('limits and failures', () => {
  it('checks the input pixel count from the header, before decoding', async () => {
    await expect(processImage(fixture('bomb-400mp.png'), opts({}), LIMITS)).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
    });
  });

  it('bounds the scaled intermediate of cover with enlargement, not only the crop', async () => {
    // 640×427 to a 8192×1 cover box: scale 12.8 gives 8192×5466 before the 8192×1 crop.
    await expect(
      processImage(
        fixture('photo-small.jpg'),
        opts({ width: 8192, height: 1, fit: 'cover', enlarge: true }),
        { maxInputPixels: 20_000_000 },
      ),
    ).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
  });

  it('stops between steps once aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      processImage(fixture('photo-small.jpg'), opts({}), LIMITS, controller.signal),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('flattens alpha onto white for JPEG', async () => {
    const rgba = Buffer.from([255, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const png = await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } })
      .png()
      .toBuffer();
    const out = await processImage(png, opts({ grayscale: false, quality: 100 }), LIMITS);
    const { data } = await sharp(out.data).raw().toBuffer({ resolveWithObject: true });
    for (const v of data) expect(v).toBeGreaterThan(250);
  });
});
