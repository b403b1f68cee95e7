import { describe, expect, it } from 'vitest';
import { ellipseHuStats } from './stats';

describe('ellipseHuStats()', () => {
  it('ellipseHuStats() over stored values applies RescaleSlope and RescaleIntercept', () => {
    // 4×4 image, stored = HU + 1024; every pixel inside a 4×4 bounding ellipse except the four corners.
    const hu = [0, 10, 20, 0, 30, 40, 50, 60, 70, 80, 90, 100, 0, 110, 120, 0];
    const stored = hu.map((v) => v + 1024);
    const s = ellipseHuStats(stored, 4, 4, { start: { x: 0, y: 0 }, end: { x: 4, y: 4 } }, 1, -1024, [0.5, 0.5])!;
    const inside = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];
    const mean = inside.reduce((a, b) => a + b, 0) / inside.length;
    const sd = Math.sqrt(inside.reduce((a, b) => a + (b - mean) ** 2, 0) / inside.length);
    expect(s.count).toBe(12);
    expect(s.mean).toBeCloseTo(mean);
    expect(s.sd).toBeCloseTo(sd);
    expect(s.min).toBe(10);
    expect(s.max).toBe(120);
    expect(s.areaMm2).toBeCloseTo(Math.PI * 1 * 1);
  });

  it('ellipseHuStats() with a slope of 2 doubles the stored values', () => {
    const s = ellipseHuStats([5, 5, 5, 5], 2, 2, { start: { x: 2, y: 2 }, end: { x: 0, y: 0 } }, 2, -3)!;
    expect(s.mean).toBe(7);
    expect(s.sd).toBe(0);
    expect(s.areaMm2).toBeUndefined();
  });

  it('ellipseHuStats() of a zero-width ROI or one outside the image is null', () => {
    expect(ellipseHuStats([1, 2, 3, 4], 2, 2, { start: { x: 1, y: 0 }, end: { x: 1, y: 2 } }, 1, 0)).toBeNull();
    expect(ellipseHuStats([1, 2, 3, 4], 2, 2, { start: { x: 10, y: 10 }, end: { x: 12, y: 12 } }, 1, 0)).toBeNull();
  });
});
