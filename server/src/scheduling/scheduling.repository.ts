import {
  BOOKING_JOIN_OPENS_MINUTES,
  timeOfMinutes,
  type AvailabilityExceptionDto,
  type AvailabilitySlotDto,
  type BookingDto,
  type BookingStatus,
  type Role,
  type SpecialistDto,
} from '@telestroke/shared';
import type { Queryable } from '../db/Db';

/** A person the scheduling names, with the sites they belong to. */
export interface PersonRow {
  id: string;
  name: string;
  role: Role;
  site_ids: string[];
  /** Codes of the hubs among their sites. */
  hub_codes: string[];
  hub_ids: string[];
}

/** An enabled user with their sites; null when unknown or disabled. */
export async function findPerson(q: Queryable, id: string): Promise<PersonRow | null> {
  const { rows } = await q.query<PersonRow>(
    `SELECT u.id, u.name, u.role,
            coalesce(array_agg(s.id) FILTER (WHERE s.id IS NOT NULL), '{}') AS site_ids,
            coalesce(array_agg(s.code ORDER BY s.code) FILTER (WHERE s.kind = 'hub'), '{}') AS hub_codes,
            coalesce(array_agg(s.id) FILTER (WHERE s.kind = 'hub'), '{}') AS hub_ids
       FROM users u
       LEFT JOIN user_sites us ON us.user_id = u.id
       LEFT JOIN sites s ON s.id = us.site_id
      WHERE u.id = $1 AND u.disabled_at IS NULL
      GROUP BY u.id`,
    [id],
  );
  return rows[0] ?? null;
}

/** The neurologists and radiologists of some hubs. */
export async function listSpecialists(q: Queryable, hubCodes: string[]): Promise<SpecialistDto[]> {
  const { rows } = await q.query<{ id: string; name: string; role: Role; hub_codes: string[] }>(
    `SELECT u.id, u.name, u.role, array_agg(s.code ORDER BY s.code) AS hub_codes
       FROM users u JOIN user_sites us ON us.user_id = u.id JOIN sites s ON s.id = us.site_id
      WHERE u.role IN ('neurologist', 'radiologist') AND u.disabled_at IS NULL AND s.kind = 'hub'
        AND s.code = ANY($1::text[])
      GROUP BY u.id ORDER BY u.name, u.id`,
    [hubCodes],
  );
  return rows.map((r) => ({ id: r.id, name: r.name, role: r.role, hubCodes: r.hub_codes }));
}

// --- Availability -----------------------------------------------------------------------------------------------

interface SlotRow {
  id: string;
  specialist_id: string;
  weekday: number;
  start_minute: number;
  end_minute: number;
}

export function slotDto(r: SlotRow): AvailabilitySlotDto {
  return {
    id: r.id,
    specialistId: r.specialist_id,
    weekday: r.weekday,
    start: timeOfMinutes(r.start_minute),
    end: timeOfMinutes(r.end_minute),
  };
}

export async function insertSlot(
  q: Queryable,
  s: { specialistId: string; weekday: number; startMinute: number; endMinute: number; createdBy: string },
): Promise<AvailabilitySlotDto> {
  const { rows } = await q.query<SlotRow>(
    `INSERT INTO availability_slots (specialist_id, weekday, start_minute, end_minute, created_by)
     VALUES ($1, $2, $3, $4, $5) RETURNING id, specialist_id, weekday, start_minute, end_minute`,
    [s.specialistId, s.weekday, s.startMinute, s.endMinute, s.createdBy],
  );
  return slotDto(rows[0]!);
}

export async function listSlots(q: Queryable, specialistId: string): Promise<AvailabilitySlotDto[]> {
  const { rows } = await q.query<SlotRow>(
    `SELECT id, specialist_id, weekday, start_minute, end_minute FROM availability_slots
      WHERE specialist_id = $1 ORDER BY weekday, start_minute`,
    [specialistId],
  );
  return rows.map(slotDto);
}

export async function findSlotOwner(q: Queryable, id: string): Promise<string | null> {
  const { rows } = await q.query<{ specialist_id: string }>('SELECT specialist_id FROM availability_slots WHERE id = $1', [id]);
  return rows[0]?.specialist_id ?? null;
}

export async function deleteSlot(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM availability_slots WHERE id = $1', [id]);
}

interface ExceptionRow {
  id: string;
  specialist_id: string;
  kind: 'leave' | 'extra';
  starts_at: Date;
  ends_at: Date;
  note: string | null;
}

const EXCEPTION_COLUMNS = 'id, specialist_id, kind, lower(during) AS starts_at, upper(during) AS ends_at, note';

function exceptionDto(r: ExceptionRow): AvailabilityExceptionDto {
  return {
    id: r.id,
    specialistId: r.specialist_id,
    kind: r.kind,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    note: r.note,
  };
}

export async function insertException(
  q: Queryable,
  e: { specialistId: string; kind: 'leave' | 'extra'; startsAt: Date; endsAt: Date; note: string | null; createdBy: string },
): Promise<AvailabilityExceptionDto> {
  const { rows } = await q.query<ExceptionRow>(
    `INSERT INTO availability_exceptions (specialist_id, kind, during, note, created_by)
     VALUES ($1, $2, tstzrange($3, $4, '[)'), $5, $6) RETURNING ${EXCEPTION_COLUMNS}`,
    [e.specialistId, e.kind, e.startsAt, e.endsAt, e.note, e.createdBy],
  );
  return exceptionDto(rows[0]!);
}

/** Exceptions of a specialist that overlap [from, to). */
export async function listExceptions(q: Queryable, specialistId: string, from: Date, to: Date): Promise<AvailabilityExceptionDto[]> {
  const { rows } = await q.query<ExceptionRow>(
    `SELECT ${EXCEPTION_COLUMNS} FROM availability_exceptions
      WHERE specialist_id = $1 AND during && tstzrange($2, $3, '[)') ORDER BY lower(during)`,
    [specialistId, from, to],
  );
  return rows.map(exceptionDto);
}

export async function findExceptionOwner(q: Queryable, id: string): Promise<string | null> {
  const { rows } = await q.query<{ specialist_id: string }>('SELECT specialist_id FROM availability_exceptions WHERE id = $1', [id]);
  return rows[0]?.specialist_id ?? null;
}

export async function deleteException(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM availability_exceptions WHERE id = $1', [id]);
}

// --- Bookings ---------------------------------------------------------------------------------------------------

export interface BookingRow {
  id: string;
  status: BookingStatus;
  specialist_id: string;
  specialist_name: string;
  specialist_role: Role;
  site_id: string;
  site_code: string;
  site_name: string;
  hub_id: string | null;
  requester_id: string | null;
  requester_name: string | null;
  patient_ref: string;
  reason: string;
  starts_at: Date;
  ends_at: Date;
  cancel_reason: string | null;
  created_by: string;
  created_at: Date;
}

const SELECT_BOOKING = (b: string) => `
  SELECT b.id, b.status, b.specialist_id, su.name AS specialist_name, su.role AS specialist_role,
         b.site_id, s.code AS site_code, s.name AS site_name, s.hub_id, b.requester_id, ru.name AS requester_name,
         b.patient_ref, b.reason, lower(b.during) AS starts_at, upper(b.during) AS ends_at, b.cancel_reason,
         b.created_by, b.created_at
    FROM ${b} b
    JOIN users su ON su.id = b.specialist_id
    JOIN sites s ON s.id = b.site_id
    LEFT JOIN users ru ON ru.id = b.requester_id`;

export function bookingDto(r: BookingRow): BookingDto {
  return {
    id: r.id,
    status: r.status,
    specialist: { id: r.specialist_id, name: r.specialist_name, role: r.specialist_role },
    siteCode: r.site_code,
    siteName: r.site_name,
    requester: r.requester_id ? { id: r.requester_id, name: r.requester_name ?? '' } : null,
    patientRef: r.patient_ref,
    reason: r.reason,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    durationMinutes: Math.round((r.ends_at.getTime() - r.starts_at.getTime()) / 60_000),
    joinOpensAt: new Date(r.starts_at.getTime() - BOOKING_JOIN_OPENS_MINUTES * 60_000).toISOString(),
    cancelReason: r.cancel_reason,
    createdAt: r.created_at.toISOString(),
  };
}

/** Namespace of the advisory locks on a specialist's bookings (any constant, the same on every node). */
const BOOKING_LOCK_SPACE = 7_262_006;

/**
 * Queues the transactions that write one specialist's bookings. The exclusion constraint alone guarantees no double
 * booking; but concurrent inserts that each wait on the other's uncommitted row can deadlock (40P01), which would
 * answer 500 instead of a clear 409. Held until the transaction ends.
 */
export async function lockSpecialistBookings(q: Queryable, specialistId: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [BOOKING_LOCK_SPACE, specialistId]);
}

export async function insertBooking(
  q: Queryable,
  b: {
    specialistId: string;
    siteId: string;
    requesterId: string | null;
    patientRef: string;
    reason: string;
    startsAt: Date;
    endsAt: Date;
    createdBy: string;
  },
): Promise<BookingRow> {
  const { rows } = await q.query<BookingRow>(
    `WITH b AS (
       INSERT INTO bookings (specialist_id, site_id, requester_id, patient_ref, reason, during, created_by)
       VALUES ($1, $2, $3, $4, $5, tstzrange($6, $7, '[)'), $8) RETURNING *)
     ${SELECT_BOOKING('b')}`,
    [b.specialistId, b.siteId, b.requesterId, b.patientRef, b.reason, b.startsAt, b.endsAt, b.createdBy],
  );
  return rows[0]!;
}

export async function findBooking(q: Queryable, id: string, forUpdate = false): Promise<BookingRow | null> {
  const { rows } = await q.query<BookingRow>(`${SELECT_BOOKING('bookings')} WHERE b.id = $1${forUpdate ? ' FOR UPDATE OF b' : ''}`, [id]);
  return rows[0] ?? null;
}

export async function findBookingSiteId(q: Queryable, id: string): Promise<string | null> {
  const { rows } = await q.query<{ site_id: string }>('SELECT site_id FROM bookings WHERE id = $1', [id]);
  return rows[0]?.site_id ?? null;
}

export interface BookingFilter {
  from: Date;
  to: Date;
  /** Limit to these sites. */
  siteIds: string[];
  specialistId?: string | undefined;
  /** Bookings where this user is the specialist or the requester. */
  involving?: string | undefined;
}

/** Bookings overlapping [from, to), oldest first; cancelled ones included (calendars show them struck through). */
export async function listBookings(q: Queryable, f: BookingFilter): Promise<BookingRow[]> {
  const { rows } = await q.query<BookingRow>(
    `${SELECT_BOOKING('bookings')}
      WHERE b.during && tstzrange($1, $2, '[)') AND b.site_id = ANY($3::uuid[])
        AND ($4::uuid IS NULL OR b.specialist_id = $4)
        AND ($5::uuid IS NULL OR b.specialist_id = $5 OR b.requester_id = $5)
      ORDER BY lower(b.during), b.id
      LIMIT 2000`,
    [f.from, f.to, f.siteIds, f.specialistId ?? null, f.involving ?? null],
  );
  return rows;
}

export async function rescheduleBooking(q: Queryable, id: string, startsAt: Date, endsAt: Date): Promise<BookingRow | null> {
  const { rows } = await q.query<BookingRow>(
    `WITH b AS (
       UPDATE bookings SET during = tstzrange($2, $3, '[)'), reminded_at = NULL, updated_at = now()
        WHERE id = $1 AND status = 'booked' RETURNING *)
     ${SELECT_BOOKING('b')}`,
    [id, startsAt, endsAt],
  );
  return rows[0] ?? null;
}

export async function cancelBooking(q: Queryable, id: string, userId: string, reason: string): Promise<BookingRow | null> {
  const { rows } = await q.query<BookingRow>(
    `WITH b AS (
       UPDATE bookings SET status = 'cancelled', cancel_reason = $3, cancelled_by = $2, cancelled_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'booked' RETURNING *)
     ${SELECT_BOOKING('b')}`,
    [id, userId, reason],
  );
  return rows[0] ?? null;
}

export async function markNoShow(q: Queryable, id: string): Promise<BookingRow | null> {
  const { rows } = await q.query<BookingRow>(
    `WITH b AS (
       UPDATE bookings SET status = 'no_show', no_show_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'booked' RETURNING *)
     ${SELECT_BOOKING('b')}`,
    [id],
  );
  return rows[0] ?? null;
}

/**
 * Claims the bookings whose reminder is due at `now` (starting within `leadMinutes`, not started yet, not reminded):
 * the UPDATE marks them, so that each is reminded once even with several server nodes.
 */
export async function claimDueReminders(q: Queryable, now: Date, leadMinutes: number): Promise<BookingRow[]> {
  const { rows } = await q.query<BookingRow>(
    `WITH b AS (
       UPDATE bookings SET reminded_at = $1
        WHERE status = 'booked' AND reminded_at IS NULL
          AND lower(during) > $1 AND lower(during) <= $1::timestamptz + make_interval(mins => $2)
        RETURNING *)
     ${SELECT_BOOKING('b')}`,
    [now, leadMinutes],
  );
  return rows;
}

/** The bookings of the feed's user, as specialist or requester, from `from` on. */
export async function listBookingsOf(q: Queryable, userId: string, from: Date): Promise<BookingRow[]> {
  const { rows } = await q.query<BookingRow>(
    `${SELECT_BOOKING('bookings')}
      WHERE (b.specialist_id = $1 OR b.requester_id = $1) AND upper(b.during) >= $2
      ORDER BY lower(b.during) LIMIT 2000`,
    [userId, from],
  );
  return rows;
}
