import { CHECKLIST_IDS, DoseResultSchema, ThrombolysisOrderDtoSchema, type PrepareOrderRequest, type ThrombolysisOrderDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, login, openEvents, startConsult } from '../consult/consult.testing';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';
import { listOrders } from './thrombolysis.repository';

let t: TestServer;
let ward: ApiClient;
let neuro: ApiClient;
let neuro2: ApiClient;

/** The stroke case of a new consult from Mâcon (created with the consult, or here for a server without that hook). */
async function newCase(): Promise<string> {
  const consult = await startConsult(ward);
  const db = t.server.db;
  await db.query(
    `INSERT INTO stroke_cases (consult_id, site_id, hub_id, patient_ref)
     SELECT id, site_id, hub_id, patient_ref FROM consults WHERE id = $1 ON CONFLICT (consult_id) DO NOTHING`,
    [consult.id],
  );
  const { rows } = await db.query<{ id: string }>('SELECT id FROM stroke_cases WHERE consult_id = $1', [consult.id]);
  return rows[0]!.id;
}

const allAbsent = Object.fromEntries(CHECKLIST_IDS.map((id) => [id, 'absent' as const]));
const prepareBody = (over: Partial<PrepareOrderRequest> = {}): PrepareOrderRequest => ({
  drug: 'alteplase',
  weightKg: 70,
  weightSource: 'measured',
  checklist: allAbsent,
  systolicMmHg: 170,
  diastolicMmHg: 95,
  glucoseGPerL: 1.2,
  ...over,
});

beforeAll(async () => {
  t = await startTestServer();
  ward = await login(t, DEMO.wardMacon);
  neuro = await login(t, DEMO.neurologist);
  await addUser(t, { email: 'neuro2@test.invalid', name: 'Dr Second', role: 'neurologist', sites: ['DIJON'] });
  neuro2 = await login(t, 'neuro2@test.invalid');
});

afterAll(async () => {
  await t?.close();
});

describe('POST /api/thrombolysis/dose', () => {
  it('POST /api/thrombolysis/dose for alteplase 100 kg answers 90 mg: 9 mg bolus, 81 mg over 60 min, 90 mL', async () => {
    const res = await ward.post('/api/thrombolysis/dose', { drug: 'alteplase', weightKg: 100, indication: 'stroke' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalMg: 90, bolusMg: 9, infusionMg: 81, infusionMinutes: 60, volumeMl: 90 });
    expect(DoseResultSchema.safeParse(res.body).success).toBe(true);
  });

  it('POST /api/thrombolysis/dose for tenecteplase 100 kg answers a single 25 mg bolus of 5 mL', async () => {
    const res = await neuro.post('/api/thrombolysis/dose', { drug: 'tenecteplase', weightKg: 100, indication: 'stroke' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalMg: 25, bolusMg: 25, infusionMg: 0, infusionMinutes: 0, volumeMl: 5 });
  });

  it.each([
    [{ drug: 'tenecteplase', weightKg: 70, indication: 'stroke', mgPerKg: 0.5 }, 'STEMI_DOSE_REFUSED'],
    [{ drug: 'tenecteplase', weightKg: 70, indication: 'stemi' }, 'STEMI_DOSE_REFUSED'],
    [{ drug: 'alteplase', weightKg: 7, indication: 'stroke' }, 'WEIGHT_IMPLAUSIBLE'],
    [{ drug: 'alteplase', indication: 'stroke' }, 'WEIGHT_MISSING'],
    [{ drug: 'alteplase', weightKg: 154, indication: 'stroke' }, 'WEIGHT_CONFIRMATION_REQUIRED'],
  ])('POST /api/thrombolysis/dose with %j answers 422 %s', async (body, code) => {
    const res = await ward.post('/api/thrombolysis/dose', body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe(code);
  });

  it('POST /api/thrombolysis/dose with an unknown drug answers 400; a radiologist gets 403, nobody logged in 401', async () => {
    expect((await ward.post('/api/thrombolysis/dose', { drug: 'urokinase', weightKg: 70, indication: 'stroke' })).status).toBe(400);
    const radiologist = await login(t, DEMO.radiologist);
    const body = { drug: 'alteplase', weightKg: 70, indication: 'stroke' };
    expect((await radiologist.post('/api/thrombolysis/dose', body)).status).toBe(403);
    expect((await new ApiClient(t.url).post('/api/thrombolysis/dose', body)).status).toBe(401);
  });
});

describe('thrombolysis orders', () => {
  it('prepare, confirm by another person, then bolus writes the needle event and the order reads back through listOrders()', async () => {
    const caseId = await newCase();
    const prepared = await ward.post<ThrombolysisOrderDto>(`/api/cases/${caseId}/thrombolysis`, prepareBody());
    expect(prepared.status).toBe(201);
    expect(prepared.body).toMatchObject({ status: 'prepared', weightKg: 70, weightSource: 'measured', glucoseMmolPerL: 6.7 });
    expect(prepared.body.dose).toMatchObject({ totalMg: 63, bolusMg: 6.3, infusionMg: 56.7, volumeMl: 63 });
    const orderId = prepared.body.id;

    const early = await ward.post(`/api/cases/${caseId}/thrombolysis/${orderId}/bolus`, {});
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('THROMBOLYSIS_STATE');

    const self = await ward.post(`/api/cases/${caseId}/thrombolysis/${orderId}/confirm`);
    expect(self.status).toBe(409);
    expect(self.body.error.code).toBe('SECOND_CHECK_SAME_PERSON');

    const confirmed = await neuro.post<ThrombolysisOrderDto>(`/api/cases/${caseId}/thrombolysis/${orderId}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('confirmed');
    expect(confirmed.body.confirmedBy?.displayName).toBeTruthy();
    const again = await neuro2.post(`/api/cases/${caseId}/thrombolysis/${orderId}/confirm`);
    expect(again.body.error.code).toBe('THROMBOLYSIS_STATE');

    const events = await openEvents(t, neuro);
    const given = await ward.post<ThrombolysisOrderDto>(`/api/cases/${caseId}/thrombolysis/${orderId}/bolus`, {});
    expect(given.status).toBe(200);
    expect(given.body.status).toBe('given');
    expect(ThrombolysisOrderDtoSchema.parse(given.body).bolusBy?.id).toBe(given.body.bolusBy!.id);
    const pushed = await events.next((e) => e.type === 'case.updated' && e.caseId === caseId);
    expect(pushed).toMatchObject({ type: 'case.updated', reason: 'thrombolysis' });
    events.close();
    const { rows } = await t.server.db.query<{ kind: string; at: Date }>(
      `SELECT kind, at FROM case_events WHERE case_id = $1 AND kind = 'needle'`,
      [caseId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.at.toISOString()).toBe(given.body.bolusAt);

    const twice = await ward.post(`/api/cases/${caseId}/thrombolysis/${orderId}/bolus`, {});
    expect(twice.body.error.code).toBe('THROMBOLYSIS_STATE');

    const orders = await listOrders(t.server.db, caseId);
    expect(orders.map((o) => [o.id, o.status])).toEqual([[orderId, 'given']]);
  });

  it('a second order of a case whose bolus is given cannot be given too', async () => {
    const caseId = await newCase();
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await ward.post<ThrombolysisOrderDto>(`/api/cases/${caseId}/thrombolysis`, prepareBody({ drug: 'tenecteplase' }));
      ids.push(res.body.id);
      await neuro.post(`/api/cases/${caseId}/thrombolysis/${res.body.id}/confirm`);
    }
    expect((await ward.post(`/api/cases/${caseId}/thrombolysis/${ids[0]}/bolus`, {})).status).toBe(200);
    const second = await ward.post(`/api/cases/${caseId}/thrombolysis/${ids[1]}/bolus`, {});
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('THROMBOLYSIS_STATE');
  });

  it('two bolus requests at once for two confirmed orders of one case: exactly one wins, the other gets THROMBOLYSIS_STATE', async () => {
    const caseId = await newCase();
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await ward.post<ThrombolysisOrderDto>(`/api/cases/${caseId}/thrombolysis`, prepareBody());
      ids.push(res.body.id);
      await neuro.post(`/api/cases/${caseId}/thrombolysis/${res.body.id}/confirm`);
    }
    const results = await Promise.all(ids.map((id) => ward.post(`/api/cases/${caseId}/thrombolysis/${id}/bolus`, {})));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe('THROMBOLYSIS_STATE');
    const { rows } = await t.server.db.query(`SELECT 1 FROM case_events WHERE case_id = $1 AND kind = 'needle'`, [caseId]);
    expect(rows).toHaveLength(1);
  });

  it('POST .../bolus with a time in the future answers 422 UNPROCESSABLE', async () => {
    const caseId = await newCase();
    const res = await ward.post<ThrombolysisOrderDto>(`/api/cases/${caseId}/thrombolysis`, prepareBody());
    await neuro.post(`/api/cases/${caseId}/thrombolysis/${res.body.id}/confirm`);
    const at = new Date(Date.now() + 3600_000).toISOString();
    const bolus = await ward.post(`/api/cases/${caseId}/thrombolysis/${res.body.id}/bolus`, { at });
    expect(bolus.status).toBe(422);
    expect(bolus.body.error.code).toBe('UNPROCESSABLE');
  });

  it.each([
    ['a BP of 185/100', { systolicMmHg: 185, diastolicMmHg: 100 }, 'BP_TOO_HIGH'],
    ['no glucose', { glucoseGPerL: undefined }, 'GLUCOSE_MISSING'],
    ['anticoagulants present', { checklist: { ...allAbsent, anticoagulant: 'present' as const } }, 'CONTRAINDICATION_PRESENT'],
    ['an unanswered item', { checklist: { anticoagulant: 'absent' as const } }, 'CHECKLIST_INCOMPLETE'],
    ['no weight', { weightKg: undefined }, 'WEIGHT_MISSING'],
    ['a weight in lb unconfirmed', { weightKg: 160 }, 'WEIGHT_CONFIRMATION_REQUIRED'],
  ])('POST /api/cases/{id}/thrombolysis with %s answers 422 %s and stores nothing', async (_label, over, code) => {
    const caseId = await newCase();
    const res = await ward.post(`/api/cases/${caseId}/thrombolysis`, prepareBody(over));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe(code);
    expect(await listOrders(t.server.db, caseId)).toEqual([]);
  });

  it("POST /api/cases/{id}/thrombolysis by a ward doctor of another site answers 404, by a radiologist 403", async () => {
    const caseId = await newCase();
    const nevers = await login(t, DEMO.wardNevers);
    expect((await nevers.post(`/api/cases/${caseId}/thrombolysis`, prepareBody())).status).toBe(404);
    const radiologist = await login(t, DEMO.radiologist);
    expect((await radiologist.post(`/api/cases/${caseId}/thrombolysis`, prepareBody())).status).toBe(403);
    expect((await ward.post('/api/cases/00000000-0000-4000-8000-000000000000/thrombolysis', prepareBody())).status).toBe(404);
  });

  it('the database refuses a change to a prepared dose and a deletion', async () => {
    const caseId = await newCase();
    const res = await ward.post<ThrombolysisOrderDto>(`/api/cases/${caseId}/thrombolysis`, prepareBody());
    await expect(t.server.db.query('UPDATE thrombolysis_orders SET total_mg = 80, infusion_mg = 73.7 WHERE id = $1', [res.body.id])).rejects.toThrow(/once each/);
    await expect(t.server.db.query('DELETE FROM thrombolysis_orders WHERE id = $1', [res.body.id])).rejects.toThrow(/never deleted/);
  });
});
