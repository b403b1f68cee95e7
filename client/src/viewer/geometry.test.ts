import { describe, expect, it } from 'vitest';
import type { SliceInfo } from './dicomJson';
import { lengthMm, nearestIndex, outwardOrder, sliceNormal, sliceSpacing, sortSlices, syncIndex } from './geometry';

function slice(uid: string, z: number | undefined, instanceNumber?: number, orientation = [1, 0, 0, 0, 1, 0]): SliceInfo {
  return {
    sopInstanceUid: uid,
    seriesInstanceUid: '1.2.3',
    instanceNumber,
    position: z === undefined ? undefined : [-115, -115, z],
    orientation: orientation as SliceInfo['orientation'],
    rows: 4,
    columns: 4,
    pixelSpacing: [0.5, 0.5],
    sliceThickness: 1,
    slope: 1,
    intercept: -1024,
    windowCenter: 40,
    windowWidth: 80,
  };
}

describe('sortSlices()', () => {
  it('sortSlices() with InstanceNumber running against the positions orders by position along the normal', () => {
    const stack = sortSlices([slice('a', 10, 1), slice('b', -10, 2), slice('c', 0, 3)]);
    expect(stack.slices.map((s) => s.sopInstanceUid)).toEqual(['b', 'c', 'a']);
    expect(stack.locations).toEqual([-10, 0, 10]);
    expect(stack.normal).toEqual([0, 0, 1]);
  });

  it('sortSlices() on a coronal stack sorts along the y axis, not z', () => {
    // Coronal: rows along x, columns along -z; the normal is ±y.
    const coronal = [1, 0, 0, 0, 0, -1];
    const s = (uid: string, y: number): SliceInfo => ({ ...slice(uid, 0, 1, coronal), position: [0, y, 50] });
    const stack = sortSlices([s('p', 20), s('q', -20), s('r', 0)]);
    expect(stack.normal).toEqual([0, 1, 0]);
    expect(stack.slices.map((x) => x.sopInstanceUid)).toEqual(['q', 'r', 'p']);
  });

  it('sortSlices() with a slice lacking ImagePositionPatient falls back to InstanceNumber', () => {
    const stack = sortSlices([slice('a', 10, 3), slice('b', undefined, 1), slice('c', 0, 2)]);
    expect(stack.slices.map((s) => s.sopInstanceUid)).toEqual(['b', 'c', 'a']);
    expect(stack.normal).toBeUndefined();
  });
});

describe('nearestIndex() and syncIndex()', () => {
  it('nearestIndex() between two locations picks the closer one, and clamps outside the range', () => {
    const loc = [0, 5, 10, 15];
    expect(nearestIndex(loc, 6)).toBe(1);
    expect(nearestIndex(loc, 8)).toBe(2);
    expect(nearestIndex(loc, -40)).toBe(0);
    expect(nearestIndex(loc, 99)).toBe(3);
    expect(nearestIndex([], 1)).toBe(-1);
  });

  it('syncIndex() from a 5 mm NCCT to a 1 mm CTA lands on the CTA slice at the same height', () => {
    const ncct = sortSlices(Array.from({ length: 10 }, (_, k) => slice(`n${k}`, k * 5 - 20, k + 1)));
    // The CTA is numbered from the top: InstanceNumber must not matter.
    const cta = sortSlices(Array.from({ length: 50 }, (_, k) => slice(`c${k}`, 29 - k, k + 1)));
    const i = syncIndex(ncct, 6, cta);
    expect(cta.slices[i]!.position![2]).toBe(10);
  });

  it('syncIndex() without geometry maps the same fraction of the stack', () => {
    const a = sortSlices([slice('a', undefined, 1), slice('b', undefined, 2), slice('c', undefined, 3)]);
    const b = sortSlices(Array.from({ length: 5 }, (_, k) => slice(`x${k}`, undefined, k + 1)));
    expect(syncIndex(a, 1, b)).toBe(2);
    expect(syncIndex(a, 2, b)).toBe(4);
  });

  it('sliceSpacing() is the median gap', () => {
    expect(sliceSpacing([0, 0.5, 1, 1.5, 5])).toBe(0.5);
    expect(sliceSpacing([3])).toBe(0);
  });
});

describe('lengthMm()', () => {
  it('lengthMm() with anisotropic pixels uses the column spacing along x and the row spacing along y', () => {
    // PixelSpacing = [row spacing 2, column spacing 0.5]
    expect(lengthMm({ x: 0, y: 0 }, { x: 8, y: 0 }, [2, 0.5])).toBeCloseTo(4);
    expect(lengthMm({ x: 0, y: 0 }, { x: 0, y: 3 }, [2, 0.5])).toBeCloseTo(6);
    expect(lengthMm({ x: 0, y: 0 }, { x: 6, y: 2 }, [2, 0.5])).toBeCloseTo(5);
  });

  it('lengthMm() without PixelSpacing is undefined rather than a length in pixels', () => {
    expect(lengthMm({ x: 0, y: 0 }, { x: 3, y: 4 }, undefined)).toBeUndefined();
  });

  it('sliceNormal() of a degenerate orientation is undefined', () => {
    expect(sliceNormal([1, 0, 0, 1, 0, 0])).toBeUndefined();
  });
});

describe('outwardOrder()', () => {
  it('outwardOrder() from the middle alternates sides and covers every index once', () => {
    expect(outwardOrder(6, 2)).toEqual([2, 3, 1, 4, 0, 5]);
    expect(outwardOrder(3, 0)).toEqual([0, 1, 2]);
    expect(outwardOrder(3, 9)).toEqual([2, 1, 0]);
    expect(outwardOrder(0, 0)).toEqual([]);
  });
});
