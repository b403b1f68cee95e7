import { describe, expect, it } from 'vitest';
import { boxStats, median, quantileSorted } from './stats';

describe('quantileSorted()', () => {
  it('quantileSorted() interpolates between ranks as percentile_cont does', () => {
    // PostgreSQL: percentile_cont(0.25) WITHIN GROUP (ORDER BY v) over 10, 20, 30, 40 is 17.5.
    expect(quantileSorted([10, 20, 30, 40], 0.25)).toBe(17.5);
    expect(quantileSorted([10, 20, 30, 40], 0.5)).toBe(25);
    expect(quantileSorted([10, 20, 30, 40], 0.75)).toBe(32.5);
    expect(quantileSorted([10, 20, 30, 40], 0)).toBe(10);
    expect(quantileSorted([10, 20, 30, 40], 1)).toBe(40);
  });

  it('quantileSorted() of no values is null, of one value is that value', () => {
    expect(quantileSorted([], 0.5)).toBeNull();
    expect(quantileSorted([42], 0.1)).toBe(42);
  });
});

describe('median()', () => {
  it('median() sorts its input and ignores values that are not numbers', () => {
    expect(median([50, 10, 30])).toBe(30);
    expect(median([40, 10, 30, 20])).toBe(25);
    expect(median([Number.NaN, 7, Number.POSITIVE_INFINITY])).toBe(7);
    expect(median([])).toBeNull();
  });
});

describe('boxStats()', () => {
  it('boxStats() puts values beyond 1.5 IQR out as outliers and stops the whiskers at the last value inside', () => {
    // Q1 = 25, Q3 = 45, IQR = 20: fences at -5 and 75.
    const stats = boxStats([20, 25, 30, 35, 40, 45, 50, 200]);
    expect(stats).toMatchObject({ n: 8, min: 20, max: 200, q1: 28.75, median: 37.5, q3: 46.25 });
    expect(stats!.outliers).toEqual([200]);
    expect(stats!.whiskerLow).toBe(20);
    expect(stats!.whiskerHigh).toBe(50);
  });

  it('boxStats() of identical values collapses to one value with no outlier', () => {
    expect(boxStats([30, 30, 30])).toEqual({
      n: 3, min: 30, q1: 30, median: 30, q3: 30, max: 30, whiskerLow: 30, whiskerHigh: 30, outliers: [],
    });
  });

  it('boxStats() of no value is null', () => {
    expect(boxStats([])).toBeNull();
  });
});
