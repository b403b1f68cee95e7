import ical, { type VEvent } from 'node-ical';
import type { BookingDto, IcsFeedDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, DEMO, startTestServer, TEST_DEMO_PASSWORD, type TestServer } from '@telestroke/server/testing';
import { book, bookingRequest, openAllWeek, siteUserId } from '../../server/src/scheduling/scheduling.testing';

/**
 * The iCalendar feed, read the way a calendar app does: without a cookie, by its secret URL, parsed with node-ical.
 * Two bookings at 09:00 Paris on the Mondays either side of the March DST change, and a cancelled one.
 */
let t: TestServer;
let scheduler: ApiClient;
let neuro: ApiClient;
let winter: BookingDto;
let summer: BookingDto;
let cancelled: BookingDto;

async function login(email: string) {
  const c = new ApiClient(t.url);
  expect((await c.login(email, TEST_DEMO_PASSWORD)).status).toBe(200);
  return c;
}

/** GET without any cookie, as a calendar app. */
const fetchFeed = (url: string) => fetch(t.url + url);

const events = (text: string) => Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT');

beforeAll(async () => {
  t = await startTestServer();
  scheduler = await login(DEMO.scheduler);
  neuro = await login(DEMO.neurologist);
  const neuroId = await siteUserId(scheduler, 'DIJON', DEMO.neurologist);
  const wardId = await siteUserId(scheduler, 'MACON', DEMO.wardMacon);
  await openAllWeek(scheduler, neuroId);
  const base = { specialistId: neuroId, patientRef: 'IPP-SECRET-777', requesterId: wardId };
  winter = await book(scheduler, bookingRequest({ ...base, startsAt: '2027-03-22T09:00:00+01:00' }));
  summer = await book(scheduler, bookingRequest({ ...base, startsAt: '2027-03-29T09:00:00+02:00', durationMinutes: 45 }));
  cancelled = await book(scheduler, bookingRequest({ ...base, startsAt: '2027-03-30T14:00:00+02:00' }));
  const res = await scheduler.request('DELETE', `/api/bookings/${cancelled.id}`, { json: { reason: 'Patient IPP-SECRET-777 décédé' } });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await t?.close();
});

describe('iCalendar feed', () => {
  let url: string;

  it('POST /api/ics answers the secret URL once; GET /api/ics then only says it is active', async () => {
    const created = await neuro.post<IcsFeedDto>('/api/ics');
    expect(created.status).toBe(201);
    expect(created.body.url).toMatch(/^\/ics\/[A-Za-z0-9_-]{43}\.ics$/);
    url = created.body.url!;
    const status = await neuro.get<IcsFeedDto>('/api/ics');
    expect(status.body).toEqual({ active: true, createdAt: created.body.createdAt });
    const { rows } = await t.server.db.query<{ secret_hash: string }>('SELECT secret_hash FROM ics_feeds');
    expect(rows.map((r) => r.secret_hash)).not.toContain(url.slice(5, -4));
  });

  it('GET /ics/{secret}.ics without a cookie parses with node-ical: both Mondays at 09:00 Paris, the cancelled one CANCELLED', async () => {
    const res = await fetchFeed(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
    const text = await res.text();
    const byUid = new Map(events(text).map((e) => [e.uid, e]));
    expect(byUid.size).toBe(3);
    const w = byUid.get(`booking-${winter.id}@telestroke.invalid`)!;
    const s = byUid.get(`booking-${summer.id}@telestroke.invalid`)!;
    const c = byUid.get(`booking-${cancelled.id}@telestroke.invalid`)!;
    // 09:00 Paris is 08:00Z before the change and 07:00Z after it.
    expect(w.start.toISOString()).toBe('2027-03-22T08:00:00.000Z');
    expect(w.end?.toISOString()).toBe('2027-03-22T08:30:00.000Z');
    expect(s.start.toISOString()).toBe('2027-03-29T07:00:00.000Z');
    expect(s.end?.toISOString()).toBe('2027-03-29T07:45:00.000Z');
    for (const e of [w, s]) {
      expect(new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', timeStyle: 'short' }).format(e.start)).toBe('09:00');
      expect(e.status).toBe('CONFIRMED');
      expect(String(e.summary)).toContain('Téléconsultation');
      expect(String(e.summary)).toContain(winter.siteName);
    }
    expect(c.status).toBe('CANCELLED');
    // Neither the patient reference nor the free-text reasons leave the application.
    expect(text).not.toContain('IPP-SECRET-777');
    expect(text).not.toContain(winter.reason);
  });

  it("GET /ics/{secret}.ics of the requesting ward doctor's feed lists the same bookings", async () => {
    const ward = await login(DEMO.wardMacon);
    const created = await ward.post<IcsFeedDto>('/api/ics');
    const text = await (await fetchFeed(created.body.url!)).text();
    expect(events(text).map((e) => e.uid).sort()).toEqual([winter.id, summer.id, cancelled.id].map((id) => `booking-${id}@telestroke.invalid`).sort());
  });

  it('POST /api/ics again replaces the URL: the old one answers 404, the new one 200', async () => {
    const created = await neuro.post<IcsFeedDto>('/api/ics');
    expect((await fetchFeed(url)).status).toBe(404);
    expect((await fetchFeed(created.body.url!)).status).toBe(200);
    url = created.body.url!;
  });

  it('DELETE /api/ics revokes: the URL answers 404, and GET /api/ics says inactive', async () => {
    expect((await neuro.delete('/api/ics')).status).toBe(204);
    expect((await fetchFeed(url)).status).toBe(404);
    expect((await neuro.get<IcsFeedDto>('/api/ics')).body).toEqual({ active: false, createdAt: null });
    expect((await neuro.delete('/api/ics')).status).toBe(404);
  });

  it('GET /ics/{guess}.ics of a malformed or unknown secret answers 404', async () => {
    expect((await fetchFeed('/ics/nope.ics')).status).toBe(404);
    expect((await fetchFeed(`/ics/${'A'.repeat(43)}.ics`)).status).toBe(404);
  });
});
