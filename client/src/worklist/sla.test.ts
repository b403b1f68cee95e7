import { describe, expect, it } from 'vitest';
import { formatCountdown, SLA_SOON_MS, slaState } from './sla';

const NOW = Date.parse('2025-03-01T10:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();

describe('slaState()', () => {
  it('slaState() well before the deadline is ok with the time left', () => {
    expect(slaState(at(12 * 60_000), NOW)).toEqual({ level: 'ok', remainingMs: 12 * 60_000 });
  });

  it('slaState() in the last minutes is soon', () => {
    expect(slaState(at(SLA_SOON_MS), NOW).level).toBe('soon');
    expect(slaState(at(1000), NOW).level).toBe('soon');
  });

  it('slaState() at or past the deadline is breached with a negative remainder', () => {
    expect(slaState(at(0), NOW)).toEqual({ level: 'breached', remainingMs: 0 });
    expect(slaState(at(-90_000), NOW)).toEqual({ level: 'breached', remainingMs: -90_000 });
  });

  it('slaState() of a done read, a missing or an unreadable deadline has no countdown', () => {
    expect(slaState(at(-90_000), NOW, true)).toEqual({ level: 'none', remainingMs: null });
    expect(slaState(null, NOW)).toEqual({ level: 'none', remainingMs: null });
    expect(slaState('not a date', NOW)).toEqual({ level: 'none', remainingMs: null });
  });
});

describe('formatCountdown()', () => {
  it('formatCountdown() under an hour is minutes:seconds', () => {
    expect(formatCountdown(14 * 60_000 + 5_000)).toBe('14:05');
    expect(formatCountdown(999)).toBe('00:00');
  });

  it('formatCountdown() of an hour or more is hours and minutes', () => {
    expect(formatCountdown(65 * 60_000)).toBe('1 h 05');
  });

  it('formatCountdown() of an overdue time is its absolute value', () => {
    expect(formatCountdown(-(3 * 60_000 + 10_000))).toBe('03:10');
  });
});
