import type { TestResponse } from '../testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../consult/consult.testing';
import { DEMO, startTestServer, type ApiClient, type TestServer } from '../testing';
import { bookingRequest, openAllWeek, specialistId } from './scheduling.testing';

let t: TestServer;
let scheduler: ApiClient;
let neuroId: string;

beforeAll(async () => {
  t = await startTestServer();
  scheduler = await login(t, DEMO.scheduler);
  neuroId = await specialistId(scheduler, 'neurologist');
  await openAllWeek(scheduler, neuroId);
});

afterAll(async () => {
  await t?.close();
});

function tally(results: TestResponse[]) {
  const byStatus = new Map<string, number>();
  for (const r of results) {
    const key = r.status === 201 ? '201' : `${r.status} ${r.body?.error?.code}`;
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  return Object.fromEntries(byStatus);
}

async function activeBookings(): Promise<number> {
  const { rows } = await t.server.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM bookings WHERE specialist_id = $1 AND status <> 'cancelled'",
    [neuroId],
  );
  return rows[0]!.n;
}

// Real PostgreSQL, a pool of connections: the requests pass every check of the service together, and the exclusion
// constraint alone decides.
describe('100 parallel conflicting bookings', () => {
  it('POST /api/bookings of the same slot 100 times at once books exactly 1 and answers 99 × 409 BOOKING_CONFLICT', async () => {
    const body = bookingRequest({ specialistId: neuroId, startsAt: '2027-02-01T10:00:00+01:00' });
    const results = await Promise.all(Array.from({ length: 100 }, () => scheduler.post('/api/bookings', body)));
    expect(tally(results)).toEqual({ '201': 1, '409 BOOKING_CONFLICT': 99 });
    expect(await activeBookings()).toBe(1);
  });

  it('POST /api/bookings of 100 different but pairwise overlapping slots at once books exactly 1', async () => {
    // 60-minute bookings starting a minute apart within 100 minutes: some pairs do not overlap, so build them all
    // around one instant instead: every one contains 2027-02-08T11:00+01:00.
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        scheduler.post(
          '/api/bookings',
          bookingRequest({
            specialistId: neuroId,
            startsAt: new Date(Date.parse('2027-02-08T11:00:00+01:00') - (i % 50) * 60_000).toISOString(),
            durationMinutes: 60 + (i % 7),
            patientRef: `IPP-${i}`,
          }),
        ),
      ),
    );
    expect(tally(results)).toEqual({ '201': 1, '409 BOOKING_CONFLICT': 99 });
    expect(await activeBookings()).toBe(2);
  });

  it('a cancelled booking does not block: after cancelling, the same slot books again once', async () => {
    const { rows } = await t.server.db.query<{ id: string }>(
      "SELECT id FROM bookings WHERE lower(during) = '2027-02-01T09:00:00Z' AND status = 'booked'",
    );
    const cancel = await scheduler.request('DELETE', `/api/bookings/${rows[0]!.id}`, { json: { reason: 'Reportée' } });
    expect(cancel.status).toBe(200);
    const body = bookingRequest({ specialistId: neuroId, startsAt: '2027-02-01T10:00:00+01:00' });
    const results = await Promise.all(Array.from({ length: 20 }, () => scheduler.post('/api/bookings', body)));
    expect(tally(results)).toEqual({ '201': 1, '409 BOOKING_CONFLICT': 19 });
  });
});
