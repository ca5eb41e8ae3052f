// Crop-frame arithmetic for the photo tool, in the upright photo's pixels. Pure functions so
// they are unit-tested (ui/tests/photo-crop.test.ts); the Rust side checks the crop again.
import type { Crop } from '../bindings';
import type { PhotoKind } from './api';

/** Width:height of the frame per kind; null = free shape. Matches assets/photo/profiles.json. */
export const KIND_ASPECT: Record<PhotoKind, number | null> = {
  portrait: 2 / 3,
  'cccd-front': 85.6 / 54,
  'cccd-back': 85.6 / 54,
  document: null,
};

/** Smallest frame side, as a share of the photo's shorter side. */
export const MIN_SHARE = 0.15;

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi));

/** Moves the frame by (dx, dy), keeping it inside the photo. */
export function moveCrop(c: Crop, dx: number, dy: number, w: number, h: number): Crop {
  return {
    ...c,
    x: Math.round(clamp(c.x + dx, 0, w - c.width)),
    y: Math.round(clamp(c.y + dy, 0, h - c.height)),
  };
}

/** Resizes from the bottom-right corner by dx (and dy for a free frame), keeping the aspect and
 *  staying inside the photo. */
export function resizeCrop(
  c: Crop,
  dx: number,
  dy: number,
  w: number,
  h: number,
  aspect: number | null,
): Crop {
  const min = Math.max(1, Math.round(Math.min(w, h) * MIN_SHARE));
  if (aspect === null) {
    return {
      ...c,
      width: Math.round(clamp(c.width + dx, min, w - c.x)),
      height: Math.round(clamp(c.height + dy, min, h - c.y)),
    };
  }
  // Follow whichever drag is larger, in width terms.
  const want = Math.abs(dx) >= Math.abs(dy * aspect) ? c.width + dx : c.width + dy * aspect;
  const maxW = Math.min(w - c.x, (h - c.y) * aspect);
  const width = clamp(want, Math.min(min, maxW), maxW);
  return { ...c, width: Math.round(width), height: Math.round(width / aspect) };
}

/** The header value the Rust command reads: `x,y,w,h`. */
export function cropHeader(c: Crop): string {
  return [c.x, c.y, c.width, c.height].map((v) => Math.max(0, Math.round(v))).join(',');
}
