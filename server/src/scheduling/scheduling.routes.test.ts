import type { BookingDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, login } from '../consult/consult.testing';
import { DEMO, startTestServer, type ApiClient, type TestServer } from '../testing';
import { book, bookingRequest, nextWeekday, openAllWeek, siteUserId, specialistId } from './scheduling.testing';

const SFU_SECRET = 'scheduling-test-sfu-secret-0123456789abcdef';

let t: TestServer;
let scheduler: ApiClient;
let neuro: ApiClient;
let radio: ApiClient;
let wardMacon: ApiClient;
let wardNevers: ApiClient;
let neuroId: string;
let radioId: string;
let wardMaconId: string;
let wardNeversId: string;

beforeAll(async () => {
  t = await startTestServer({ SFU_TOKEN_SECRET: SFU_SECRET });
  [scheduler, neuro, radio, wardMacon, wardNevers] = (await Promise.all(
    [DEMO.scheduler, DEMO.neurologist, DEMO.radiologist, DEMO.wardMacon, DEMO.wardNevers].map((e) => login(t, e)),
  )) as [ApiClient, ApiClient, ApiClient, ApiClient, ApiClient];
  neuroId = await specialistId(scheduler, 'neurologist');
  radioId = await specialistId(scheduler, 'radiologist');
  wardMaconId = await siteUserId(scheduler, 'MACON', DEMO.wardMacon);
  wardNeversId = await siteUserId(scheduler, 'NEVERS', DEMO.wardNevers);
  // The neurologist works Mondays 09:00–12:00 (Paris) and is open all week for the tests of the join window.
  const res = await neuro.post('/api/availability/slots', { weekday: 1, start: '09:00', end: '12:00' });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await t?.close();
});

describe('availability', () => {
  it('POST /api/availability/slots overlapping another slot of the same day rejects with 409 SLOT_OVERLAP', async () => {
    const res = await neuro.post('/api/availability/slots', { weekday: 1, start: '11:30', end: '13:00' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('SLOT_OVERLAP');
    // Touching is not overlapping.
    const touching = await neuro.post('/api/availability/slots', { weekday: 1, start: '12:00', end: '12:30' });
    expect(touching.status).toBe(201);
    expect((await neuro.delete(`/api/availability/slots/${touching.body.id}`)).status).toBe(204);
  });

  it('POST /api/availability/slots with end equal to start rejects with 400 SLOT_EMPTY', async () => {
    const res = await neuro.post('/api/availability/slots', { weekday: 2, start: '10:00', end: '10:00' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('SLOT_EMPTY');
    const reversed = await neuro.post('/api/availability/slots', { weekday: 2, start: '11:00', end: '10:00' });
    expect(reversed.body.error.code).toBe('SLOT_EMPTY');
  });

  it("POST /api/availability/slots by a specialist for someone else's availability rejects with 403", async () => {
    const res = await radio.post('/api/availability/slots', { specialistId: neuroId, weekday: 3, start: '09:00', end: '10:00' });
    expect(res.status).toBe(403);
  });

  it('POST /api/availability/slots by a scheduler for an unknown or non-specialist id rejects with 422 UNKNOWN_PERSON', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', wardMaconId]) {
      const res = await scheduler.post('/api/availability/slots', { specialistId: id, weekday: 3, start: '09:00', end: '10:00' });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('UNKNOWN_PERSON');
    }
  });

  it('POST /api/availability/exceptions at a DST-skipped local time rejects with 400 DST_NONEXISTENT_TIME', async () => {
    const res = await neuro.post('/api/availability/exceptions', { kind: 'leave', startsAtLocal: '2027-03-28T02:30', endsAtLocal: '2027-03-28T10:00' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('DST_NONEXISTENT_TIME');
  });

  it('POST /api/availability/exceptions at a DST-repeated local time rejects with 400 DST_AMBIGUOUS_TIME', async () => {
    const res = await neuro.post('/api/availability/exceptions', { kind: 'extra', startsAtLocal: '2027-10-31T01:00', endsAtLocal: '2027-10-31T02:30' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('DST_AMBIGUOUS_TIME');
  });

  it('GET /api/specialists/{id}/availability lists the Paris wall-clock slots', async () => {
    const res = await wardMacon.get(`/api/specialists/${neuroId}/availability`);
    expect(res.status).toBe(200);
    expect(res.body.slots).toEqual([{ id: expect.any(String), specialistId: neuroId, weekday: 1, start: '09:00', end: '12:00' }]);
  });
});

describe('POST /api/bookings', () => {
  it('inside a Monday 09:00 slot books at 09:00 Paris both in winter (08:00Z) and after the March change (07:00Z)', async () => {
    const winter = await book(scheduler, bookingRequest({ specialistId: neuroId, startsAt: '2027-03-22T09:00:00+01:00', requesterId: wardMaconId }));
    expect(winter).toMatchObject({ status: 'booked', startsAt: '2027-03-22T08:00:00.000Z', durationMinutes: 30, siteCode: 'MACON' });
    expect(winter.requester).toEqual({ id: wardMaconId, name: expect.any(String) });
    const summer = await book(scheduler, bookingRequest({ specialistId: neuroId, startsAt: '2027-03-29T07:00:00Z' }));
    expect(summer.startsAt).toBe('2027-03-29T07:00:00.000Z');
    // 08:30 Paris on the Monday after the change (06:30Z) is before the slot: were the slot kept in UTC, it would fit.
    const early = await scheduler.post('/api/bookings', bookingRequest({ specialistId: neuroId, startsAt: '2027-03-29T06:30:00Z' }));
    expect(early.status).toBe(422);
    expect(early.body.error.code).toBe('BOOKING_OUTSIDE_AVAILABILITY');
    const late = await scheduler.post('/api/bookings', bookingRequest({ specialistId: neuroId, startsAt: '2027-03-29T11:45:00+02:00' }));
    expect(late.body.error.code).toBe('BOOKING_OUTSIDE_AVAILABILITY');
  });

  it('with startsAt without an offset rejects with 400 VALIDATION_FAILED naming startsAt', async () => {
    const res = await scheduler.post('/api/bookings', bookingRequest({ specialistId: neuroId, startsAt: '2027-04-05T09:00:00' }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.error.details)).toContain('startsAt');
  });

  it('in the past rejects with 422 BOOKING_IN_PAST', async () => {
    const res = await scheduler.post('/api/bookings', bookingRequest({ specialistId: neuroId, startsAt: '2026-01-05T09:00:00+01:00' }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('BOOKING_IN_PAST');
  });

  it('on a day of leave rejects with BOOKING_OUTSIDE_AVAILABILITY, and in an extra slot books', async () => {
    const leave = await neuro.post('/api/availability/exceptions', { kind: 'leave', startsAtLocal: '2027-04-12T00:00', endsAtLocal: '2027-04-13T00:00' });
    expect(leave.status).toBe(201);
    const onLeave = await scheduler.post('/api/bookings', bookingRequest({ specialistId: neuroId, startsAt: '2027-04-12T10:00:00+02:00' }));
    expect(onLeave.body.error.code).toBe('BOOKING_OUTSIDE_AVAILABILITY');
    const extra = await scheduler.post('/api/availability/exceptions', {
      specialistId: neuroId,
      kind: 'extra',
      startsAtLocal: '2027-04-14T14:00',
      endsAtLocal: '2027-04-14T16:00',
    });
    expect(extra.status).toBe(201);
    expect(extra.body).toMatchObject({ startsAt: '2027-04-14T12:00:00.000Z', endsAt: '2027-04-14T14:00:00.000Z' });
    await book(scheduler, bookingRequest({ specialistId: neuroId, startsAt: '2027-04-14T15:00:00+02:00', durationMinutes: 60 }));
  });

  it('naming an unknown specialist, a ward doctor as specialist or a requester of another site rejects with 422 UNKNOWN_PERSON', async () => {
    const startsAt = '2027-04-19T09:00:00+02:00';
    for (const body of [
      bookingRequest({ specialistId: '00000000-0000-4000-8000-000000000000', startsAt }),
      bookingRequest({ specialistId: wardMaconId, startsAt }),
      bookingRequest({ specialistId: neuroId, startsAt, requesterId: wardNeversId }),
      bookingRequest({ specialistId: neuroId, startsAt, requesterId: neuroId }),
    ]) {
      const res = await scheduler.post('/api/bookings', body);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('UNKNOWN_PERSON');
    }
  });

  it('by a ward doctor rejects with 403, and for a site outside the scheduler\'s hub with 404', async () => {
    const startsAt = '2027-04-19T09:00:00+02:00';
    expect((await wardMacon.post('/api/bookings', bookingRequest({ specialistId: neuroId, startsAt }))).status).toBe(403);
    await t.server.db.query("INSERT INTO sites (code, name, kind) VALUES ('LYON', 'HCL Lyon', 'hub')");
    const elsewhere = await scheduler.post('/api/bookings', bookingRequest({ specialistId: neuroId, startsAt, siteCode: 'LYON' }));
    expect(elsewhere.status).toBe(404);
  });
});

describe('changes', () => {
  let a: BookingDto;
  let b: BookingDto;

  beforeAll(async () => {
    a = await book(scheduler, bookingRequest({ specialistId: neuroId, startsAt: '2027-05-03T09:00:00+02:00' }));
    b = await book(scheduler, bookingRequest({ specialistId: neuroId, startsAt: '2027-05-03T10:00:00+02:00' }));
  });

  it('POST /api/bookings overlapping a booking of the same specialist rejects with 409 BOOKING_CONFLICT', async () => {
    const res = await scheduler.post('/api/bookings', bookingRequest({ specialistId: neuroId, startsAt: '2027-05-03T09:15:00+02:00' }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('BOOKING_CONFLICT');
  });

  it('PATCH /api/bookings/{id} onto another booking rejects with 409 BOOKING_CONFLICT, elsewhere moves it', async () => {
    const clash = await scheduler.patch(`/api/bookings/${b.id}`, { startsAt: '2027-05-03T09:20:00+02:00' });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('BOOKING_CONFLICT');
    const moved = await scheduler.patch(`/api/bookings/${b.id}`, { startsAt: '2027-05-03T11:00:00+02:00', durationMinutes: 45 });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ startsAt: '2027-05-03T09:00:00.000Z', durationMinutes: 45 });
    const outside = await scheduler.patch(`/api/bookings/${b.id}`, { startsAt: '2027-05-03T11:30:00+02:00', durationMinutes: 45 });
    expect(outside.body.error.code).toBe('BOOKING_OUTSIDE_AVAILABILITY');
  });

  it('DELETE /api/bookings/{id} without a reason rejects with 400, with one cancels and frees the time', async () => {
    const noReason = await scheduler.request('DELETE', `/api/bookings/${a.id}`, { json: {} });
    expect(noReason.status).toBe(400);
    const res = await scheduler.request('DELETE', `/api/bookings/${a.id}`, { json: { reason: 'Patient transféré' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', cancelReason: 'Patient transféré' });
    await book(scheduler, bookingRequest({ specialistId: neuroId, startsAt: '2027-05-03T09:00:00+02:00' }));
    const again = await scheduler.request('DELETE', `/api/bookings/${a.id}`, { json: { reason: 'encore' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('BOOKING_STATE');
  });

  it('POST /api/bookings/{id}/no-show before the start rejects with 409 BOOKING_STATE', async () => {
    const res = await scheduler.post(`/api/bookings/${b.id}/no-show`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('BOOKING_STATE');
  });
});

describe('who sees what', () => {
  let booking: BookingDto;
  beforeAll(async () => {
    booking = await book(scheduler, bookingRequest({ specialistId: neuroId, startsAt: '2027-06-07T09:00:00+02:00' }));
  });
  const window = '?from=2027-06-07T00:00:00Z&to=2027-06-08T00:00:00Z';

  it('GET /api/bookings shows a Mâcon booking to the scheduler, the Mâcon ward doctor and its specialist only', async () => {
    const ids = async (c: ApiClient) => ((await c.get<BookingDto[]>(`/api/bookings${window}`)).body ?? []).map((x) => x.id);
    expect(await ids(scheduler)).toEqual([booking.id]);
    expect(await ids(wardMacon)).toEqual([booking.id]);
    expect(await ids(neuro)).toEqual([booking.id]);
    expect(await ids(radio)).toEqual([]);
    expect(await ids(wardNevers)).toEqual([]);
    expect((await radio.get(`/api/bookings/${booking.id}`)).status).toBe(404);
    expect((await wardNevers.get(`/api/bookings/${booking.id}`)).status).toBe(404);
  });

  it('GET /api/bookings with specialistId filters, and a window over 62 days rejects with 400', async () => {
    expect((await scheduler.get(`/api/bookings${window}&specialistId=${radioId}`)).body).toEqual([]);
    const long = await scheduler.get('/api/bookings?from=2027-01-01T00:00:00Z&to=2027-06-01T00:00:00Z');
    expect(long.status).toBe(400);
  });

  it('GET /api/bookings records the read in the audit log with the booking ids, never the patient reference', async () => {
    await wardMacon.get(`/api/bookings${window}`);
    const { rows } = await t.server.db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_log WHERE action = 'booking.list' ORDER BY seq DESC LIMIT 1",
    );
    expect(rows[0]!.details.bookingIds).toEqual([booking.id]);
    expect(JSON.stringify(rows[0])).not.toContain('IPP-SUIVI-42');
  });
});

describe('POST /api/bookings/{id}/join', () => {
  let soon: BookingDto;
  let later: BookingDto;
  let other: string;

  beforeAll(async () => {
    await openAllWeek(scheduler, radioId);
    other = await addUser(t, { email: 'ward2.macon@test.invalid', name: 'Dr Autre Mâcon', role: 'ward_doctor', sites: ['MACON'] });
    soon = await book(
      scheduler,
      bookingRequest({ specialistId: radioId, startsAt: new Date(Date.now() + 5 * 60_000).toISOString(), requesterId: wardMaconId }),
    );
    later = await book(scheduler, bookingRequest({ specialistId: radioId, startsAt: new Date(Date.now() + 3 * 3600_000).toISOString() }));
  });

  it('by its specialist and its requesting ward doctor 5 minutes before the start answers an SFU token for the booking', async () => {
    for (const c of [radio, wardMacon]) {
      const res = await c.post(`/api/bookings/${soon.id}/join`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ consultId: soon.id, sfuUrl: expect.stringMatching(/^ws/), token: expect.any(String) });
    }
  });

  it('by another ward doctor of the site than the requester rejects with 403, by the scheduler with 403', async () => {
    const ward2 = await login(t, 'ward2.macon@test.invalid');
    expect(other).toBeTruthy();
    expect((await ward2.post(`/api/bookings/${soon.id}/join`)).status).toBe(403);
    expect((await scheduler.post(`/api/bookings/${soon.id}/join`)).status).toBe(403);
  });

  it('3 hours before the start rejects with 409 BOOKING_STATE saying when the room opens', async () => {
    const res = await radio.post(`/api/bookings/${later.id}/join`);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'BOOKING_STATE', details: { opensAt: later.joinOpensAt } });
  });

  it('of a booking with no requester, under way, admits any ward doctor of the site', async () => {
    const ward2 = await login(t, 'ward2.macon@test.invalid');
    const open = await book(scheduler, bookingRequest({ specialistId: radioId, startsAt: new Date(Date.now() + 40 * 60_000).toISOString() }));
    await t.server.db.query("UPDATE bookings SET during = tstzrange(now() - interval '10 minutes', now() + interval '3 minutes', '[)') WHERE id = $1", [open.id]);
    expect((await ward2.post(`/api/bookings/${open.id}/join`)).status).toBe(200);
    expect((await wardNevers.post(`/api/bookings/${open.id}/join`)).status).toBe(404);
  });
});
