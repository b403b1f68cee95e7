import { describe, expect, it } from 'vitest';
import { AppError } from './errors';
import {
  addDays,
  CreateBookingRequestSchema,
  isoWeekday,
  localDateTimeToUtc,
  localToUtc,
  startOfWeek,
  toLocal,
  zoneOffsetMinutes,
} from './scheduling';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
  return undefined;
}

// 2026: clocks go forward on Sunday 29 March at 02:00 (CET → CEST) and back on Sunday 25 October at 03:00.
describe('Europe/Paris wall clock', () => {
  it('zoneOffsetMinutes() is +60 in winter and +120 in summer, switching at 01:00Z on the last Sundays', () => {
    expect(zoneOffsetMinutes(new Date('2026-01-15T12:00:00Z'))).toBe(60);
    expect(zoneOffsetMinutes(new Date('2026-07-15T12:00:00Z'))).toBe(120);
    expect(zoneOffsetMinutes(new Date('2026-03-29T00:59:59Z'))).toBe(60);
    expect(zoneOffsetMinutes(new Date('2026-03-29T01:00:00Z'))).toBe(120);
    expect(zoneOffsetMinutes(new Date('2026-10-25T00:59:59Z'))).toBe(120);
    expect(zoneOffsetMinutes(new Date('2026-10-25T01:00:00Z'))).toBe(60);
  });

  it('localToUtc() of 09:00 is 08:00Z in winter and 07:00Z in summer, either side of both changes', () => {
    expect(localToUtc('2026-03-28', '09:00').toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(localToUtc('2026-03-29', '09:00').toISOString()).toBe('2026-03-29T07:00:00.000Z');
    expect(localToUtc('2026-03-30', '09:00').toISOString()).toBe('2026-03-30T07:00:00.000Z');
    expect(localToUtc('2026-10-24', '09:00').toISOString()).toBe('2026-10-24T07:00:00.000Z');
    expect(localToUtc('2026-10-25', '09:00').toISOString()).toBe('2026-10-25T08:00:00.000Z');
  });

  it('localToUtc() just around the March gap: 01:59 is CET, 03:00 is CEST, one minute of real time apart', () => {
    expect(localToUtc('2026-03-29', '01:59').toISOString()).toBe('2026-03-29T00:59:00.000Z');
    expect(localToUtc('2026-03-29', '03:00').toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('localToUtc() of 02:00–02:59 on the last Sunday of March rejects with DST_NONEXISTENT_TIME', () => {
    expect(codeOf(() => localToUtc('2026-03-29', '02:00'))).toBe('DST_NONEXISTENT_TIME');
    expect(codeOf(() => localToUtc('2026-03-29', '02:30'))).toBe('DST_NONEXISTENT_TIME');
    expect(codeOf(() => localToUtc('2026-03-29', '02:59'))).toBe('DST_NONEXISTENT_TIME');
    // Another year: the last Sunday of March 2027 is the 28th.
    expect(codeOf(() => localToUtc('2027-03-28', '02:30'))).toBe('DST_NONEXISTENT_TIME');
    expect(codeOf(() => localToUtc('2027-03-21', '02:30'))).toBeUndefined();
  });

  it('localToUtc() of 02:00–02:59 on the last Sunday of October rejects with DST_AMBIGUOUS_TIME naming both instants', () => {
    let error: unknown;
    try {
      localToUtc('2026-10-25', '02:30');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('DST_AMBIGUOUS_TIME');
    expect((error as AppError).status).toBe(400);
    expect((error as AppError).details).toMatchObject({ candidates: ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'] });
    expect(codeOf(() => localToUtc('2026-10-25', '02:00'))).toBe('DST_AMBIGUOUS_TIME');
    expect(codeOf(() => localToUtc('2026-10-25', '01:59'))).toBeUndefined();
    expect(localToUtc('2026-10-25', '03:00').toISOString()).toBe('2026-10-25T02:00:00.000Z');
  });

  it('localToUtc() with dst lenient takes the first of a repeated time and moves a skipped one forward by the gap', () => {
    expect(localToUtc('2026-10-25', '02:30', { dst: 'lenient' }).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    // 02:30 "CET" would be 01:30Z, which is 03:30 CEST.
    expect(localToUtc('2026-03-29', '02:30', { dst: 'lenient' }).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('localToUtc() of 24:00 is the next day at midnight', () => {
    expect(localToUtc('2026-03-28', '24:00').toISOString()).toBe('2026-03-28T23:00:00.000Z');
  });

  it('localToUtc() of an invalid date or time throws a RangeError, not a DST error', () => {
    expect(() => localToUtc('2026-02-30', '09:00')).toThrow(RangeError);
    expect(() => localToUtc('2026-02-10', '9:00')).toThrow(RangeError);
  });

  it('localDateTimeToUtc() reads YYYY-MM-DDTHH:mm as Paris time', () => {
    expect(localDateTimeToUtc('2026-06-01T14:15').toISOString()).toBe('2026-06-01T12:15:00.000Z');
    expect(codeOf(() => localDateTimeToUtc('2026-03-29T02:15'))).toBe('DST_NONEXISTENT_TIME');
  });

  it('toLocal() gives the Paris date, time and ISO weekday, across midnight and both changes', () => {
    expect(toLocal('2026-03-28T23:30:00Z')).toEqual({ date: '2026-03-29', time: '00:30', weekday: 7 });
    expect(toLocal('2026-03-29T01:00:00Z')).toEqual({ date: '2026-03-29', time: '03:00', weekday: 7 });
    expect(toLocal('2026-10-25T00:30:00Z').time).toBe('02:30');
    expect(toLocal('2026-10-25T01:30:00Z').time).toBe('02:30');
    expect(toLocal('2026-12-31T23:00:00Z')).toEqual({ date: '2027-01-01', time: '00:00', weekday: 5 });
  });

  it('round trip: every quarter hour of 2026 that exists once in Paris converts back to itself', () => {
    let checked = 0;
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 15 * 60_000) {
      const local = toLocal(t);
      if (local.time.startsWith('02:') && (local.date === '2026-10-25' || local.date === '2026-03-29')) continue;
      expect(localToUtc(local.date, local.time).getTime()).toBe(t);
      checked++;
    }
    expect(checked).toBeGreaterThan(35_000);
  }, 60_000);

  it('isoWeekday(), addDays() and startOfWeek() do calendar arithmetic without time zones', () => {
    expect(isoWeekday('2026-03-29')).toBe(7);
    expect(isoWeekday('2026-03-30')).toBe(1);
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(startOfWeek('2026-03-29')).toBe('2026-03-23');
    expect(startOfWeek('2026-03-30')).toBe('2026-03-30');
  });
});

describe('CreateBookingRequestSchema', () => {
  const valid = {
    specialistId: '00000000-0000-4000-8000-000000000001',
    siteCode: 'MACON',
    startsAt: '2026-06-01T09:00:00+02:00',
    durationMinutes: 30,
    patientRef: 'IPP-1',
    reason: 'Suivi post-AVC',
  };

  it('accepts startsAt with an offset or Z', () => {
    expect(CreateBookingRequestSchema.safeParse(valid).success).toBe(true);
    expect(CreateBookingRequestSchema.safeParse({ ...valid, startsAt: '2026-06-01T07:00:00Z' }).success).toBe(true);
  });

  it('rejects startsAt without an offset, a zero duration and unknown fields', () => {
    expect(CreateBookingRequestSchema.safeParse({ ...valid, startsAt: '2026-06-01T09:00:00' }).success).toBe(false);
    expect(CreateBookingRequestSchema.safeParse({ ...valid, durationMinutes: 0 }).success).toBe(false);
    expect(CreateBookingRequestSchema.safeParse({ ...valid, patientName: 'x' }).success).toBe(false);
  });
});
