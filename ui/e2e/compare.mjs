// Screenshot comparison for the Chromium lane: a screen's 360×740 screenshot (one pixel per CSS
// pixel) against its checked-in baseline (e2e/baselines/<name>.png), with pixelmatch.
//
// Tolerance: a pixel counts as different when its colour differs by more than THRESHOLD (OKLab
// distance, 0–1) and it is not anti-aliasing (pixelmatch detects and skips those); a screen fails
// when more than MAX_DIFF_PIXELS pixels differ. Run to run on the same machine the lane measures
// 0 px on every screen; one diacritic lost ("đình" → "dình") is 18 px, so the allowance stays
// this small. On failure a diff image is written: the baseline, the
// new screenshot and the differing pixels in red, side by side.
//
// Refresh the baselines after an intended change: `./x test ui --update-baselines` (or
// `DVC_UPDATE_BASELINES=1 npm run lane:chromium`), look at the changed PNGs, commit them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import UPNG from 'upng-js';

export const THRESHOLD = 0.1;
export const MAX_DIFF_PIXELS = 4;

/** A PNG for the repository: quantised to a 256-colour palette (UPNG), about a third of the
 *  size of the full-colour file; on the lane's 50 screens the quantised copy is within THRESHOLD
 *  of the original on every pixel, so it compares like the real screenshot. */
export function encodeBaseline(png) {
  const { data } = png;
  return Buffer.from(UPNG.encode([data.buffer.slice(data.byteOffset, data.byteOffset + data.length)], png.width, png.height, 256));
}

function sideBySide(images, width, height) {
  const gap = 8;
  const out = new PNG({ width: width * images.length + gap * (images.length - 1), height });
  out.data.fill(255);
  images.forEach((img, i) => {
    PNG.bitblt(img, out, 0, 0, width, height, i * (width + gap), 0);
  });
  return out;
}

/**
 * Compares `actual` (PNG bytes) with the baseline at `baselinePath`.
 * Returns { status: 'same' | 'differs' | 'size' | 'missing', diffPixels, message }; writes
 * `diffPath` when the screen differs.
 */
export function compareWithBaseline(actual, baselinePath, diffPath) {
  const now = PNG.sync.read(actual);
  if (!existsSync(baselinePath)) {
    return { status: 'missing', diffPixels: 0, message: `no baseline ${baselinePath}` };
  }
  const base = PNG.sync.read(readFileSync(baselinePath));
  if (base.width !== now.width || base.height !== now.height) {
    return {
      status: 'size',
      diffPixels: 0,
      message: `screenshot is ${now.width}×${now.height}, baseline ${base.width}×${base.height}`,
    };
  }
  const { width, height } = now;
  const diff = new PNG({ width, height });
  const diffPixels = pixelmatch(base.data, now.data, diff.data, width, height, { threshold: THRESHOLD });
  if (diffPixels <= MAX_DIFF_PIXELS) return { status: 'same', diffPixels, message: '' };
  writeFileSync(diffPath, PNG.sync.write(sideBySide([base, now, diff], width, height)));
  return {
    status: 'differs',
    diffPixels,
    message: `${diffPixels} pixels differ (tolerance ${MAX_DIFF_PIXELS}); baseline | now | diff: ${diffPath}`,
  };
}

/** Writes `actual` (PNG bytes) as the new baseline; true when it changed. */
export function writeBaseline(actual, baselinePath) {
  const png = PNG.sync.read(actual);
  if (existsSync(baselinePath)) {
    const old = PNG.sync.read(readFileSync(baselinePath));
    if (
      old.width === png.width &&
      old.height === png.height &&
      pixelmatch(old.data, png.data, null, png.width, png.height, { threshold: THRESHOLD }) <= MAX_DIFF_PIXELS
    ) {
      return false; // within tolerance: keep the checked-in file (no churn)
    }
  }
  writeFileSync(baselinePath, encodeBaseline(png));
  return true;
}
