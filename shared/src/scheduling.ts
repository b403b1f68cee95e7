import { z } from 'zod';
import { PatientRefSchema } from './consult';
import { AppError } from './errors';
import { RoleSchema, SiteCodeSchema } from './auth';

/**
 * Planned teleconsultations (bookings), specialists' availability and the on-call rota, with the Europe/Paris
 * wall-clock arithmetic they need. Instants are exchanged as ISO 8601 with an offset and stored in UTC; weekly
 * availability is in Paris local time, so that a 09:00 slot stays at 09:00 across the DST changes.
 */

export const NETWORK_TIME_ZONE = 'Europe/Paris';

/** The in-app reminder of a booking is pushed this long before it starts. */
export const BOOKING_REMINDER_MINUTES = 15;
/** The room of a booking opens this long before it starts (and stays open until it ends). */
export const BOOKING_JOIN_OPENS_MINUTES = 10;
/** How far ahead gaps in the on-call rota are flagged. */
export const ROTA_GAP_HORIZON_DAYS = 14;

// --- Wall-clock time in a time zone, with Intl only ------------------------------------------------------------

export interface LocalDateTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:mm */
  time: string;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallFields(instant: number, timeZone: string) {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(instant))) parts[p.type] = p.value;
  return {
    y: Number(parts.year),
    mo: Number(parts.month),
    d: Number(parts.day),
    h: Number(parts.hour),
    mi: Number(parts.minute),
    s: Number(parts.second),
  };
}

/** The zone's offset from UTC at an instant, in minutes (Paris: 60 in winter, 120 in summer). */
export function zoneOffsetMinutes(instant: Date | number, timeZone = NETWORK_TIME_ZONE): number {
  const t = typeof instant === 'number' ? instant : instant.getTime();
  const w = wallFields(t, timeZone);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return Math.round((asUtc - Math.floor(t / 1000) * 1000) / 60_000);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The wall-clock date, time and weekday of an instant in the zone. */
export function toLocal(instant: Date | number | string, timeZone = NETWORK_TIME_ZONE): LocalDateTime {
  const t = typeof instant === 'number' ? instant : new Date(instant).getTime();
  const w = wallFields(t, timeZone);
  const date = `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}`;
  return { date, time: `${pad(w.h)}:${pad(w.mi)}`, weekday: isoWeekday(date) };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

function parseDate(date: string): [number, number, number] {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`not a date: ${date}`);
  }
  return [y, mo, d];
}

export function isValidLocalDate(date: string): boolean {
  try {
    parseDate(date);
    return true;
  } catch {
    return false;
  }
}

/** ISO weekday of a calendar date, 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const [y, mo, d] = parseDate(date);
  const js = new Date(Date.UTC(y, mo - 1, d)).getUTCDay();
  return js === 0 ? 7 : js;
}

/** The calendar date `days` after `date` (negative: before). */
export function addDays(date: string, days: number): string {
  const [y, mo, d] = parseDate(date);
  const t = new Date(Date.UTC(y, mo - 1, d + days));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** The Monday of the ISO week of `date`. */
export function startOfWeek(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}

export interface ToUtcOptions {
  /**
   * What to do with a wall-clock time the DST change skips or repeats. `reject` (default) throws AppError
   * DST_NONEXISTENT_TIME or DST_AMBIGUOUS_TIME: a person's input is never silently moved. `lenient`, for recurring
   * rules such as weekly availability, takes the first occurrence of a repeated time and moves a skipped one forward
   * by the length of the gap.
   */
  dst?: 'reject' | 'lenient';
  timeZone?: string;
}

/**
 * The instant a wall-clock date and time (HH:mm, or 24:00 for the end of the day) denote in the zone. On the last
 * Sunday of March, 02:00–02:59 does not exist in Paris; on the last Sunday of October, 02:00–02:59 happens twice.
 */
export function localToUtc(date: string, time: string, options: ToUtcOptions = {}): Date {
  const timeZone = options.timeZone ?? NETWORK_TIME_ZONE;
  if (time === '24:00') return localToUtc(addDays(date, 1), '00:00', options);
  const tm = TIME_RE.exec(time);
  if (!tm) throw new RangeError(`not a time: ${time}`);
  const [y, mo, d] = parseDate(date);
  const naive = Date.UTC(y, mo - 1, d, Number(tm[1]), Number(tm[2]));
  // The offsets in force a day either side bracket any change: Paris changes at most once in two days.
  const before = zoneOffsetMinutes(naive - 86_400_000, timeZone);
  const after = zoneOffsetMinutes(naive + 86_400_000, timeZone);
  const candidates = [...new Set([before, after])]
    .map((offset) => naive - offset * 60_000)
    .filter((t) => {
      const w = wallFields(t, timeZone);
      return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi) === naive;
    })
    .sort((a, b) => a - b);
  const lenient = options.dst === 'lenient';
  if (candidates.length === 1) return new Date(candidates[0]!);
  if (candidates.length > 1) {
    if (lenient) return new Date(candidates[0]!);
    throw new AppError(
      'DST_AMBIGUOUS_TIME',
      `${date} ${time} happens twice in ${timeZone} (clocks go back): give the time with its UTC offset`,
      { date, time, timeZone, candidates: candidates.map((c) => new Date(c).toISOString()) },
    );
  }
  if (lenient) return new Date(naive - before * 60_000);
  throw new AppError('DST_NONEXISTENT_TIME', `${date} ${time} does not exist in ${timeZone} (clocks go forward)`, {
    date,
    time,
    timeZone,
  });
}

/** Parses `YYYY-MM-DDTHH:mm` (Paris wall clock) into an instant; DST-skipped or repeated times are rejected. */
export function localDateTimeToUtc(value: string, options: ToUtcOptions = {}): Date {
  const [date, time] = value.split('T');
  return localToUtc(date!, time!, options);
}

/** `HH:mm` to minutes since midnight; `24:00` is 1440. */
export function minutesOfTime(time: string): number {
  if (time === '24:00') return 1440;
  const m = TIME_RE.exec(time);
  if (!m) throw new RangeError(`not a time: ${time}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function timeOfMinutes(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

// --- Wire schemas -----------------------------------------------------------------------------------------------

export const LocalDateSchema = z.string().regex(DATE_RE, 'date: YYYY-MM-DD').refine(isValidLocalDate, 'not a calendar date');
/** HH:mm on a 24-hour clock; `24:00` only where an end of day is meant. */
export const LocalTimeSchema = z.string().regex(TIME_RE, 'time: HH:mm (00:00–23:59)');
export const LocalEndTimeSchema = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'time: HH:mm (00:00–24:00)');
/** A Paris wall-clock date and time, `YYYY-MM-DDTHH:mm`, without offset. */
export const LocalDateTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$/, 'local date and time: YYYY-MM-DDTHH:mm (Europe/Paris)')
  .refine((v) => isValidLocalDate(v.slice(0, 10)), 'not a calendar date');
/** An instant: ISO 8601 with an offset (`Z` or `+02:00`); a time without one is refused rather than guessed. */
export const InstantSchema = z.iso.datetime({ offset: true });

export const SPECIALIST_ROLES = ['neurologist', 'radiologist'] as const;
export const BOOKING_STATUSES = ['booked', 'cancelled', 'no_show'] as const;
export const BookingStatusSchema = z.enum(BOOKING_STATUSES);
export type BookingStatus = z.infer<typeof BookingStatusSchema>;

export const ROTA_DUTIES = ['urgent_consult', 'urgent_read'] as const;
export const RotaDutySchema = z.enum(ROTA_DUTIES);
export type RotaDuty = z.infer<typeof RotaDutySchema>;

const PersonSchema = z.object({ id: z.uuid(), name: z.string() });

export const SpecialistDtoSchema = PersonSchema.extend({ role: RoleSchema, hubCodes: z.array(z.string()) });
export type SpecialistDto = z.infer<typeof SpecialistDtoSchema>;

export const AvailabilitySlotDtoSchema = z.object({
  id: z.uuid(),
  specialistId: z.uuid(),
  weekday: z.number().int().min(1).max(7),
  /** Paris wall clock. */
  start: z.string(),
  end: z.string(),
});
export type AvailabilitySlotDto = z.infer<typeof AvailabilitySlotDtoSchema>;

export const CreateAvailabilitySlotRequestSchema = z
  .object({
    /** Whose slot; a specialist may leave it out (their own), a scheduler names one. */
    specialistId: z.uuid().optional(),
    weekday: z.number().int().min(1).max(7),
    start: LocalTimeSchema,
    end: LocalEndTimeSchema,
  })
  .strict();
export type CreateAvailabilitySlotRequest = z.infer<typeof CreateAvailabilitySlotRequestSchema>;

export const AVAILABILITY_EXCEPTION_KINDS = ['leave', 'extra'] as const;
export const AvailabilityExceptionDtoSchema = z.object({
  id: z.uuid(),
  specialistId: z.uuid(),
  /** leave: not bookable then, whatever the weekly slots say; extra: bookable then, beyond the weekly slots. */
  kind: z.enum(AVAILABILITY_EXCEPTION_KINDS),
  startsAt: z.string(),
  endsAt: z.string(),
  note: z.string().nullable(),
});
export type AvailabilityExceptionDto = z.infer<typeof AvailabilityExceptionDtoSchema>;

export const CreateAvailabilityExceptionRequestSchema = z
  .object({
    specialistId: z.uuid().optional(),
    kind: z.enum(AVAILABILITY_EXCEPTION_KINDS),
    /** Paris wall clock; a time the DST change skips or repeats answers DST_NONEXISTENT_TIME / DST_AMBIGUOUS_TIME. */
    startsAtLocal: LocalDateTimeSchema,
    endsAtLocal: LocalDateTimeSchema,
    note: z.string().trim().max(200).optional(),
  })
  .strict();
export type CreateAvailabilityExceptionRequest = z.infer<typeof CreateAvailabilityExceptionRequestSchema>;

export const AvailabilityDtoSchema = z.object({
  specialist: SpecialistDtoSchema,
  slots: z.array(AvailabilitySlotDtoSchema),
  /** Exceptions that have not ended yet. */
  exceptions: z.array(AvailabilityExceptionDtoSchema),
});
export type AvailabilityDto = z.infer<typeof AvailabilityDtoSchema>;

export const BookingDtoSchema = z.object({
  id: z.uuid(),
  status: BookingStatusSchema,
  specialist: PersonSchema.extend({ role: RoleSchema }),
  siteCode: z.string(),
  siteName: z.string(),
  /** The requesting ward doctor; null when the booking names none (any ward doctor of the site then joins). */
  requester: PersonSchema.nullable(),
  patientRef: z.string(),
  reason: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  durationMinutes: z.number().int(),
  /** When the join button enables: BOOKING_JOIN_OPENS_MINUTES before the start. */
  joinOpensAt: z.string(),
  cancelReason: z.string().nullable(),
  createdAt: z.string(),
});
export type BookingDto = z.infer<typeof BookingDtoSchema>;

export const DurationMinutesSchema = z.number().int().min(5).max(240);

export const CreateBookingRequestSchema = z
  .object({
    specialistId: z.uuid(),
    /** The requesting remote site. */
    siteCode: SiteCodeSchema,
    startsAt: InstantSchema,
    durationMinutes: DurationMinutesSchema,
    patientRef: PatientRefSchema,
    reason: z.string().trim().min(1).max(500),
    /** The requesting ward doctor, one of the site's. */
    requesterId: z.uuid().optional(),
  })
  .strict();
export type CreateBookingRequest = z.infer<typeof CreateBookingRequestSchema>;

export const RescheduleBookingRequestSchema = z
  .object({ startsAt: InstantSchema, durationMinutes: DurationMinutesSchema.optional() })
  .strict();
export type RescheduleBookingRequest = z.infer<typeof RescheduleBookingRequestSchema>;

export const CancelBookingRequestSchema = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

export const ListBookingsQuerySchema = z
  .object({
    from: InstantSchema.optional(),
    to: InstantSchema.optional(),
    specialistId: z.uuid().optional(),
    siteCode: SiteCodeSchema.optional(),
  })
  .strict();
export type ListBookingsQuery = z.infer<typeof ListBookingsQuerySchema>;

export const RotaShiftDtoSchema = z.object({
  id: z.uuid(),
  hubCode: z.string(),
  duty: RotaDutySchema,
  startsAt: z.string(),
  endsAt: z.string(),
  primary: PersonSchema,
  backup: PersonSchema.nullable(),
});
export type RotaShiftDto = z.infer<typeof RotaShiftDtoSchema>;

export const CreateRotaShiftRequestSchema = z
  .object({
    hubCode: SiteCodeSchema,
    duty: RotaDutySchema,
    startsAtLocal: LocalDateTimeSchema,
    endsAtLocal: LocalDateTimeSchema,
    primaryId: z.uuid(),
    backupId: z.uuid().optional(),
  })
  .strict();
export type CreateRotaShiftRequest = z.infer<typeof CreateRotaShiftRequestSchema>;

export const RotaGapDtoSchema = z.object({
  hubCode: z.string(),
  duty: RotaDutySchema,
  startsAt: z.string(),
  endsAt: z.string(),
});
export type RotaGapDto = z.infer<typeof RotaGapDtoSchema>;

export const RotaQuerySchema = z
  .object({ hubCode: SiteCodeSchema.optional(), from: InstantSchema.optional(), to: InstantSchema.optional() })
  .strict();

export const IcsFeedDtoSchema = z.object({
  active: z.boolean(),
  createdAt: z.string().nullable(),
  /** Only in the answer that created it: the secret is stored hashed and never shown again. */
  url: z.string().optional(),
});
export type IcsFeedDto = z.infer<typeof IcsFeedDtoSchema>;

/** What the in-app reminder carries: no patient reference, it may show on a shared screen. */
export const BookingReminderSchema = z.object({
  bookingId: z.uuid(),
  startsAt: z.string(),
  siteName: z.string(),
  specialistName: z.string(),
});
export type BookingReminder = z.infer<typeof BookingReminderSchema>;
