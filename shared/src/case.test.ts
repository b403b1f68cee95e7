import { describe, expect, it } from 'vitest';
import {
  AddCaseEventRequestSchema,
  InsSchema,
  isValidNihssValue,
  NIHSS_ITEM_IDS,
  NIHSS_ITEMS,
  NIHSS_MAX,
  nihssComplete,
  nihssTotal,
  SetNihssItemRequestSchema,
  type NihssScores,
} from './case';

const worst: NihssScores = Object.fromEntries(
  NIHSS_ITEMS.map((i) => [i.id, Math.max(...i.choices.map((c) => c.score))]),
) as NihssScores;

describe('NIHSS_ITEMS', () => {
  it('lists the 15 items of the scale in order, each with a French and an English label', () => {
    expect(NIHSS_ITEMS.map((i) => i.id)).toEqual([...NIHSS_ITEM_IDS]);
    expect(NIHSS_ITEMS).toHaveLength(15);
    for (const item of NIHSS_ITEMS) {
      expect(item.label.fr).not.toBe('');
      expect(item.label.en).not.toBe('');
      for (const c of item.choices) expect(c.label.fr && c.label.en).toBeTruthy();
    }
  });

  it('has the official score ranges: 1a 0-3, 1b 0-2, 1c 0-2, 2 0-2, 3 0-3, 4 0-3, motor 0-4, 7 0-2, 8 0-2, 9 0-3, 10 0-2, 11 0-2', () => {
    const ranges = Object.fromEntries(NIHSS_ITEMS.map((i) => [i.id, i.choices.map((c) => c.score)]));
    const upTo = (n: number) => Array.from({ length: n + 1 }, (_, k) => k);
    expect(ranges).toEqual({
      '1a': upTo(3), '1b': upTo(2), '1c': upTo(2), '2': upTo(2), '3': upTo(3), '4': upTo(3),
      '5a': upTo(4), '5b': upTo(4), '6a': upTo(4), '6b': upTo(4),
      '7': upTo(2), '8': upTo(2), '9': upTo(3), '10': upTo(2), '11': upTo(2),
    });
  });

  it('allows "untestable" exactly on the motor items, ataxia and dysarthria', () => {
    expect(NIHSS_ITEMS.filter((i) => i.untestable).map((i) => i.id)).toEqual(['5a', '5b', '6a', '6b', '7', '10']);
  });
});

describe('nihssTotal()', () => {
  it.each<[string, NihssScores, number]>([
    ['no item scored', {}, 0],
    ['a normal examination', Object.fromEntries(NIHSS_ITEM_IDS.map((id) => [id, 0])) as NihssScores, 0],
    ['the worst answer of every item', worst, NIHSS_MAX],
    ['a left hemiplegia with neglect', { '1a': 0, '2': 1, '3': 2, '4': 2, '5a': 4, '6a': 3, '8': 1, '10': 1, '11': 2 }, 16],
    ['untestable items (count 0)', { '5a': 'untestable', '5b': 4, '7': 'untestable', '10': 'untestable' }, 4],
    ['a score outside the item (ignored)', { '1b': 4 as never, '9': 3 }, 3],
  ])('of %s is %i', (_case, items, total) => {
    expect(nihssTotal(items)).toBe(total);
  });

  it('of the worst answers is 42', () => {
    expect(nihssTotal(worst)).toBe(42);
  });
});

describe('isValidNihssValue() and nihssComplete()', () => {
  it('refuses a score above the item and "untestable" where the scale forbids it', () => {
    expect(isValidNihssValue('1a', 3)).toBe(true);
    expect(isValidNihssValue('1b', 3)).toBe(false);
    expect(isValidNihssValue('5a', 4)).toBe(true);
    expect(isValidNihssValue('5a', 'untestable')).toBe(true);
    expect(isValidNihssValue('1a', 'untestable')).toBe(false);
    expect(isValidNihssValue('9', 'untestable')).toBe(false);
  });

  it('is complete only with an answer for all 15 items, untestable counting as an answer', () => {
    const all = { ...worst, '10': 'untestable' } as NihssScores;
    expect(nihssComplete(all)).toBe(true);
    const { '11': _missing, ...fourteen } = all;
    expect(nihssComplete(fourteen)).toBe(false);
  });
});

describe('request schemas', () => {
  it('SetNihssItemRequestSchema takes a score, "untestable" or null, nothing else', () => {
    expect(SetNihssItemRequestSchema.safeParse({ value: 2 }).success).toBe(true);
    expect(SetNihssItemRequestSchema.safeParse({ value: 'untestable' }).success).toBe(true);
    expect(SetNihssItemRequestSchema.safeParse({ value: null }).success).toBe(true);
    expect(SetNihssItemRequestSchema.safeParse({ value: 5 }).success).toBe(false);
    expect(SetNihssItemRequestSchema.safeParse({ value: '2' }).success).toBe(false);
  });

  it('AddCaseEventRequestSchema refuses derived kinds and times without an offset', () => {
    const at = '2026-11-30T08:00:00+01:00';
    expect(AddCaseEventRequestSchema.safeParse({ kind: 'door', at }).success).toBe(true);
    expect(AddCaseEventRequestSchema.safeParse({ kind: 'consult_accepted', at }).success).toBe(false);
    expect(AddCaseEventRequestSchema.safeParse({ kind: 'door', at: '2026-11-30T08:00:00' }).success).toBe(false);
  });

  it('InsSchema takes a 15-character NIR whose key matches, Corsica included, and refuses a mistyped one', () => {
    expect(InsSchema.safeParse('185057800608491').success).toBe(true);
    expect(InsSchema.safeParse('185057800608436').success).toBe(false);
    expect(InsSchema.safeParse('185057800608419').success).toBe(false);
    expect(InsSchema.safeParse('2850520A0123456').success).toBe(false);
    expect(InsSchema.safeParse('28505 2A012345 6').success).toBe(false);
    expect(InsSchema.safeParse('285052A01234529').success).toBe(true);
    expect(InsSchema.safeParse('285052B01234556').success).toBe(true);
    expect(InsSchema.safeParse('285052B01234529').success).toBe(false);
  });
});
