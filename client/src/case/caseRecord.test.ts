import type { CaseRecordDto, NihssAssessmentDto, TimelineEntryDto } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import { caseClocks, displayedScores, formatMinutes, mergeAssessment, parseDecimal } from './caseRecord';

const person = { id: '00000000-0000-4000-8000-000000000001', name: 'Dr A' };

function assessment(id: string, seq: number, changes: number, items: NihssAssessmentDto['items'] = {}): NihssAssessmentDto {
  return {
    id,
    caseId: '00000000-0000-4000-8000-0000000000ca',
    seq,
    label: `#${seq}`,
    startedBy: person,
    startedAt: '2026-01-01T10:00:00Z',
    items,
    total: 0,
    complete: false,
    changes: Array.from({ length: changes }, () => ({ item: '1a' as const, value: 0, changedBy: person, changedAt: '2026-01-01T10:00:00Z' })),
  };
}

function entry(kind: TimelineEntryDto['kind'], at: string, estimated = false): TimelineEntryDto {
  return { kind, at, estimated, source: 'entered', enteredBy: person, enteredAt: at, note: null, corrects: 0 };
}

const recordWith = (timeline: TimelineEntryDto[]) => ({ timeline }) as unknown as CaseRecordDto;

describe('mergeAssessment()', () => {
  it('mergeAssessment() of a new assessment appends it in seq order', () => {
    const merged = mergeAssessment([assessment('b', 2, 0)], assessment('a', 1, 0));
    expect(merged.map((a) => a.id)).toEqual(['a', 'b']);
  });

  it('mergeAssessment() of a newer version replaces the older one', () => {
    const merged = mergeAssessment([assessment('a', 1, 1)], assessment('a', 1, 2));
    expect(merged).toHaveLength(1);
    expect(merged[0]!.changes).toHaveLength(2);
  });

  it('mergeAssessment() of an older version overtaken by a live event keeps the newer one', () => {
    const series = [assessment('a', 1, 3)];
    expect(mergeAssessment(series, assessment('a', 1, 2))).toBe(series);
  });
});

describe('displayedScores()', () => {
  it('displayedScores() puts the user’s answers still in flight over the server’s, and a pending clear removes one', () => {
    const a = assessment('a', 1, 2, {
      '1a': { value: 1, changedBy: person, changedAt: '2026-01-01T10:01:00Z' },
      '2': { value: 2, changedBy: person, changedAt: '2026-01-01T10:01:00Z' },
    });
    expect(displayedScores(a, { '1a': 3, '2': null, '10': 'untestable' })).toEqual({ '1a': 3, '10': 'untestable' });
  });
});

describe('caseClocks()', () => {
  const lkw = '2026-01-01T10:00:00Z';
  const door = '2026-01-01T10:30:00Z';

  it('caseClocks() without a last-known-well or door time has no clock and no window', () => {
    expect(caseClocks(recordWith([]), Date.parse(lkw))).toEqual({ lkw: null, doorToNeedle: null, window: null, needleAt: null });
  });

  it('caseClocks() 4 h after an estimated LKW runs the door-to-needle clock and warns at 30 min left', () => {
    const now = Date.parse('2026-01-01T14:00:00Z');
    const clocks = caseClocks(recordWith([entry('lkw', lkw, true), entry('door', door)]), now);
    expect(clocks.lkw).toEqual({ minutes: 240, estimated: true });
    expect(clocks.doorToNeedle).toEqual({ minutes: 210, done: false });
    expect(clocks.window).toMatchObject({ level: '30', minutesLeft: 30 });
  });

  it('caseClocks() after the bolus fixes door-to-needle at the needle time', () => {
    const now = Date.parse('2026-01-01T16:00:00Z');
    const clocks = caseClocks(recordWith([entry('lkw', lkw), entry('door', door), entry('needle', '2026-01-01T11:12:00Z')]), now);
    expect(clocks.doorToNeedle).toEqual({ minutes: 42, done: true });
    expect(clocks.needleAt).toBe('2026-01-01T11:12:00Z');
    expect(clocks.window?.level).toBe('closed');
  });
});

describe('formatMinutes() and parseDecimal()', () => {
  it('formatMinutes() says minutes under an hour, hours and padded minutes above, and 0 for a negative clock', () => {
    expect(formatMinutes(42)).toBe('42 min');
    expect(formatMinutes(125)).toBe('2 h 05');
    expect(formatMinutes(-3)).toBe('0 min');
  });

  it('parseDecimal() takes a French decimal comma and refuses anything that is not a plain number', () => {
    expect(parseDecimal(' 72,5 ')).toBe(72.5);
    expect(parseDecimal('80')).toBe(80);
    for (const bad of ['', 'abc', '7O', '-5', '1e3']) expect(parseDecimal(bad)).toBeNull();
  });
});
