import {
  AppError,
  AvailabilityDtoSchema,
  AvailabilityExceptionDtoSchema,
  AvailabilitySlotDtoSchema,
  BookingDtoSchema,
  CancelBookingRequestSchema,
  CreateAvailabilityExceptionRequestSchema,
  CreateAvailabilitySlotRequestSchema,
  CreateBookingRequestSchema,
  CreateRotaShiftRequestSchema,
  IcsFeedDtoSchema,
  JoinConsultDtoSchema,
  ListBookingsQuerySchema,
  RescheduleBookingRequestSchema,
  RotaGapDtoSchema,
  RotaQuerySchema,
  RotaShiftDtoSchema,
  SiteCodeSchema,
  SpecialistDtoSchema,
} from '@telestroke/shared';
import { z } from 'zod';
import type { Db } from '../db/Db';
import { defineRoute, type RouteSpec } from '../http/route';
import { siteOfRecord } from '../sites/site.repository';
import { ICS_FILE, type IcsFeedService } from './ics.service';
import type { RotaService } from './rota.service';
import { findBookingSiteId } from './scheduling.repository';
import type { SchedulingService } from './scheduling.service';
import { callerOf } from '../http/caller';

const IdParamsSchema = z.object({ id: z.uuid() }).strict();

/** Bookings, availability, the on-call rota and the iCalendar feeds. */
export function schedulingRoutes(deps: {
  db: Db;
  scheduling: SchedulingService;
  rota: RotaService;
  ics: IcsFeedService;
}): RouteSpec<any, any, any>[] {
  const { db, scheduling, rota, ics } = deps;
  // A booking that does not exist and one of a site the caller does not see answer the same 404.
  const siteOfBooking = siteOfRecord(db, findBookingSiteId);
  const oneBooking = { params: IdParamsSchema, site: siteOfBooking, tag: 'scheduling' } as const;
  const tag = 'scheduling';
  return [
    defineRoute({
      method: 'get',
      path: '/api/specialists',
      summary: 'The neurologists and radiologists of the hubs the caller sees, who can be booked',
      tag,
      access: 'booking:read',
      response: z.array(SpecialistDtoSchema),
      handler: async (i) => scheduling.specialists(callerOf(i.principal, i.ip)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/specialists/:id/availability',
      summary: "A specialist's weekly slots (Europe/Paris wall clock) and coming exceptions (leave, extra slots)",
      tag,
      access: 'booking:read',
      params: IdParamsSchema,
      response: AvailabilityDtoSchema,
      errors: ['UNKNOWN_PERSON'],
      handler: async (i) => scheduling.availability(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/availability/slots',
      summary: 'Add a weekly slot (a specialist their own, a scheduler anyone of their hubs); overlaps are refused',
      tag,
      access: 'availability:manage',
      body: CreateAvailabilitySlotRequestSchema,
      status: 201,
      response: AvailabilitySlotDtoSchema,
      errors: ['SLOT_OVERLAP', 'SLOT_EMPTY', 'UNKNOWN_PERSON'],
      handler: async (i) => scheduling.addSlot(callerOf(i.principal, i.ip), i.body),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/availability/slots/:id',
      summary: 'Remove a weekly slot (existing bookings stay)',
      tag,
      access: 'availability:manage',
      params: IdParamsSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => scheduling.removeSlot(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/availability/exceptions',
      summary:
        'Add leave or an extra slot, in Europe/Paris wall-clock time; a time the DST change skips or repeats is refused',
      tag,
      access: 'availability:manage',
      body: CreateAvailabilityExceptionRequestSchema,
      status: 201,
      response: AvailabilityExceptionDtoSchema,
      errors: ['SLOT_OVERLAP', 'SLOT_EMPTY', 'UNKNOWN_PERSON', 'DST_AMBIGUOUS_TIME', 'DST_NONEXISTENT_TIME'],
      handler: async (i) => scheduling.addException(callerOf(i.principal, i.ip), i.body),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/availability/exceptions/:id',
      summary: 'Remove leave or an extra slot',
      tag,
      access: 'availability:manage',
      params: IdParamsSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => scheduling.removeException(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/bookings',
      summary:
        'Book a teleconsultation (scheduler): startsAt in ISO 8601 with an offset; an overlap with another booking of ' +
        'the specialist answers 409 BOOKING_CONFLICT',
      tag,
      access: 'booking:manage',
      body: CreateBookingRequestSchema,
      status: 201,
      response: BookingDtoSchema,
      errors: ['NOT_FOUND', 'BOOKING_CONFLICT', 'BOOKING_OUTSIDE_AVAILABILITY', 'BOOKING_IN_PAST', 'UNKNOWN_PERSON'],
      handler: async (i) => scheduling.book(callerOf(i.principal, i.ip), i.body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/bookings',
      summary:
        'Bookings overlapping [from, to) (default: from a day ago, 7 days; at most 62), cancelled ones included: ' +
        "schedulers see their sites', ward doctors their site's, specialists their own",
      tag,
      access: 'booking:read',
      query: ListBookingsQuerySchema,
      response: z.array(BookingDtoSchema),
      handler: async (i) => scheduling.list(callerOf(i.principal, i.ip), i.query),
    }),
    defineRoute({
      ...oneBooking,
      method: 'get',
      path: '/api/bookings/:id',
      summary: 'One booking',
      access: 'booking:read',
      response: BookingDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => scheduling.get(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...oneBooking,
      method: 'patch',
      path: '/api/bookings/:id',
      summary: 'Reschedule a booking (and optionally change its duration), with the same checks as a new booking',
      access: 'booking:manage',
      body: RescheduleBookingRequestSchema,
      response: BookingDtoSchema,
      errors: ['NOT_FOUND', 'BOOKING_CONFLICT', 'BOOKING_OUTSIDE_AVAILABILITY', 'BOOKING_IN_PAST', 'BOOKING_STATE'],
      handler: async (i) => scheduling.reschedule(callerOf(i.principal, i.ip), i.params.id, i.body),
    }),
    defineRoute({
      ...oneBooking,
      method: 'delete',
      path: '/api/bookings/:id',
      summary: 'Cancel a booking, with a reason (JSON body {reason}); its time becomes free again',
      access: 'booking:manage',
      body: CancelBookingRequestSchema,
      response: BookingDtoSchema,
      errors: ['NOT_FOUND', 'BOOKING_STATE'],
      handler: async (i) => scheduling.cancel(callerOf(i.principal, i.ip), i.params.id, i.body.reason),
    }),
    defineRoute({
      ...oneBooking,
      method: 'post',
      path: '/api/bookings/:id/no-show',
      summary: 'Mark a started booking as a no-show (a scheduler, or its specialist)',
      access: 'booking:read',
      response: BookingDtoSchema,
      errors: ['NOT_FOUND', 'BOOKING_STATE'],
      handler: async (i) => scheduling.noShow(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...oneBooking,
      method: 'post',
      path: '/api/bookings/:id/join',
      summary:
        "A participant's way into the booking's video room (the consult rooms' SFU), from 10 minutes before the start " +
        'until the end: the SFU URL, a short-lived token and the ICE servers',
      access: 'booking:join',
      response: JoinConsultDtoSchema,
      errors: ['NOT_FOUND', 'BOOKING_STATE', 'UNAVAILABLE'],
      handler: async (i) => scheduling.join(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/api/rota',
      summary: 'On-call shifts of the visible hubs (or one) overlapping [from, to) (default: the next 14 days)',
      tag,
      access: 'rota:read',
      query: RotaQuerySchema,
      response: z.array(RotaShiftDtoSchema),
      errors: ['NOT_FOUND'],
      handler: async (i) => rota.list(callerOf(i.principal, i.ip), i.query),
    }),
    defineRoute({
      method: 'post',
      path: '/api/rota/shifts',
      summary:
        'Add an on-call shift (Europe/Paris wall-clock times) with a primary and an optional backup; one shift at a time ' +
        'per hub and duty',
      tag,
      access: 'rota:manage',
      body: CreateRotaShiftRequestSchema,
      status: 201,
      response: RotaShiftDtoSchema,
      errors: ['NOT_FOUND', 'SLOT_OVERLAP', 'SLOT_EMPTY', 'UNKNOWN_PERSON', 'DST_AMBIGUOUS_TIME', 'DST_NONEXISTENT_TIME'],
      handler: async (i) => rota.addShift(callerOf(i.principal, i.ip), i.body),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/rota/shifts/:id',
      summary: 'Remove an on-call shift',
      tag,
      access: 'rota:manage',
      params: IdParamsSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => rota.removeShift(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/api/rota/gaps',
      summary: 'When, over the next 14 days, a duty of a visible hub (or of one) has nobody on call',
      tag,
      access: 'rota:read',
      query: z.object({ hubCode: SiteCodeSchema.optional() }).strict(),
      response: z.array(RotaGapDtoSchema),
      errors: ['NOT_FOUND'],
      handler: async (i) => rota.gaps(callerOf(i.principal, i.ip), i.query.hubCode),
    }),
    defineRoute({
      method: 'get',
      path: '/api/ics',
      summary: "Whether the caller's iCalendar feed is active (its URL is shown only when created)",
      tag,
      access: 'ics:manage',
      response: IcsFeedDtoSchema,
      handler: async (i) => ics.status(callerOf(i.principal, i.ip)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/ics',
      summary: "Create the caller's secret iCalendar feed URL, revoking the previous one; the URL is shown once",
      tag,
      access: 'ics:manage',
      status: 201,
      response: IcsFeedDtoSchema,
      handler: async (i) => ics.create(callerOf(i.principal, i.ip)),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/ics',
      summary: "Revoke the caller's iCalendar feed: its URL answers 404 from now on",
      tag,
      access: 'ics:manage',
      errors: ['NOT_FOUND'],
      handler: async (i) => ics.revoke(callerOf(i.principal, i.ip)),
    }),
    defineRoute({
      method: 'get',
      path: '/ics/:file',
      summary: 'An iCalendar feed by its secret URL (/ics/{secret}.ics), for calendar apps: no cookie, the secret is the credential',
      tag,
      access: 'public',
      params: z.object({ file: z.string().max(200) }).strict(),
      raw: true,
      errors: ['NOT_FOUND'],
      handler: async (i) => {
        const secret = ICS_FILE.exec(i.params.file)?.[1];
        const body = secret ? await ics.feed(secret, i.ip) : null;
        if (body === null) throw new AppError('NOT_FOUND', 'No such calendar feed');
        i.res.set('Cache-Control', 'private, no-store');
        i.res.type('text/calendar; charset=utf-8').send(body);
      },
    }),
  ];
}
