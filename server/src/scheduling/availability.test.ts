import { describe, expect, it } from 'vitest';
import { bookableIntervals, covers, mergeIntervals, subtractIntervals } from './availability';

const iso = (ms: number) => new Date(ms).toISOString();
const monday9to12 = [{ weekday: 1, start: '09:00', end: '12:00' }];

describe('bookableIntervals()', () => {
  it('bookableIntervals() puts a Monday 09:00–12:00 Paris slot at 08:00Z in winter and 07:00Z after the March change', () => {
    const got = bookableIntervals(monday9to12, [], new Date('2027-03-20T00:00:00Z'), new Date('2027-04-01T00:00:00Z'));
    expect(got.map((i) => [iso(i.start), iso(i.end)])).toEqual([
      ['2027-03-22T08:00:00.000Z', '2027-03-22T11:00:00.000Z'],
      ['2027-03-29T07:00:00.000Z', '2027-03-29T10:00:00.000Z'],
    ]);
  });

  it('bookableIntervals() of a Sunday 00:00–24:00 slot on the change days is 23 hours in March and 25 in October', () => {
    const allSunday = [{ weekday: 7, start: '00:00', end: '24:00' }];
    const march = bookableIntervals(allSunday, [], new Date('2027-03-27T12:00:00Z'), new Date('2027-03-29T12:00:00Z'));
    const october = bookableIntervals(allSunday, [], new Date('2027-10-30T12:00:00Z'), new Date('2027-11-01T12:00:00Z'));
    expect(march.map((i) => (i.end - i.start) / 3600_000)).toEqual([23]);
    expect(october.map((i) => (i.end - i.start) / 3600_000)).toEqual([25]);
  });

  it('bookableIntervals() of a weekly slot starting at 02:30 on the March change day starts at 03:30 CEST, moved forward by the hour skipped', () => {
    const got = bookableIntervals([{ weekday: 7, start: '02:30', end: '04:00' }], [], new Date('2027-03-28T00:00:00Z'), new Date('2027-03-29T00:00:00Z'));
    expect(got.map((i) => [iso(i.start), iso(i.end)])).toEqual([['2027-03-28T01:30:00.000Z', '2027-03-28T02:00:00.000Z']]);
  });

  it('bookableIntervals() adds extra slots and removes leave', () => {
    const got = bookableIntervals(
      monday9to12,
      [
        { kind: 'leave', startsAt: '2027-03-22T09:00:00Z', endsAt: '2027-03-22T10:00:00Z' },
        { kind: 'extra', startsAt: '2027-03-23T13:00:00Z', endsAt: '2027-03-23T15:00:00Z' },
      ],
      new Date('2027-03-22T00:00:00Z'),
      new Date('2027-03-24T00:00:00Z'),
    );
    expect(got.map((i) => [iso(i.start), iso(i.end)])).toEqual([
      ['2027-03-22T08:00:00.000Z', '2027-03-22T09:00:00.000Z'],
      ['2027-03-22T10:00:00.000Z', '2027-03-22T11:00:00.000Z'],
      ['2027-03-23T13:00:00.000Z', '2027-03-23T15:00:00.000Z'],
    ]);
    expect(covers(got, Date.parse('2027-03-22T10:00:00Z'), Date.parse('2027-03-22T11:00:00Z'))).toBe(true);
    expect(covers(got, Date.parse('2027-03-22T08:30:00Z'), Date.parse('2027-03-22T09:30:00Z'))).toBe(false);
  });

  it('mergeIntervals() joins touching intervals; subtractIntervals() splits around a cut', () => {
    expect(mergeIntervals([{ start: 5, end: 10 }, { start: 0, end: 5 }, { start: 12, end: 13 }])).toEqual([{ start: 0, end: 10 }, { start: 12, end: 13 }]);
    expect(subtractIntervals([{ start: 0, end: 10 }], [{ start: 3, end: 4 }])).toEqual([{ start: 0, end: 3 }, { start: 4, end: 10 }]);
  });
});
