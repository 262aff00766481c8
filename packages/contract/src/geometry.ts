// Output size of a resize: the one rule both services follow (sizes are in the output orientation).

import type { Fit } from './options.js';

export interface ResizeRequest {
  width: number | undefined;
  height: number | undefined;
  fit: Fit;
  enlarge: boolean;
}

export interface ResizePlan {
  /** Size the image is scaled to. */
  scaledWidth: number;
  scaledHeight: number;
  /** Centre crop taken from the scaled image (the whole of it unless fit is cover). */
  cropLeft: number;
  cropTop: number;
  width: number;
  height: number;
}

const atLeastOne = (n: number): number => Math.max(1, Math.round(n));

/**
 * Plans the resize of a `srcWidth`×`srcHeight` image (already oriented and rotated).
 * - inside: s = min of the given w/W, h/H (capped at 1 without enlarge); the side that set s gets
 *   exactly its requested length, the other round(len·s).
 * - cover: with both sides, s = max(w/W, h/H) (capped at 1 without enlarge), then a centre crop of
 *   min(w, scaled) × min(h, scaled); with one side it is inside.
 * - fill: exactly w × h (a missing side keeps the source); without enlarge each side is capped at the source.
 * Rounding is half away from zero, so Go's math.Round and JS's Math.round agree on these positive values.
 */
export function planResize(srcWidth: number, srcHeight: number, req: ResizeRequest): ResizePlan {
  const { width: w, height: h, enlarge } = req;
  const whole = (sw: number, sh: number): ResizePlan => ({
    scaledWidth: sw,
    scaledHeight: sh,
    cropLeft: 0,
    cropTop: 0,
    width: sw,
    height: sh,
  });
  if (w === undefined && h === undefined) return whole(srcWidth, srcHeight);

  if (req.fit === 'fill') {
    const fw = enlarge ? (w ?? srcWidth) : Math.min(w ?? srcWidth, srcWidth);
    const fh = enlarge ? (h ?? srcHeight) : Math.min(h ?? srcHeight, srcHeight);
    return whole(fw, fh);
  }

  const sx = w === undefined ? undefined : w / srcWidth;
  const sy = h === undefined ? undefined : h / srcHeight;
  const cover = req.fit === 'cover' && sx !== undefined && sy !== undefined;

  let scale: number;
  let bySide: 'x' | 'y';
  if (sx !== undefined && sy !== undefined) {
    const useX = cover ? sx >= sy : sx <= sy;
    scale = useX ? sx : sy;
    bySide = useX ? 'x' : 'y';
  } else if (sx !== undefined) {
    scale = sx;
    bySide = 'x';
  } else {
    scale = sy as number;
    bySide = 'y';
  }

  let scaledWidth: number;
  let scaledHeight: number;
  if (!enlarge && scale >= 1) {
    scaledWidth = srcWidth;
    scaledHeight = srcHeight;
  } else if (bySide === 'x') {
    scaledWidth = w as number;
    scaledHeight = atLeastOne(srcHeight * scale);
  } else {
    scaledWidth = atLeastOne(srcWidth * scale);
    scaledHeight = h as number;
  }

  if (!cover) return whole(scaledWidth, scaledHeight);
  const width = Math.min(w as number, scaledWidth);
  const height = Math.min(h as number, scaledHeight);
  return {
    scaledWidth,
    scaledHeight,
    cropLeft: Math.floor((scaledWidth - width) / 2),
    cropTop: Math.floor((scaledHeight - height) / 2),
    width,
    height,
  };
}

/** The size after EXIF orientation (5–8 swap the sides) and a clockwise rotation. */
export function orientedSize(
  width: number,
  height: number,
  exifOrientation: number,
  rotate: number,
): { width: number; height: number } {
  const swaps =
    (exifOrientation >= 5 && exifOrientation <= 8 ? 1 : 0) + (rotate === 90 || rotate === 270 ? 1 : 0);
  return swaps % 2 === 1 ? { width: height, height: width } : { width, height };
}
