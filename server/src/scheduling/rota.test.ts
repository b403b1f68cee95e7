import type { RotaGapDto, RotaShiftDto } from '@telestroke/shared';
import { toLocal } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, login, openEvents, startConsult } from '../consult/consult.testing';
import { DEMO, startTestServer, type ApiClient, type TestServer } from '../testing';
import { RotaService } from './rota.service';
import { siteUserId, specialistId } from './scheduling.testing';

let t: TestServer;
let scheduler: ApiClient;
let neuro: ApiClient;
let neuroId: string;
let radioId: string;
let neuro2Id: string;
let dijonId: string;

/** Paris wall clock of an instant, as the rota's input wants it. */
const local = (ms: number) => {
  const l = toLocal(ms);
  return `${l.date}T${l.time}`;
};

beforeAll(async () => {
  t = await startTestServer();
  neuro2Id = await addUser(t, { email: 'neuro2@test.invalid', name: 'Dr Deuxième Neurologue', role: 'neurologist', sites: ['DIJON'] });
  scheduler = await login(t, DEMO.scheduler);
  neuro = await login(t, DEMO.neurologist);
  neuroId = await siteUserId(scheduler, 'DIJON', DEMO.neurologist);
  radioId = await specialistId(scheduler, 'radiologist');
  const { rows } = await t.server.db.query<{ id: string }>("SELECT id FROM sites WHERE code = 'DIJON'");
  dijonId = rows[0]!.id;
});

afterAll(async () => {
  await t?.close();
});

describe('on-call rota', () => {
  it('with no shift, a new consult alerts every neurologist of the hub', async () => {
    const neuro2 = await login(t, 'neuro2@test.invalid');
    const [a, b] = await Promise.all([openEvents(t, neuro), openEvents(t, neuro2)]);
    const ward = await login(t, DEMO.wardMacon);
    const consult = await startConsult(ward);
    await a.next((e) => e.type === 'consult.requested' && e.consult.id === consult.id);
    await b.next((e) => e.type === 'consult.requested' && e.consult.id === consult.id);
    a.close();
    b.close();
  });

  it('POST /api/rota/shifts covering now makes its primary the only neurologist alerted of a new consult', async () => {
    const now = Date.now();
    // Whole minutes: the input is HH:mm, and the shift must have begun already.
    const res = await scheduler.post<RotaShiftDto>('/api/rota/shifts', {
      hubCode: 'DIJON',
      duty: 'urgent_consult',
      startsAtLocal: local(now - 3600_000),
      endsAtLocal: local(now + 24 * 3600_000),
      primaryId: neuro2Id,
      backupId: neuroId,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ hubCode: 'DIJON', duty: 'urgent_consult', primary: { id: neuro2Id }, backup: { id: neuroId } });

    const neuro2 = await login(t, 'neuro2@test.invalid');
    const [backup, primary] = await Promise.all([openEvents(t, neuro), openEvents(t, neuro2)]);
    const ward = await login(t, DEMO.wardMacon);
    const consult = await startConsult(ward);
    await primary.next((e) => e.type === 'consult.requested' && e.consult.id === consult.id);
    // The backup sees the consult in the list (updated), without the alert.
    await backup.next((e) => e.type === 'consult.updated' && e.consult.id === consult.id);
    expect(backup.events.some((e) => e.type === 'consult.requested' && e.consult.id === consult.id)).toBe(false);
    primary.close();
    backup.close();
  });

  it('RotaService.onCall() answers the primary and the backup of the shift covering the instant, nobody outside', async () => {
    const rota = new RotaService({ db: t.server.db });
    expect(await rota.onCall(dijonId, 'urgent_consult', new Date())).toEqual({ primary: [neuro2Id], backup: [neuroId] });
    expect(await rota.onCall(dijonId, 'urgent_consult', new Date(Date.now() + 3 * 86_400_000))).toEqual({ primary: [], backup: [] });
    expect(await rota.onCall(dijonId, 'urgent_read', new Date())).toEqual({ primary: [], backup: [] });
  });

  it('POST /api/rota/shifts overlapping a shift of the same hub and duty rejects with 409 SLOT_OVERLAP', async () => {
    const now = Date.now();
    const res = await scheduler.post('/api/rota/shifts', {
      hubCode: 'DIJON',
      duty: 'urgent_consult',
      startsAtLocal: local(now + 3600_000),
      endsAtLocal: local(now + 7200_000),
      primaryId: neuroId,
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('SLOT_OVERLAP');
  });

  it('POST /api/rota/shifts with a radiologist on urgent_consult, or an unknown id, rejects with 422 UNKNOWN_PERSON', async () => {
    for (const primaryId of [radioId, '00000000-0000-4000-8000-000000000000']) {
      const res = await scheduler.post('/api/rota/shifts', {
        hubCode: 'DIJON',
        duty: 'urgent_consult',
        startsAtLocal: '2027-01-10T08:00',
        endsAtLocal: '2027-01-10T20:00',
        primaryId,
      });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('UNKNOWN_PERSON');
    }
  });

  it('POST /api/rota/shifts at DST-skipped or repeated local times rejects with DST_NONEXISTENT_TIME / DST_AMBIGUOUS_TIME', async () => {
    const base = { hubCode: 'DIJON', duty: 'urgent_read', primaryId: radioId };
    const skipped = await scheduler.post('/api/rota/shifts', { ...base, startsAtLocal: '2027-03-28T02:30', endsAtLocal: '2027-03-28T08:00' });
    expect(skipped.status).toBe(400);
    expect(skipped.body.error.code).toBe('DST_NONEXISTENT_TIME');
    const repeated = await scheduler.post('/api/rota/shifts', { ...base, startsAtLocal: '2027-10-30T20:00', endsAtLocal: '2027-10-31T02:15' });
    expect(repeated.status).toBe(400);
    expect(repeated.body.error.code).toBe('DST_AMBIGUOUS_TIME');
    // A night shift across the October change, given on either side of it, lasts 13 hours of real time.
    const night = await scheduler.post<RotaShiftDto>('/api/rota/shifts', { ...base, startsAtLocal: '2027-10-30T20:00', endsAtLocal: '2027-10-31T08:00' });
    expect(night.status).toBe(201);
    expect(Date.parse(night.body.endsAt) - Date.parse(night.body.startsAt)).toBe(13 * 3600_000);
  });

  it('POST /api/rota/shifts by a neurologist rejects with 403; GET /api/rota/gaps by a ward doctor with 403', async () => {
    const res = await neuro.post('/api/rota/shifts', { hubCode: 'DIJON', duty: 'urgent_read', startsAtLocal: '2027-01-11T08:00', endsAtLocal: '2027-01-11T09:00', primaryId: radioId });
    expect(res.status).toBe(403);
    const ward = await login(t, DEMO.wardMacon);
    expect((await ward.get('/api/rota/gaps')).status).toBe(403);
  });

  it('GET /api/rota/gaps flags the uncovered time of each duty over the next 14 days', async () => {
    const res = await scheduler.get<RotaGapDto[]>('/api/rota/gaps?hubCode=DIJON');
    expect(res.status).toBe(200);
    const consultGaps = res.body.filter((g) => g.duty === 'urgent_consult');
    const readGaps = res.body.filter((g) => g.duty === 'urgent_read');
    // urgent_consult is covered from an hour ago for a day: one gap from the shift's end to the horizon.
    expect(consultGaps).toHaveLength(1);
    const shiftEnd = (await scheduler.get<RotaShiftDto[]>('/api/rota?hubCode=DIJON')).body.find((s) => s.duty === 'urgent_consult')!.endsAt;
    expect(consultGaps[0]!.startsAt).toBe(shiftEnd);
    expect(Date.parse(consultGaps[0]!.endsAt) - Date.now()).toBeGreaterThan(13.9 * 86_400_000);
    // urgent_read has nobody: the whole horizon is one gap.
    expect(readGaps).toHaveLength(1);
    expect(Date.parse(readGaps[0]!.endsAt) - Date.parse(readGaps[0]!.startsAt)).toBe(14 * 86_400_000);
  });

  it('GET /api/rota/gaps for a remote site rejects with 400, for an unknown hub with 404', async () => {
    expect((await scheduler.get('/api/rota/gaps?hubCode=MACON')).status).toBe(400);
    expect((await scheduler.get('/api/rota/gaps?hubCode=NOWHERE')).status).toBe(404);
    expect(await siteUserId(scheduler, 'DIJON', DEMO.neurologist)).toBe(neuroId);
  });
});
