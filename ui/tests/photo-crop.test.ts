import { describe, expect, it } from 'vitest';
import { cropHeader, KIND_ASPECT, moveCrop, resizeCrop } from '../src/lib/photo/crop';

describe('photo crop frame', () => {
  const c = { x: 100, y: 100, width: 200, height: 300 };

  it('moves inside the photo only', () => {
    expect(moveCrop(c, 50, -20, 1000, 1000)).toEqual({ ...c, x: 150, y: 80 });
    expect(moveCrop(c, -500, -500, 1000, 1000)).toEqual({ ...c, x: 0, y: 0 });
    expect(moveCrop(c, 5000, 5000, 1000, 1000)).toEqual({ ...c, x: 800, y: 700 });
  });

  it('resizes keeping the aspect and the bounds', () => {
    const a = KIND_ASPECT.portrait!;
    const r = resizeCrop(c, 100, 0, 1000, 1000, a);
    expect(r.width).toBe(300);
    expect(r.height).toBe(450);
    const big = resizeCrop(c, 5000, 5000, 1000, 1000, a);
    expect(big.y + big.height).toBeLessThanOrEqual(1000);
    expect(big.x + big.width).toBeLessThanOrEqual(1000);
    expect(Math.abs(big.width / big.height - a)).toBeLessThan(0.01);
    const small = resizeCrop(c, -5000, 0, 1000, 1000, a);
    expect(small.width).toBe(150);
    const card = resizeCrop({ x: 0, y: 0, width: 856, height: 540 }, 0, 100, 2000, 2000, KIND_ASPECT['cccd-front']);
    expect(card.height).toBe(640);
  });

  it('resizes a free frame on both axes', () => {
    expect(resizeCrop(c, 100, -50, 1000, 1000, null)).toEqual({ ...c, width: 300, height: 250 });
  });

  it('formats the header the Rust side parses', () => {
    expect(cropHeader({ x: 1.4, y: 2.6, width: 300, height: 450 })).toBe('1,3,300,450');
  });
});
