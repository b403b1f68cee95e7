import { describe, expect, it } from 'vitest';
import { clampSlab, maxIntensityHu, minMax, slabRange } from './mip';

describe('slabRange()', () => {
  const locations = Array.from({ length: 21 }, (_, k) => k * 0.5); // 0 .. 10 mm, 0.5 mm apart

  it('slabRange() of 5 mm around slice 10 spans ±2.5 mm: slices 5 to 15', () => {
    expect(slabRange(locations, 10, 5)).toEqual([5, 15]);
  });

  it('slabRange() at the end of the stack stops at the last slice', () => {
    expect(slabRange(locations, 20, 10)).toEqual([10, 20]);
    expect(slabRange(locations, 0, 30)).toEqual([0, 20]);
  });

  it('slabRange() thinner than the spacing is the slice itself', () => {
    expect(slabRange([0, 5, 10], 1, 2)).toEqual([1, 1]);
  });

  it('clampSlab() keeps the thickness within 5–30 mm', () => {
    expect(clampSlab(2)).toBe(5);
    expect(clampSlab(45)).toBe(30);
    expect(clampSlab(12)).toBe(12);
    expect(clampSlab(Number.NaN)).toBe(10);
  });
});

describe('maxIntensityHu()', () => {
  it('maxIntensityHu() takes per pixel the highest HU across slices with different rescales', () => {
    const a = { pixels: new Int16Array([1024, 1324, 1000]), slope: 1, intercept: -1024 }; // 0, 300, -24
    const b = { pixels: new Int16Array([20, 100, -50]), slope: 1, intercept: 0 }; // 20, 100, -50
    const c = { pixels: new Uint16Array([600, 0, 10]), slope: 0.5, intercept: -200 }; // 100, -200, -195
    expect(Array.from(maxIntensityHu([a, b, c], 3))).toEqual([100, 300, -24]);
  });

  it('maxIntensityHu() of one slice is that slice in HU', () => {
    expect(Array.from(maxIntensityHu([{ pixels: [1064, 0], slope: 1, intercept: -1024 }], 2))).toEqual([40, -1024]);
  });

  it('minMax() finds both ends', () => {
    expect(minMax(new Int16Array([3, -7, 12, 0]))).toEqual({ min: -7, max: 12 });
  });
});
