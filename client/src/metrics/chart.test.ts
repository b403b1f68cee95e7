import { describe, expect, it } from 'vitest';
import { bands, boxGeometry, durationTicks, linearScale, linePath, niceStep, niceTicks, segmentCount } from './chart';

describe('linearScale()', () => {
  it('linearScale() maps the domain onto an inverted range, as a y axis needs', () => {
    const y = linearScale([0, 100], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(100)).toBe(0);
    expect(y(25)).toBe(150);
    expect(y(150)).toBe(-100);
  });

  it('linearScale() of a collapsed domain puts every value in the middle', () => {
    expect(linearScale([5, 5], [0, 100])(5)).toBe(50);
  });
});

describe('niceTicks()', () => {
  it('niceTicks() covers the values with round steps', () => {
    expect(niceTicks(0, 87)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(3, 9, 3)).toEqual([2, 4, 6, 8, 10]);
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('niceTicks() has no floating-point dust', () => {
    for (const tick of niceTicks(0, 0.7, 7)) expect(String(tick)).toMatch(/^\d(\.\d)?$/);
  });

  it('niceTicks() of a single value or of nothing still gives an axis of two ticks or more', () => {
    expect(niceTicks(0, 0).length).toBeGreaterThanOrEqual(2);
    const around = niceTicks(40, 40);
    expect(around[0]).toBeLessThanOrEqual(40);
    expect(around[around.length - 1]).toBeGreaterThan(40);
    expect(niceTicks(Number.NaN, 3)).toEqual([0, 1]);
  });

  it('niceStep() picks 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceStep(100, 5)).toBe(20);
    expect(niceStep(240, 5)).toBe(50);
    expect(niceStep(10, 4)).toBe(2.5);
    expect(niceStep(0, 5)).toBe(1);
  });
});

describe('durationTicks()', () => {
  it('durationTicks() starts at zero minutes and ends at or above the longest delay', () => {
    const ticks = durationTicks(143);
    expect(ticks[0]).toBe(0);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(143);
    expect(ticks).toEqual([0, 50, 100, 150]);
  });
});

describe('bands()', () => {
  it('bands() splits the range into equal slots with the marks centred and apart', () => {
    const b = bands(4, [0, 400], 0.5);
    expect(b.map((x) => x.center)).toEqual([50, 150, 250, 350]);
    expect(b.every((x) => x.width === 50)).toBe(true);
    expect(b[1]!.start - (b[0]!.start + b[0]!.width)).toBe(50);
  });

  it('bands() of no category is empty', () => {
    expect(bands(0, [0, 100])).toEqual([]);
  });
});

describe('linePath()', () => {
  it('linePath() draws through the points and lifts the pen at a missing month', () => {
    const points = [{ x: 0, y: 10 }, { x: 10, y: 20 }, null, { x: 30, y: 5 }, { x: 40, y: 6.25 }];
    expect(linePath(points)).toBe('M0 10 L10 20 M30 5 L40 6.3');
    expect(segmentCount(points)).toBe(2);
  });

  it('linePath() of nothing is an empty path, of lone points no segment', () => {
    expect(linePath([])).toBe('');
    expect(segmentCount([{ x: 1, y: 1 }, null, { x: 3, y: 3 }])).toBe(0);
  });
});

describe('boxGeometry()', () => {
  it('boxGeometry() puts Q3 at the top of the box on a y axis growing downwards', () => {
    const y = linearScale([0, 100], [100, 0]);
    const g = boxGeometry({ q1: 20, median: 30, q3: 50, whiskerLow: 10, whiskerHigh: 80, outliers: [95] }, y);
    expect(g).toEqual({ boxTop: 50, boxHeight: 30, medianY: 70, whiskerTopY: 20, whiskerBottomY: 90, outlierYs: [5] });
  });

  it('boxGeometry() of identical quartiles is still a visible line', () => {
    const y = linearScale([0, 100], [100, 0]);
    expect(boxGeometry({ q1: 40, median: 40, q3: 40, whiskerLow: 40, whiskerHigh: 40, outliers: [] }, y).boxHeight).toBe(1);
  });
});
