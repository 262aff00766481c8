import { describe, expect, it } from 'vitest';
import { orientedSize, planResize } from './geometry.js';

const size = (w: number, h: number, req: Parameters<typeof planResize>[2]) => {
  const p = planResize(w, h, req);
  return [p.width, p.height];
};
const inside = { fit: 'inside', enlarge: false } as const;

describe('planResize', () => {
  it('keeps the size without width and height', () => {
    expect(size(1920, 1080, { ...inside, width: undefined, height: undefined })).toEqual([1920, 1080]);
  });

  it('fits inside the box, the constraining side exact', () => {
    expect(size(1920, 1080, { ...inside, width: 800, height: undefined })).toEqual([800, 450]);
    expect(size(1920, 1080, { ...inside, width: undefined, height: 540 })).toEqual([960, 540]);
    expect(size(1920, 1080, { ...inside, width: 800, height: 400 })).toEqual([711, 400]);
    expect(size(1920, 1080, { ...inside, width: 500, height: undefined })).toEqual([500, 281]);
    expect(size(10000, 3, { ...inside, width: 10, height: undefined })).toEqual([10, 1]);
  });

  it('does not enlarge unless asked', () => {
    expect(size(640, 427, { ...inside, width: 1280, height: undefined })).toEqual([640, 427]);
    expect(size(640, 427, { fit: 'inside', enlarge: true, width: 1280, height: undefined })).toEqual([
      1280, 854,
    ]);
  });

  it('covers the box and crops the centre', () => {
    expect(planResize(1920, 1080, { fit: 'cover', enlarge: false, width: 300, height: 300 })).toEqual({
      scaledWidth: 533,
      scaledHeight: 300,
      cropLeft: 116,
      cropTop: 0,
      width: 300,
      height: 300,
    });
    expect(size(1920, 1080, { fit: 'cover', enlarge: false, width: 500, height: undefined })).toEqual([
      500, 281,
    ]);
    expect(size(100, 50, { fit: 'cover', enlarge: false, width: 400, height: 400 })).toEqual([100, 50]);
    expect(size(100, 50, { fit: 'cover', enlarge: true, width: 400, height: 400 })).toEqual([400, 400]);
  });

  it('fills the box, capped at the source without enlarge', () => {
    expect(size(1920, 1080, { fit: 'fill', enlarge: false, width: 300, height: 200 })).toEqual([300, 200]);
    expect(size(1920, 1080, { fit: 'fill', enlarge: false, width: 300, height: undefined })).toEqual([
      300, 1080,
    ]);
    expect(size(640, 427, { fit: 'fill', enlarge: false, width: 1000, height: 300 })).toEqual([640, 300]);
    expect(size(640, 427, { fit: 'fill', enlarge: true, width: 1000, height: 300 })).toEqual([1000, 300]);
  });
});

describe('orientedSize', () => {
  it('swaps the sides for EXIF 5–8 and quarter turns', () => {
    expect(orientedSize(600, 400, 6, 0)).toEqual({ width: 400, height: 600 });
    expect(orientedSize(600, 400, 6, 90)).toEqual({ width: 600, height: 400 });
    expect(orientedSize(600, 400, 1, 270)).toEqual({ width: 400, height: 600 });
    expect(orientedSize(600, 400, 3, 180)).toEqual({ width: 600, height: 400 });
  });
});
