import { randomUUID } from 'node:crypto';
import type { ConsultDto, ConsultMessageDto } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import {
  addMessage,
  type ConsultFormValues,
  formatElapsed,
  isoToLocalInput,
  lkwUrgency,
  localInputToIso,
  minutesSince,
  upsertConsult,
  validateConsultForm,
} from './clinical';

describe('time since last known well', () => {
  const now = Date.parse('2026-03-01T10:00:00Z');

  it('minutesSince() counts whole minutes, negative in the future, null for no date', () => {
    expect(minutesSince('2026-03-01T09:14:30Z', now)).toBe(45);
    expect(minutesSince('2026-03-01T10:05:00Z', now)).toBe(-5);
    expect(minutesSince('yesterday', now)).toBeNull();
  });

  it('formatElapsed() says minutes under an hour, then hours and two-digit minutes', () => {
    expect(formatElapsed(0)).toBe('0 min');
    expect(formatElapsed(45)).toBe('45 min');
    expect(formatElapsed(125)).toBe('2 h 05');
    expect(formatElapsed(-1)).toBeNull();
    expect(formatElapsed(null)).toBeNull();
  });

  it('lkwUrgency() turns amber from 3 h 30 and red from 4 h 30, the thrombolysis window', () => {
    expect(lkwUrgency(209)).toBe('ok');
    expect(lkwUrgency(210)).toBe('soon');
    expect(lkwUrgency(270)).toBe('late');
    expect(lkwUrgency(-3)).toBe('unknown');
  });
});

describe('datetime-local values', () => {
  it('localInputToIso() writes the local time with this machine’s offset, the same instant', () => {
    const iso = localInputToIso('2026-03-01T08:30')!;
    expect(iso).toMatch(/^2026-03-01T08:30:00[+-]\d{2}:\d{2}$/);
    expect(Date.parse(iso)).toBe(new Date(2026, 2, 1, 8, 30).getTime());
  });

  it('localInputToIso() of an empty or impossible value is null', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('2026-02-30T08:30')).toBeNull();
    expect(localInputToIso('2026-03-01 08:30')).toBeNull();
  });

  it('isoToLocalInput() and localInputToIso() round-trip to the minute', () => {
    const d = new Date(2026, 10, 25, 19, 7);
    expect(Date.parse(localInputToIso(isoToLocalInput(d))!)).toBe(d.getTime());
  });
});

describe('validateConsultForm()', () => {
  const now = new Date(2026, 2, 1, 10, 0).getTime();
  const valid: ConsultFormValues = {
    patientRef: 'SEJ-2026/0042',
    ageYears: '72',
    sex: 'F',
    weightKg: '64,5',
    lastKnownWell: '2026-03-01T08:45',
    reason: 'Aphasie brutale',
    studyInstanceUid: '',
  };

  it('validateConsultForm() of a complete form gives the API request, decimal comma accepted', () => {
    const r = validateConsultForm(valid, now);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.request).toMatchObject({ patientRef: 'SEJ-2026/0042', ageYears: 72, sex: 'F', weightKg: 64.5 });
      expect(Date.parse(r.request.lastKnownWellAt)).toBe(new Date(2026, 2, 1, 8, 45).getTime());
      expect(r.request).not.toHaveProperty('studyInstanceUid');
    }
  });

  it('validateConsultForm() names every bad field', () => {
    const r = validateConsultForm(
      { ...valid, patientRef: 'Dupont <Jean>', ageYears: '', sex: '', weightKg: '900', reason: ' ', studyInstanceUid: 'abc' },
      now,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(new Set(r.fields)).toEqual(new Set(['patientRef', 'ageYears', 'sex', 'weightKg', 'reason', 'studyInstanceUid']));
    }
  });

  it('validateConsultForm() refuses a last-known-well time in the future, beyond clock slack', () => {
    expect(validateConsultForm({ ...valid, lastKnownWell: '2026-03-01T10:01' }, now).ok).toBe(true);
    const r = validateConsultForm({ ...valid, lastKnownWell: '2026-03-01T10:10' }, now);
    expect(r.ok ? [] : r.fields).toEqual(['lastKnownWell']);
  });
});

function consult(over: Partial<ConsultDto>): ConsultDto {
  return {
    id: randomUUID(),
    status: 'requested',
    kind: 'urgent',
    siteCode: 'MACON',
    hubCode: 'DIJON',
    patientRef: 'X',
    ageYears: 70,
    sex: 'M',
    weightKg: 80,
    lastKnownWellAt: '2026-03-01T09:00:00Z',
    reason: 'r',
    studyInstanceUid: null,
    requestedBy: { id: randomUUID(), name: 'Dr A' },
    acceptedBy: null,
    requestedAt: '2026-03-01T09:30:00Z',
    acceptedAt: null,
    escalatedAt: null,
    joinedAt: null,
    endedAt: null,
    outcome: null,
    ...over,
  };
}

describe('live lists', () => {
  it('upsertConsult() replaces a consult by id and keeps the newest request first', () => {
    const older = consult({ requestedAt: '2026-03-01T09:00:00Z' });
    const newer = consult({ requestedAt: '2026-03-01T09:45:00Z' });
    const list = upsertConsult([older], newer);
    expect(list.map((c) => c.id)).toEqual([newer.id, older.id]);
    const accepted = { ...older, status: 'accepted' as const };
    expect(upsertConsult(list, accepted)).toEqual([newer, accepted]);
  });

  it('addMessage() adds a message once, however many ways it arrives, in time order', () => {
    const m = (sentAt: string): ConsultMessageDto => ({
      id: randomUUID(),
      consultId: randomUUID(),
      author: { id: randomUUID(), name: 'Dr A', role: 'neurologist' },
      text: 't',
      sentAt,
    });
    const a = m('2026-03-01T09:00:00Z');
    const b = m('2026-03-01T09:01:00Z');
    expect(addMessage(addMessage([b], a), b)).toEqual([a, b]);
  });
});
