import { randomUUID } from 'node:crypto';
import type { ConsultDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSiteByCode } from '../sites/site.repository';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';
import { acceptedConsult, consultRequest, login } from './consult.testing';

/** Bad input gets a clear 4xx with a code, never a 500, and stores nothing. */
let t: TestServer;
let ward: ApiClient;
let neuro: ApiClient;

const HOUR = 3600_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

async function consultCount(): Promise<number> {
  return (await t.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM consults')).rows[0]!.n;
}

/** Records a received study for a site, as the imaging ingest would. */
async function storeStudy(siteCode: string, studyUid: string): Promise<void> {
  const site = (await findSiteByCode(t.server.db, siteCode))!;
  const { rows } = await t.server.db.query<{ id: string }>(
    'INSERT INTO dicom_patients (site_id, patient_id) VALUES ($1, $2) RETURNING id',
    [site.id, `P-${studyUid}`],
  );
  await t.server.db.query('INSERT INTO dicom_studies (study_uid, site_id, patient_ref) VALUES ($1, $2, $3)', [studyUid, site.id, rows[0]!.id]);
}

beforeAll(async () => {
  t = await startTestServer({ SFU_TOKEN_SECRET: 'consult-validation-test-secret-0123456' });
  ward = await login(t, DEMO.wardMacon);
  neuro = await login(t, DEMO.neurologist);
});
afterAll(() => t.close());

describe('POST /api/consults with bad input', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['a last-known-well time an hour in the future', { lastKnownWellAt: iso(HOUR) }, 'lastKnownWellAt'],
    ['a last-known-well time 40 days ago', { lastKnownWellAt: iso(-40 * 24 * HOUR) }, 'lastKnownWellAt'],
    ['a last-known-well time without an offset', { lastKnownWellAt: '2026-01-01T10:00:00' }, 'lastKnownWellAt'],
    ['a last-known-well time that is not a date', { lastKnownWellAt: 'hier soir' }, 'lastKnownWellAt'],
    ['an unknown field', { patientName: 'DUPONT Jean' }, ''],
    ['an age of 130', { ageYears: 130 }, 'ageYears'],
    ['a fractional age', { ageYears: 71.5 }, 'ageYears'],
    ['an age as a string', { ageYears: '72' }, 'ageYears'],
    ['a weight of 1 kg', { weightKg: 1 }, 'weightKg'],
    ['an unknown sex', { sex: 'female' }, 'sex'],
    ['an empty patient reference', { patientRef: '   ' }, 'patientRef'],
    ['a patient reference with characters outside the allowed set', { patientRef: 'IPP<script>' }, 'patientRef'],
    ['a reason of 501 characters', { reason: 'x'.repeat(501) }, 'reason'],
    ['a study UID that is not one', { studyInstanceUid: '1.2.abc' }, 'studyInstanceUid'],
    ['a study UID of no study received', { studyInstanceUid: '1.2.826.0.1.3680043.2.1125.999' }, 'studyInstanceUid'],
    ['a malformed site code', { siteCode: 'mâcon' }, 'siteCode'],
  ];
  for (const [what, patch, path] of cases) {
    it(`with ${what} answers 400 VALIDATION_FAILED naming ${path || 'the field'} and stores nothing`, async () => {
      const before = await consultCount();
      const res = await ward.post('/api/consults', { ...consultRequest(), ...patch });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      if (path) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      expect(await consultCount()).toBe(before);
    });
  }

  it('with a future last-known-well time says so in words', async () => {
    const res = await ward.post('/api/consults', consultRequest({ lastKnownWellAt: iso(HOUR) }));
    expect(res.body.error.details).toEqual([{ path: 'lastKnownWellAt', code: 'custom', message: 'the last-known-well time is in the future' }]);
  });

  it('with each required field missing answers 400 naming it', async () => {
    for (const field of ['patientRef', 'ageYears', 'sex', 'weightKg', 'lastKnownWellAt', 'reason']) {
      const body: Record<string, unknown> = consultRequest();
      delete body[field];
      const res = await ward.post('/api/consults', body);
      expect({ field, status: res.status, paths: res.body.error.details.map((d: { path: string }) => d.path) }).toEqual({
        field,
        status: 400,
        paths: [field],
      });
    }
  });

  it('with a last-known-well time 30 h ago (beyond every treatment window) still starts it', async () => {
    const res = await ward.post<ConsultDto>('/api/consults', consultRequest({ lastKnownWellAt: iso(-30 * HOUR) }));
    expect(res.status).toBe(201);
  });

  it('with a last-known-well time a minute ahead (a remote clock running fast) starts it', async () => {
    expect((await ward.post('/api/consults', consultRequest({ lastKnownWellAt: iso(60_000) }))).status).toBe(201);
  });

  it('with the UID of a study received from another site answers the same 400 as for an unknown study', async () => {
    await storeStudy('NEVERS', '1.2.826.0.1.3680043.2.1125.7001');
    const res = await ward.post('/api/consults', consultRequest({ studyInstanceUid: '1.2.826.0.1.3680043.2.1125.7001' }));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: 'studyInstanceUid', code: 'custom', message: 'no study with this UID has been received from MACON' },
    ]);
  });

  it('with the UID of a study received from the same site links it', async () => {
    await storeStudy('MACON', '1.2.826.0.1.3680043.2.1125.7002');
    const res = await ward.post<ConsultDto>('/api/consults', consultRequest({ studyInstanceUid: '1.2.826.0.1.3680043.2.1125.7002' }));
    expect(res.status).toBe(201);
    expect(res.body.studyInstanceUid).toBe('1.2.826.0.1.3680043.2.1125.7002');
  });

  it('with malformed JSON answers 400 MALFORMED_JSON', async () => {
    const res = await ward.request('POST', '/api/consults', { rawBody: '{"patientRef": ', headers: { 'content-type': 'application/json' } });
    expect([res.status, res.body.error.code]).toEqual([400, 'MALFORMED_JSON']);
  });

  it('with a form body answers 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await ward.request('POST', '/api/consults', { rawBody: 'patientRef=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect([res.status, res.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('without the X-XSRF-Token header answers 403 CSRF_FAILED and stores nothing', async () => {
    const before = await consultCount();
    const c = await login(t, DEMO.wardMacon);
    c.sendXsrf = false;
    const res = await c.post('/api/consults', consultRequest());
    expect([res.status, res.body.error.code]).toEqual([403, 'CSRF_FAILED']);
    expect(await consultCount()).toBe(before);
  });
});

describe('consult routes with bad input', () => {
  it('an id that is not a UUID answers 400 VALIDATION_FAILED on every route', async () => {
    for (const [method, path] of [
      ['GET', '/api/consults/42'],
      ['POST', '/api/consults/42/accept'],
      ['POST', '/api/consults/42/join'],
      ['POST', '/api/consults/42/cancel'],
      ['GET', '/api/consults/42/messages'],
    ] as const) {
      const res = await neuro.request(method, path);
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('an unknown consult answers 404 NOT_FOUND', async () => {
    const res = await neuro.get(`/api/consults/${randomUUID()}`);
    expect([res.status, res.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('GET /api/consults with an unknown status, a bad limit or an unknown parameter answers 400', async () => {
    for (const q of ['status=open', 'limit=0', 'limit=501', 'limit=ten', 'site=MACON']) {
      const res = await neuro.get(`/api/consults?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
    }
  });

  it('POST /api/consults/{id}/end without an outcome, with an unknown one or an unknown field answers 400 and ends nothing', async () => {
    const c = await acceptedConsult(ward, neuro);
    for (const body of [{}, { outcome: 'cured' }, { outcome: 'other', nihss: 4 }, { outcome: 'other', note: 'x'.repeat(2001) }]) {
      const res = await neuro.post(`/api/consults/${c.id}/end`, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await neuro.get<ConsultDto>(`/api/consults/${c.id}`)).body.status).toBe('accepted');
  });

  it('POST /api/consults/{id}/messages with an empty, blank, too long or extended message answers 400 and stores nothing', async () => {
    const c = await acceptedConsult(ward, neuro);
    for (const body of [{}, { text: '' }, { text: '   ' }, { text: 'x'.repeat(2001) }, { text: 'ok', urgent: true }, { text: 42 }]) {
      const res = await ward.post(`/api/consults/${c.id}/messages`, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await ward.get(`/api/consults/${c.id}/messages`)).body).toEqual([]);
  });
});
