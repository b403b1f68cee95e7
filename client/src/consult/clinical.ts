import { type ConsultDto, type CreateConsultRequest, CreateConsultRequestSchema } from '@telestroke/shared';

/** Time elapsed since the last-known-well time, in whole minutes; negative when it lies in the future. */
export function minutesSince(iso: string, now: number): number | null {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return null;
  return Math.floor((now - t) / 60_000);
}

/** "45 min", "2 h 05": how clinicians say it. Null for an unreadable or future time. */
export function formatElapsed(minutes: number | null): string | null {
  if (minutes === null || minutes < 0) return null;
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h} h ${String(m).padStart(2, '0')}`;
}

/**
 * Thrombolysis is considered up to 4 h 30 after the last-known-well time, thrombectomy up to 24 h: the display turns
 * amber past 3 h 30 and red past 4 h 30, so that nobody has to do the arithmetic.
 */
export function lkwUrgency(minutes: number | null): 'ok' | 'soon' | 'late' | 'unknown' {
  if (minutes === null || minutes < 0) return 'unknown';
  if (minutes >= 270) return 'late';
  if (minutes >= 210) return 'soon';
  return 'ok';
}

/** An `<input type="datetime-local">` value (local time, no zone) as ISO 8601 with this browser's offset. */
export function localInputToIso(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi);
  if (Number.isNaN(date.getTime()) || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** A Date as the value of an `<input type="datetime-local">`, in local time. */
export function isoToLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** The request form as typed: every field a string, as inputs give them. */
export interface ConsultFormValues {
  patientRef: string;
  ageYears: string;
  sex: string;
  weightKg: string;
  lastKnownWell: string;
  reason: string;
  studyInstanceUid: string;
}

export type ConsultFormField = keyof ConsultFormValues;

/**
 * Checks the form with the API's own schema, plus a last-known-well time not in the future (2 minutes of slack for
 * clocks). Returns the request, or the fields to fix.
 */
export function validateConsultForm(
  values: ConsultFormValues,
  now: number,
): { ok: true; request: CreateConsultRequest } | { ok: false; fields: ConsultFormField[] } {
  const decimal = (s: string) => (s.trim() === '' ? NaN : Number(s.trim().replace(',', '.')));
  const lkw = localInputToIso(values.lastKnownWell);
  const candidate = {
    patientRef: values.patientRef,
    ageYears: decimal(values.ageYears),
    sex: values.sex,
    weightKg: decimal(values.weightKg),
    lastKnownWellAt: lkw ?? '',
    reason: values.reason,
    ...(values.studyInstanceUid.trim() ? { studyInstanceUid: values.studyInstanceUid.trim() } : {}),
  };
  const parsed = CreateConsultRequestSchema.safeParse(candidate);
  const fields = new Set<ConsultFormField>();
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0];
      if (key === 'lastKnownWellAt') fields.add('lastKnownWell');
      else if (typeof key === 'string' && key in values) fields.add(key as ConsultFormField);
    }
  }
  if (lkw && Date.parse(lkw) > now + 120_000) fields.add('lastKnownWell');
  if (!parsed.success || fields.size > 0) return { ok: false, fields: [...fields] };
  return { ok: true, request: parsed.data };
}

/** Whether the consult still waits for, or has, a call. */
export function isOpen(consult: ConsultDto): boolean {
  return consult.status === 'requested' || consult.status === 'accepted' || consult.status === 'in_call';
}

/** Replaces or adds a consult in a list, newest request first. */
export function upsertConsult(list: readonly ConsultDto[], consult: ConsultDto): ConsultDto[] {
  const rest = list.filter((c) => c.id !== consult.id);
  return [consult, ...rest].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
}

/**
 * Adds a message of a thread (consult chat, case messages) once: it may come both as the POST's answer and over the
 * live channel. Keeps time order.
 */
export function addMessage<M extends { id: string; sentAt: string }>(list: readonly M[], message: M): M[] {
  if (list.some((m) => m.id === message.id)) return list as M[];
  return [...list, message].sort((a, b) => a.sentAt.localeCompare(b.sentAt));
}
