import type { ServerEvent } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserPrincipal } from '../auth/access';
import { pgErrorCode, PG_EXCLUSION_VIOLATION } from '../db/Db';
import { Notifier } from '../realtime/Notifier';
import { seedDemo } from '../seed/demo.seed';
import { siteAccessOf } from '../sites/site.repository';
import { createMigratedTestDb, DEMO, TEST_DEMO_PASSWORD, type TestDb } from '../testing';
import { BookingReminders } from './reminders';
import { cancelBooking, insertBooking, rescheduleBooking } from './scheduling.repository';

/**
 * Reminders with an injected clock, and the exclusion constraint itself, on the embedded PGlite that `npm start`
 * uses (the PostgreSQL side is covered by the route and race tests).
 */
let t: TestDb;
const people = new Map<string, UserPrincipal>();
let sites: Record<string, string>;

async function principal(email: string): Promise<UserPrincipal> {
  const { rows } = await t.db.query<{ id: string; name: string; role: UserPrincipal['role'] }>('SELECT id, name, role FROM users WHERE email = $1', [email]);
  const u = rows[0]!;
  return {
    kind: 'user',
    id: u.id,
    email,
    name: u.name,
    role: u.role,
    totpEnabled: false,
    sites: await siteAccessOf(t.db, u.id, u.role),
    session: { idHash: 'x', csrfHash: 'x' },
  };
}

beforeAll(async () => {
  t = await createMigratedTestDb('pglite');
  await seedDemo(t.db, TEST_DEMO_PASSWORD);
  for (const email of Object.values(DEMO)) people.set(email, await principal(email));
  const { rows } = await t.db.query<{ code: string; id: string }>('SELECT code, id FROM sites');
  sites = Object.fromEntries(rows.map((r) => [r.code, r.id]));
});

afterAll(async () => {
  await t?.drop();
});

const START = new Date('2027-03-01T09:00:00Z');
const minutes = (n: number) => new Date(START.getTime() + n * 60_000);

function bookingAt(startsAt: Date, overrides: { requesterId?: string | null; specialist?: string } = {}) {
  return insertBooking(t.db, {
    specialistId: people.get(overrides.specialist ?? DEMO.neurologist)!.id,
    siteId: sites.MACON!,
    requesterId: overrides.requesterId === undefined ? people.get(DEMO.wardMacon)!.id : overrides.requesterId,
    patientRef: 'IPP-R-1',
    reason: 'Suivi',
    startsAt,
    endsAt: new Date(startsAt.getTime() + 30 * 60_000),
    createdBy: people.get(DEMO.scheduler)!.id,
  });
}

/** A notifier whose sink is every demo user connected: records who got which event. */
function capture() {
  const received: { to: string; event: ServerEvent }[] = [];
  const notifier = new Notifier();
  notifier.attach({
    publish(event, to) {
      const reached = [...people.entries()].filter(([, p]) => to(p));
      for (const [email] of reached) received.push({ to: email, event });
      return reached.map(([, p]) => p.id);
    },
  });
  return { notifier, received };
}

describe('BookingReminders', () => {
  it('runOnce() pushes booking.reminder to the specialist and the requester 15 minutes before, once, without the patient reference', async () => {
    const booking = await bookingAt(START);
    let now = minutes(-20);
    const { notifier, received } = capture();
    const reminders = new BookingReminders({ db: t.db, notifier, now: () => now });
    expect(await reminders.runOnce()).toBe(0);
    now = minutes(-15);
    expect(await reminders.runOnce()).toBe(1);
    expect(received.map((r) => r.to).sort()).toEqual([DEMO.neurologist, DEMO.wardMacon].sort());
    expect(received[0]!.event).toEqual({
      type: 'booking.reminder',
      reminder: { bookingId: booking.id, startsAt: START.toISOString(), siteName: booking.site_name, specialistName: booking.specialist_name },
    });
    expect(JSON.stringify(received)).not.toContain('IPP-R-1');
    now = minutes(-10);
    expect(await reminders.runOnce()).toBe(0);
    const { rows } = await t.db.query<{ details: { recipients: string[] } }>("SELECT details FROM audit_log WHERE action = 'booking.remind'");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.details.recipients).toHaveLength(2);
  });

  it('runOnce() reminds a rescheduled booking again before its new time, and never a cancelled one', async () => {
    const moved = await bookingAt(minutes(60));
    const cancelled = await bookingAt(minutes(120));
    let now = minutes(50);
    const { notifier, received } = capture();
    const reminders = new BookingReminders({ db: t.db, notifier, now: () => now });
    expect(await reminders.runOnce()).toBe(1);
    await rescheduleBooking(t.db, moved.id, minutes(240), minutes(270));
    await cancelBooking(t.db, cancelled.id, people.get(DEMO.scheduler)!.id, 'Annulée');
    now = minutes(110);
    expect(await reminders.runOnce()).toBe(0);
    now = minutes(230);
    expect(await reminders.runOnce()).toBe(1);
    expect(received.map((r) => r.event.type === 'booking.reminder' && r.event.reminder.bookingId)).toEqual([moved.id, moved.id, moved.id, moved.id]);
  });

  it('runOnce() of a booking without a requester reminds every ward doctor of its site, not those of other sites', async () => {
    await bookingAt(minutes(600), { requesterId: null, specialist: DEMO.radiologist });
    const { notifier, received } = capture();
    const reminders = new BookingReminders({ db: t.db, notifier, now: () => minutes(590) });
    expect(await reminders.runOnce()).toBe(1);
    expect(received.map((r) => r.to).sort()).toEqual([DEMO.radiologist, DEMO.wardMacon].sort());
  });
});

describe('bookings_no_double_booking on PGlite', () => {
  it('an INSERT overlapping an active booking of the same specialist fails with 23P01; a cancelled one does not block', async () => {
    const first = await bookingAt(minutes(2000));
    let error: unknown;
    try {
      await bookingAt(minutes(2015));
    } catch (err) {
      error = err;
    }
    expect(pgErrorCode(error)).toBe(PG_EXCLUSION_VIOLATION);
    // Another specialist at the same time is fine, and so is touching (half-open ranges).
    await bookingAt(minutes(2000), { specialist: DEMO.radiologist });
    await bookingAt(minutes(2030));
    await cancelBooking(t.db, first.id, people.get(DEMO.scheduler)!.id, 'Annulée');
    await bookingAt(minutes(2000));
  });
});
