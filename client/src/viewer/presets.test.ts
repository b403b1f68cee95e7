import { describe, expect, it } from 'vitest';
import { dragWindow, matchingPreset, presetForKey, PRESETS } from './presets';

describe('presets', () => {
  it('PRESETS are the stroke read windows of the issue, keys 1 to 5', () => {
    expect(PRESETS.map((p) => [p.id, p.key, p.ww, p.wc])).toEqual([
      ['brain', '1', 80, 40],
      ['stroke', '2', 40, 40],
      ['narrow', '3', 8, 32],
      ['subdural', '4', 200, 75],
      ['bone', '5', 2000, 500],
    ]);
    expect(presetForKey('3')?.id).toBe('narrow');
    expect(presetForKey('6')).toBeUndefined();
  });

  it('matchingPreset() of a dragged window is undefined, of a preset window that preset', () => {
    expect(matchingPreset({ windowWidth: 40, windowCenter: 40 })).toBe('stroke');
    expect(matchingPreset({ windowWidth: 41, windowCenter: 40 })).toBeUndefined();
  });

  it('dragWindow() to the right widens, downwards raises the level, and never below width 1', () => {
    const v = dragWindow({ windowWidth: 80, windowCenter: 40 }, 10, 4);
    expect(v.windowWidth).toBeGreaterThan(80);
    expect(v.windowCenter).toBeGreaterThan(40);
    expect(dragWindow({ windowWidth: 8, windowCenter: 32 }, -1000, 0).windowWidth).toBe(1);
    // The step follows the window: the same drag moves a bone window further than a narrow one.
    const bone = dragWindow({ windowWidth: 2000, windowCenter: 500 }, 10, 0).windowWidth - 2000;
    const narrow = dragWindow({ windowWidth: 8, windowCenter: 32 }, 10, 0).windowWidth - 8;
    expect(bone).toBeGreaterThan(narrow * 10);
  });
});
