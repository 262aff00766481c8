import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { boundFor, decode, distance } from './pictures.js';

const gray = (w: number, h: number, f: (i: number) => number) =>
  sharp(Buffer.from(Array.from({ length: w * h }, (_, i) => f(i))), {
    raw: { width: w, height: h, channels: 1 },
  })
    .png()
    .toBuffer();

describe('distance', () => {
  it('is infinite PSNR and zero MAE for equal pictures', async () => {
    const a = await decode(await gray(8, 8, (i) => i));
    expect(distance(a, a)).toEqual({ psnr: Number.POSITIVE_INFINITY, mae: 0, maxDiff: 0 });
  });

  it('measures a one-level offset as MAE 1 and 48.1 dB', async () => {
    const a = await decode(await gray(8, 8, (i) => i));
    const b = await decode(await gray(8, 8, (i) => i + 1));
    const d = distance(a, b);
    expect(d.mae).toBe(1);
    expect(d.maxDiff).toBe(1);
    expect(d.psnr).toBeCloseTo(48.13, 2);
  });

  it('refuses pictures of different shapes', async () => {
    const a = await decode(await gray(8, 8, () => 0));
    const b = await decode(await gray(8, 4, () => 0));
    expect(() => distance(a, b)).toThrow(/cannot compare/);
  });
});

describe('boundFor', () => {
  it('picks the contract equivalence bar', () => {
    expect(boundFor('photo-hd.jpg', '')).toMatchObject({ minPsnr: 45, maxMae: 1 });
    expect(boundFor('photo-hd.jpg', 'rotate=90&grayscale=1')).toMatchObject({ minPsnr: 45, maxMae: 1 });
    expect(boundFor('photo-hd.jpg', 'width=800')).toMatchObject({ minPsnr: 30 });
    expect(boundFor('photo-cmyk.jpg', '')).toMatchObject({ minPsnr: 25 });
    expect(boundFor('photo-hd.jpg', 'grayscale=false')).toMatchObject({ minPsnr: 35 });
  });
});
