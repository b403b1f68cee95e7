import { describe, expect, it } from 'vitest';
import { calendarRange, formatParisDay, formatParisTime, joinOpen, parisDateOf, shiftAnchor } from './time';

describe('calendar time helpers', () => {
  it('calendarRange() of the week of the March change spans Monday 00:00 CET to the next Monday 00:00 CEST', () => {
    const r = calendarRange('week', '2027-03-25');
    expect(r.days).toEqual(['2027-03-22', '2027-03-23', '2027-03-24', '2027-03-25', '2027-03-26', '2027-03-27', '2027-03-28']);
    expect(r.from).toBe('2027-03-21T23:00:00.000Z');
    expect(r.to).toBe('2027-03-28T22:00:00.000Z');
  });

  it('calendarRange() of the October change day is 25 hours long', () => {
    const r = calendarRange('day', '2027-10-31');
    expect(Date.parse(r.to) - Date.parse(r.from)).toBe(25 * 3600_000);
  });

  it('shiftAnchor() moves by a day or a week', () => {
    expect(shiftAnchor('day', '2027-03-31', 1)).toBe('2027-04-01');
    expect(shiftAnchor('week', '2027-03-31', -1)).toBe('2027-03-24');
  });

  it('formatParisTime() and parisDateOf() show Paris time whatever the instant', () => {
    expect(formatParisTime('2027-03-29T07:00:00Z', 'fr-FR')).toBe('09:00');
    expect(formatParisTime('2027-03-22T08:00:00Z', 'fr-FR')).toBe('09:00');
    expect(parisDateOf('2027-03-28T23:30:00Z')).toBe('2027-03-29');
    expect(formatParisDay('2027-03-29', 'fr-FR')).toBe('lundi 29 mars');
  });

  it('joinOpen() is true from joinOpensAt until the end, for a booked session only', () => {
    const b = { status: 'booked', joinOpensAt: '2027-03-29T06:50:00Z', endsAt: '2027-03-29T07:30:00Z' };
    expect(joinOpen(b, Date.parse('2027-03-29T06:49:59Z'))).toBe(false);
    expect(joinOpen(b, Date.parse('2027-03-29T06:50:00Z'))).toBe(true);
    expect(joinOpen(b, Date.parse('2027-03-29T07:30:00Z'))).toBe(false);
    expect(joinOpen({ ...b, status: 'cancelled' }, Date.parse('2027-03-29T07:00:00Z'))).toBe(false);
  });
});
