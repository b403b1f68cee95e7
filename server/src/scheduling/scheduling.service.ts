import {
  AppError,
  BOOKING_JOIN_OPENS_MINUTES,
  localDateTimeToUtc,
  minutesOfTime,
  type AvailabilityDto,
  type AvailabilityExceptionDto,
  type AvailabilitySlotDto,
  type BookingDto,
  type CreateAvailabilityExceptionRequest,
  type CreateAvailabilitySlotRequest,
  type CreateBookingRequest,
  type JoinConsultDto,
  type ListBookingsQuery,
  type RescheduleBookingRequest,
  type SpecialistDto,
} from '@telestroke/shared';
import { recordAudit, recordUserAudit } from '../audit/audit.service';
import { canSeeSite, type UserPrincipal } from '../auth/access';
import type { VideoSettings } from '../consult/consult.service';
import { roomJoin, tokenSecretOf } from '../consult/room-join';
import { PG_EXCLUSION_VIOLATION, pgErrorCode, type Db, type Queryable } from '../db/Db';
import type { Logger } from '../logger';
import { findSiteByCode } from '../sites/site.repository';
import { bookableIntervals, covers } from './availability';
import { canSeeBooking, isBookingParticipant, isSpecialistInScope, isSpecialistRole } from './scheduling.policy';
import {
  bookingDto,
  cancelBooking,
  deleteException,
  deleteSlot,
  findBooking,
  findExceptionOwner,
  findPerson,
  findSlotOwner,
  insertBooking,
  insertException,
  insertSlot,
  listBookings,
  listExceptions,
  listSlots,
  listSpecialists,
  lockSpecialistBookings,
  markNoShow,
  rescheduleBooking,
  type BookingRow,
  type PersonRow,
} from './scheduling.repository';
import type { Caller } from '../http/caller';

export type { Caller };

export interface SchedulingServiceOptions {
  db: Db;
  video: VideoSettings;
  /** The current time; injectable for tests. Default: the system clock. */
  now?: () => Date;
  log?: Logger;
}

/** Default window of GET /api/bookings: from a day ago, a week long. */
const DEFAULT_LIST_DAYS = 7;
const MAX_LIST_DAYS = 62;
/** How far ahead the availability view lists exceptions. */
const EXCEPTIONS_AHEAD_DAYS = 120;

const DAY = 86_400_000;
const BOOKING_NOT_FOUND = () => new AppError('NOT_FOUND', 'Booking not found');
const unknownPerson = (field: string, why: string) => new AppError('UNKNOWN_PERSON', why, { field });

function bookingStateError(row: BookingRow, wanted: string): AppError {
  const why = { booked: 'it is booked', cancelled: 'it was cancelled', no_show: 'it was marked as a no-show' }[row.status];
  return new AppError('BOOKING_STATE', `The booking cannot be ${wanted}: ${why}`, { status: row.status });
}

/**
 * Availability and bookings. The database decides double bookings (an exclusion constraint over the booked time of
 * each specialist): of concurrent conflicting requests exactly one commits, the others answer 409 BOOKING_CONFLICT.
 * Every read of bookings (which carry a patient reference) and every change is audited with ids only.
 */
export class SchedulingService {
  readonly #db: Db;
  readonly #video: VideoSettings;
  readonly #now: () => Date;

  constructor(options: SchedulingServiceOptions) {
    this.#db = options.db;
    this.#video = options.video;
    this.#now = options.now ?? (() => new Date());
  }

  /** The neurologists and radiologists of the hubs the caller sees, or of their sites' hubs. */
  async specialists({ user }: Caller): Promise<SpecialistDto[]> {
    const hubCodes = user.sites.visible.flatMap((s) => (s.kind === 'hub' ? [s.code] : s.hubCode ? [s.hubCode] : []));
    return listSpecialists(this.#db, [...new Set(hubCodes)]);
  }

  // --- Availability ---------------------------------------------------------------------------------------------

  async availability({ user }: Caller, specialistId: string): Promise<AvailabilityDto> {
    const person = await this.#specialist(user, specialistId, 'specialistId');
    const now = this.#now();
    const [slots, exceptions] = await Promise.all([
      listSlots(this.#db, person.id),
      listExceptions(this.#db, person.id, now, new Date(now.getTime() + EXCEPTIONS_AHEAD_DAYS * DAY)),
    ]);
    return {
      specialist: { id: person.id, name: person.name, role: person.role, hubCodes: person.hub_codes },
      slots,
      exceptions,
    };
  }

  async addSlot({ user, ip }: Caller, input: CreateAvailabilitySlotRequest): Promise<AvailabilitySlotDto> {
    const specialist = await this.#manageable(user, input.specialistId);
    const startMinute = minutesOfTime(input.start);
    const endMinute = minutesOfTime(input.end);
    if (endMinute <= startMinute) throw new AppError('SLOT_EMPTY', `The slot ends (${input.end}) before or when it starts (${input.start})`);
    try {
      return await this.#db.transaction(async (tx) => {
        const slot = await insertSlot(tx, { specialistId: specialist.id, weekday: input.weekday, startMinute, endMinute, createdBy: user.id });
        await recordUserAudit(tx, user, ip, 'availability.slot.create', { type: 'availability_slot', id: slot.id, siteId: null }, { specialistId: specialist.id });
        return slot;
      });
    } catch (err) {
      if (pgErrorCode(err) === PG_EXCLUSION_VIOLATION) {
        throw new AppError('SLOT_OVERLAP', 'This slot overlaps another weekly slot of the same specialist on that day');
      }
      throw err;
    }
  }

  async removeSlot({ user, ip }: Caller, id: string): Promise<void> {
    const owner = await findSlotOwner(this.#db, id);
    if (!owner || !(await this.#mayManage(user, owner))) throw new AppError('NOT_FOUND', 'Slot not found');
    await this.#db.transaction(async (tx) => {
      await deleteSlot(tx, id);
      await recordUserAudit(tx, user, ip, 'availability.slot.delete', { type: 'availability_slot', id: id, siteId: null }, { specialistId: owner });
    });
  }

  async addException({ user, ip }: Caller, input: CreateAvailabilityExceptionRequest): Promise<AvailabilityExceptionDto> {
    const specialist = await this.#manageable(user, input.specialistId);
    const startsAt = localDateTimeToUtc(input.startsAtLocal);
    const endsAt = localDateTimeToUtc(input.endsAtLocal);
    if (endsAt <= startsAt) throw new AppError('SLOT_EMPTY', 'The exception ends before or when it starts');
    try {
      return await this.#db.transaction(async (tx) => {
        const e = await insertException(tx, {
          specialistId: specialist.id,
          kind: input.kind,
          startsAt,
          endsAt,
          note: input.note || null,
          createdBy: user.id,
        });
        await recordUserAudit(tx, user, ip, 'availability.exception.create', { type: 'availability_exception', id: e.id, siteId: null }, {
          specialistId: specialist.id,
          kind: e.kind,
        });
        return e;
      });
    } catch (err) {
      if (pgErrorCode(err) === PG_EXCLUSION_VIOLATION) {
        throw new AppError('SLOT_OVERLAP', `This ${input.kind === 'leave' ? 'leave' : 'extra slot'} overlaps another of the same specialist`);
      }
      throw err;
    }
  }

  async removeException({ user, ip }: Caller, id: string): Promise<void> {
    const owner = await findExceptionOwner(this.#db, id);
    if (!owner || !(await this.#mayManage(user, owner))) throw new AppError('NOT_FOUND', 'Exception not found');
    await this.#db.transaction(async (tx) => {
      await deleteException(tx, id);
      await recordUserAudit(tx, user, ip, 'availability.exception.delete', { type: 'availability_exception', id: id, siteId: null }, { specialistId: owner });
    });
  }

  // --- Bookings -------------------------------------------------------------------------------------------------

  async book({ user, ip }: Caller, input: CreateBookingRequest): Promise<BookingDto> {
    const site = await findSiteByCode(this.#db, input.siteCode);
    // The site is in the body, out of the router's reach: checked here, with the same 404 as a missing one.
    if (!site || !canSeeSite(user, site.id)) throw new AppError('NOT_FOUND', 'Site not found');
    if (site.kind !== 'remote') {
      throw new AppError('VALIDATION_FAILED', 'The request is not valid', [
        { path: 'siteCode', code: 'custom', message: 'a booking is requested by a remote site, not by a hub' },
      ]);
    }
    const specialist = await this.#specialist(user, input.specialistId, 'specialistId');
    const hub = site.hubCode ? await findSiteByCode(this.#db, site.hubCode) : null;
    if (!hub || !specialist.hub_ids.includes(hub.id)) {
      throw unknownPerson('specialistId', `This specialist does not belong to ${site.code}'s hub`);
    }
    if (input.requesterId) {
      const requester = await findPerson(this.#db, input.requesterId);
      if (!requester || requester.role !== 'ward_doctor' || !requester.site_ids.includes(site.id)) {
        throw unknownPerson('requesterId', `No ward doctor of ${site.code} has this id`);
      }
    }
    const startsAt = new Date(input.startsAt);
    const endsAt = new Date(startsAt.getTime() + input.durationMinutes * 60_000);
    await this.#checkBookable(specialist.id, startsAt, endsAt);
    const row = await this.#exclusive(() =>
      this.#db.transaction(async (tx) => {
        await lockSpecialistBookings(tx, specialist.id);
        const created = await insertBooking(tx, {
          specialistId: specialist.id,
          siteId: site.id,
          requesterId: input.requesterId ?? null,
          patientRef: input.patientRef,
          reason: input.reason,
          startsAt,
          endsAt,
          createdBy: user.id,
        });
        await this.#auditBooking(tx, user, ip, 'booking.create', created);
        return created;
      }),
    );
    return bookingDto(row);
  }

  async list({ user, ip }: Caller, query: ListBookingsQuery): Promise<BookingDto[]> {
    const now = this.#now();
    const from = query.from ? new Date(query.from) : new Date(now.getTime() - DAY);
    const to = query.to ? new Date(query.to) : new Date(from.getTime() + DEFAULT_LIST_DAYS * DAY);
    if (to <= from || to.getTime() - from.getTime() > MAX_LIST_DAYS * DAY) {
      throw new AppError('VALIDATION_FAILED', 'The request is not valid', [
        { path: 'to', code: 'custom', message: `'to' must be after 'from', at most ${MAX_LIST_DAYS} days later` },
      ]);
    }
    let siteIds = user.sites.visible.map((s) => s.id);
    if (query.siteCode) siteIds = siteIds.filter((id) => user.sites.visible.find((s) => s.id === id)?.code === query.siteCode);
    const rows = await listBookings(this.#db, {
      from,
      to,
      siteIds,
      specialistId: query.specialistId,
      // Specialists see their own bookings only, whoever's calendar they open.
      involving: isSpecialistRole(user.role) ? user.id : undefined,
    });
    const visible = rows.filter((r) => canSeeBooking(user, r));
    await recordAudit(this.#db, {
      actorType: 'user',
      actorId: user.id,
      action: 'booking.list',
      resourceType: 'booking',
      ip,
      details: { from: from.toISOString(), to: to.toISOString(), bookingIds: visible.map((r) => r.id) },
    });
    return visible.map(bookingDto);
  }

  async get({ user, ip }: Caller, id: string): Promise<BookingDto> {
    const row = await this.#visible(this.#db, user, id);
    await this.#auditBooking(this.#db, user, ip, 'booking.read', row);
    return bookingDto(row);
  }

  async reschedule({ user, ip }: Caller, id: string, input: RescheduleBookingRequest): Promise<BookingDto> {
    const current = await this.#visible(this.#db, user, id);
    if (current.status !== 'booked') throw bookingStateError(current, 'rescheduled');
    const startsAt = new Date(input.startsAt);
    const minutes = input.durationMinutes ?? Math.round((current.ends_at.getTime() - current.starts_at.getTime()) / 60_000);
    const endsAt = new Date(startsAt.getTime() + minutes * 60_000);
    await this.#checkBookable(current.specialist_id, startsAt, endsAt);
    const row = await this.#exclusive(() =>
      this.#db.transaction(async (tx) => {
        await lockSpecialistBookings(tx, current.specialist_id);
        const moved = await rescheduleBooking(tx, id, startsAt, endsAt);
        if (!moved) throw bookingStateError((await findBooking(tx, id)) ?? current, 'rescheduled');
        await this.#auditBooking(tx, user, ip, 'booking.reschedule', moved, {
          from: current.starts_at.toISOString(),
          to: moved.starts_at.toISOString(),
        });
        return moved;
      }),
    );
    return bookingDto(row);
  }

  async cancel({ user, ip }: Caller, id: string, reason: string): Promise<BookingDto> {
    const current = await this.#visible(this.#db, user, id);
    const row = await this.#db.transaction(async (tx) => {
      const cancelled = await cancelBooking(tx, id, user.id, reason);
      if (!cancelled) throw bookingStateError((await findBooking(tx, id)) ?? current, 'cancelled');
      await this.#auditBooking(tx, user, ip, 'booking.cancel', cancelled);
      return cancelled;
    });
    return bookingDto(row);
  }

  /** Records that the patient's side did not come; once the booking has started, by a scheduler or its specialist. */
  async noShow({ user, ip }: Caller, id: string): Promise<BookingDto> {
    const current = await this.#visible(this.#db, user, id);
    if (user.role !== 'scheduler' && current.specialist_id !== user.id) {
      throw new AppError('FORBIDDEN', 'Only a scheduler or the booked specialist can mark a no-show');
    }
    if (this.#now() < current.starts_at) {
      throw new AppError('BOOKING_STATE', 'A booking can be marked as a no-show once it has started', {
        status: current.status,
        startsAt: current.starts_at.toISOString(),
      });
    }
    const row = await this.#db.transaction(async (tx) => {
      const marked = await markNoShow(tx, id);
      if (!marked) throw bookingStateError((await findBooking(tx, id)) ?? current, 'marked as a no-show');
      await this.#auditBooking(tx, user, ip, 'booking.no_show', marked);
      return marked;
    });
    return bookingDto(row);
  }

  /**
   * A participant's way into the booking's video room on the SFU, the same rooms as urgent consults (the room is
   * keyed by the booking's id). Open from BOOKING_JOIN_OPENS_MINUTES before the start until the end.
   */
  async join({ user, ip }: Caller, id: string): Promise<JoinConsultDto> {
    const row = await this.#visible(this.#db, user, id);
    if (!isBookingParticipant(user, row)) {
      throw new AppError('FORBIDDEN', "Only the booking's specialist and requesting ward doctor can join its room");
    }
    const secret = tokenSecretOf(this.#video);
    if (row.status !== 'booked') throw bookingStateError(row, 'joined');
    const now = this.#now();
    const opensAt = new Date(row.starts_at.getTime() - BOOKING_JOIN_OPENS_MINUTES * 60_000);
    if (now < opensAt || now >= row.ends_at) {
      throw new AppError(
        'BOOKING_STATE',
        now < opensAt
          ? `The room opens ${BOOKING_JOIN_OPENS_MINUTES} minutes before the start`
          : 'The booked time is over: the room is closed',
        { opensAt: opensAt.toISOString(), endsAt: row.ends_at.toISOString() },
      );
    }
    // The token's own clock is the real one: the SFU checks its expiry against the real time.
    const { join, claims } = roomJoin(this.#video, secret, user, id, Date.now());
    await this.#auditBooking(this.#db, user, ip, 'booking.join', row, { tokenId: claims.jti, expiresAt: claims.exp });
    return join;
  }

  // -------------------------------------------------------------------------------------------------------------

  async #checkBookable(specialistId: string, startsAt: Date, endsAt: Date): Promise<void> {
    if (startsAt < this.#now()) throw new AppError('BOOKING_IN_PAST', 'A booking cannot start in the past');
    const [slots, exceptions] = await Promise.all([
      listSlots(this.#db, specialistId),
      listExceptions(this.#db, specialistId, new Date(startsAt.getTime() - DAY), new Date(endsAt.getTime() + DAY)),
    ]);
    const bookable = bookableIntervals(slots, exceptions, new Date(startsAt.getTime() - DAY), new Date(endsAt.getTime() + DAY));
    if (!covers(bookable, startsAt.getTime(), endsAt.getTime())) {
      throw new AppError(
        'BOOKING_OUTSIDE_AVAILABILITY',
        "The booking is not within the specialist's availability (weekly slots and extra slots, minus leave)",
      );
    }
  }

  /** Runs a write that the exclusion constraint may refuse, turning the refusal into BOOKING_CONFLICT. */
  async #exclusive<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (pgErrorCode(err) === PG_EXCLUSION_VIOLATION) {
        throw new AppError('BOOKING_CONFLICT', 'The specialist is already booked at an overlapping time');
      }
      throw err;
    }
  }

  async #visible(q: Queryable, user: UserPrincipal, id: string): Promise<BookingRow> {
    const row = await findBooking(q, id);
    if (!row || !canSeeBooking(user, row)) throw BOOKING_NOT_FOUND();
    return row;
  }

  /** A specialist of a hub the user sees; otherwise UNKNOWN_PERSON, the same whether unknown or out of scope. */
  async #specialist(user: UserPrincipal, id: string, field: string): Promise<PersonRow> {
    const person = await findPerson(this.#db, id);
    if (!person || !isSpecialistInScope(user, person)) throw unknownPerson(field, 'No specialist (neurologist or radiologist) of your hubs has this id');
    return person;
  }

  /** The specialist whose availability the caller changes: themselves, or (a scheduler) one of their hubs'. */
  async #manageable(user: UserPrincipal, specialistId: string | undefined): Promise<PersonRow> {
    if (isSpecialistRole(user.role)) {
      if (specialistId !== undefined && specialistId !== user.id) {
        throw new AppError('FORBIDDEN', 'Specialists manage their own availability only');
      }
      return this.#specialist(user, user.id, 'specialistId');
    }
    if (!specialistId) {
      throw new AppError('VALIDATION_FAILED', 'The request is not valid', [
        { path: 'specialistId', code: 'custom', message: 'say whose availability this is' },
      ]);
    }
    return this.#specialist(user, specialistId, 'specialistId');
  }

  async #mayManage(user: UserPrincipal, specialistId: string): Promise<boolean> {
    if (isSpecialistRole(user.role)) return specialistId === user.id;
    const person = await findPerson(this.#db, specialistId);
    return person !== null && isSpecialistInScope(user, person);
  }

  #auditBooking(q: Queryable, user: UserPrincipal, ip: string | null, action: string, row: BookingRow, details?: Record<string, unknown>) {
    return recordUserAudit(q, user, ip, action, { type: 'booking', id: row.id, siteId: row.site_id }, details);
  }
}
