import type { ConsultDto, ReadRequestDetailDto, ReadRequestDto, ReportDraftDto, SignedReportDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consultRequest } from '../consult/consult.testing';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';
import {
  addUser,
  createGatewayToken,
  eventually,
  login,
  put,
  requestOfStudy,
  rowOf,
  stowStudy,
  strokeFindings,
} from './worklist.testing';

/**
 * The worklist over HTTP on a whole server: creation from the imaging arrival events, the claim lifecycle, the report
 * and its immutability, the PDF. STUDY_QUIET_SECONDS is short so that studies complete during the test.
 */
let t: TestServer;
let maconToken: string;
let neversToken: string;
let neuro: ApiClient;
let neuro2: ApiClient;
let radiologist: ApiClient;
let wardMacon: ApiClient;
let wardNevers: ApiClient;
let neuro2Id: string;
let neuroId: string;

beforeAll(async () => {
  t = await startTestServer({ STUDY_QUIET_SECONDS: '0.3', WORKLIST_SLA_MINUTES: '20' });
  maconToken = await createGatewayToken(t.server.db, 'MACON');
  neversToken = await createGatewayToken(t.server.db, 'NEVERS');
  neuro2Id = await addUser(t, { email: 'neurologue.2@test.invalid', name: 'Dr Neurologue Deux', role: 'neurologist', sites: ['DIJON'] });
  neuro = await login(t, DEMO.neurologist);
  neuro2 = await login(t, 'neurologue.2@test.invalid');
  radiologist = await login(t, DEMO.radiologist);
  wardMacon = await login(t, DEMO.wardMacon);
  wardNevers = await login(t, DEMO.wardNevers);
  neuroId = (await neuro.get('/api/me')).body.user.id;
});
afterAll(() => t?.close());

/** A fresh request from Mâcon's gateway, ready (its study complete). */
async function readyRequest(): Promise<string> {
  const uid = await stowStudy(t, { token: maconToken });
  const { id } = await requestOfStudy(t.server.db, uid);
  await eventually(() => rowOf(neuro, id), (r) => r?.status === 'ready');
  return id;
}

async function claimed(by: ApiClient = neuro): Promise<string> {
  const id = await readyRequest();
  expect((await by.post(`/api/worklist/${id}/claim`)).status).toBe(200);
  return id;
}

describe('creation from arriving studies', () => {
  it('a STOW by the Mâcon gateway creates one P1 request, arriving then ready, with its SLA due 20 min after the first image', async () => {
    const uid = await stowStudy(t, { token: maconToken });
    const { id } = await requestOfStudy(t.server.db, uid);
    const row = await eventually(() => rowOf(neuro, id), (r) => r?.status === 'ready');
    expect(row).toMatchObject({
      priority: 'P1',
      siteCode: 'MACON',
      hubCode: 'DIJON',
      studyInstanceUid: uid,
      modalities: ['CT'],
      instanceCount: 3,
      seriesCount: 1,
      claimedBy: null,
      escalatedAt: null,
      slaBreached: false,
      consultId: null,
      report: null,
    });
    expect(row!.patientRef).toMatch(/^SYN-\d{6}$/);
    expect(Date.parse(row!.slaDueAt) - Date.parse(row!.firstImageAt)).toBe(20 * 60_000);
    const { rows } = await t.server.db.query(`SELECT action FROM audit_log WHERE resource_id = $1 ORDER BY seq`, [id]);
    expect(rows.map((r) => r.action)).toContain('worklist.create');
  });

  it('a study sent again (more instances of the same study) keeps its one request', async () => {
    const uid = await stowStudy(t, { token: maconToken });
    const { id } = await requestOfStudy(t.server.db, uid);
    await stowStudy(t, { token: maconToken }, { studyInstanceUid: uid });
    await eventually(() => rowOf(neuro, id), (r) => r?.instanceCount === 6 && r.status === 'ready');
    const { rows } = await t.server.db.query(
      'SELECT count(*)::int AS n FROM read_requests r JOIN dicom_studies s ON s.id = r.study_id WHERE s.study_uid = $1',
      [uid],
    );
    expect(rows[0]!.n).toBe(1);
    // The database refuses a second request for the study whatever the code does.
    await expect(
      t.server.db.query(
        `INSERT INTO read_requests (study_id, site_id, hub_id, first_image_at, sla_due_at)
         SELECT study_id, site_id, hub_id, first_image_at, sla_due_at FROM read_requests WHERE id = $1`,
        [id],
      ),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it("a study the hub's radiologist sends for the hub itself creates no request", async () => {
    const uid = await stowStudy(t, { client: radiologist, site: 'DIJON' });
    await new Promise((r) => setTimeout(r, 300));
    // The timer's catch-up creates the request of any remote study that lacks one: it passes this one over too.
    await t.server.worklist.timer.tick();
    const { rows } = await t.server.db.query(
      'SELECT count(*)::int AS n FROM read_requests r JOIN dicom_studies s ON s.id = r.study_id WHERE s.study_uid = $1',
      [uid],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it("a study of a patient with an open consult at the same site is attached to it, by PatientID or by accession number", async () => {
    const byId = (await wardMacon.post<ConsultDto>('/api/consults', consultRequest({ patientRef: 'SYN-424242' }))).body;
    const uid1 = await stowStudy(t, { token: maconToken }, { patientId: 'SYN-424242' });
    expect((await requestOfStudy(t.server.db, uid1)).consult_id).toBe(byId.id);

    const byAccession = (await wardMacon.post<ConsultDto>('/api/consults', consultRequest({ patientRef: 'ACC12345' }))).body;
    const uid2 = await stowStudy(t, { token: maconToken }, { accessionNumber: 'ACC12345' });
    expect((await requestOfStudy(t.server.db, uid2)).consult_id).toBe(byAccession.id);

    // The same patient reference at another site is another patient.
    const uid3 = await stowStudy(t, { token: neversToken }, { patientId: 'SYN-424242' });
    expect((await requestOfStudy(t.server.db, uid3)).consult_id).toBeNull();

    // An ended consult takes no more studies.
    expect((await wardMacon.post(`/api/consults/${byId.id}/cancel`)).status).toBe(200);
    const uid4 = await stowStudy(t, { token: maconToken }, { patientId: 'SYN-424242' });
    expect((await requestOfStudy(t.server.db, uid4)).consult_id).toBeNull();
  });
});

describe('claims', () => {
  it('claim() by a hub neurologist takes the request; a second claim answers 409 ALREADY_CLAIMED', async () => {
    const id = await readyRequest();
    const res = await neuro.post<ReadRequestDto>(`/api/worklist/${id}/claim`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'claimed', claimedBy: { id: neuroId, name: 'Dr Démo Neurologue' } });
    const second = await neuro2.post(`/api/worklist/${id}/claim`);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('ALREADY_CLAIMED');
  });

  it('claim() while the images still arrive is allowed, and completion keeps the claim', async () => {
    const id = await readyRequest();
    // Back to the state before completion, which the short quiet period of this server makes too brief to catch.
    await t.server.db.query(`UPDATE read_requests SET status = 'arriving', ready_at = NULL WHERE id = $1`, [id]);
    expect((await radiologist.post(`/api/worklist/${id}/claim`)).status).toBe(200);
    const { rows: study } = await t.server.db.query<{ id: string; study_uid: string }>(
      'SELECT s.id, s.study_uid FROM dicom_studies s JOIN read_requests r ON r.study_id = s.id WHERE r.id = $1',
      [id],
    );
    await t.server.worklist.service.onStudyEvent({
      type: 'study.complete',
      studyId: study[0]!.id,
      studyInstanceUid: study[0]!.study_uid,
      siteCode: 'MACON',
      modalities: ['CT'],
      description: null,
      seriesCount: 1,
      instanceCount: 3,
      firstReceivedAt: new Date().toISOString(),
      at: new Date().toISOString(),
    });
    const { rows } = await t.server.db.query('SELECT status, ready_at FROM read_requests WHERE id = $1', [id]);
    expect(rows[0]!.status).toBe('claimed');
    expect(rows[0]!.ready_at).not.toBeNull();
    // Released, it goes back to ready, not arriving.
    expect((await radiologist.post<ReadRequestDto>(`/api/worklist/${id}/release`)).body.status).toBe('ready');
  });

  it('release() by the claimer reopens the request; by anyone else it answers 409 NOT_CLAIMED_BY_YOU', async () => {
    const id = await claimed(neuro);
    const other = await neuro2.post(`/api/worklist/${id}/release`);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('NOT_CLAIMED_BY_YOU');
    const res = await neuro.post<ReadRequestDto>(`/api/worklist/${id}/release`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', claimedBy: null, claimedAt: null });
    expect((await neuro2.post(`/api/worklist/${id}/claim`)).status).toBe(200);
  });

  it('reassign() hands the request to another hub reader; to a ward doctor it answers 400', async () => {
    const id = await claimed(neuro);
    const res = await radiologist.post<ReadRequestDto>(`/api/worklist/${id}/reassign`, { userId: neuro2Id });
    expect(res.status).toBe(200);
    expect(res.body.claimedBy).toEqual({ id: neuro2Id, name: 'Dr Neurologue Deux' });
    // The former reader no longer holds it.
    expect((await put(neuro, `/api/worklist/${id}/report`, { lvo: 'M1' })).body.error.code).toBe('NOT_CLAIMED_BY_YOU');
    const wardId = (await wardMacon.get('/api/me')).body.user.id;
    const bad = await radiologist.post(`/api/worklist/${id}/reassign`, { userId: wardId });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    const readers = await radiologist.get('/api/worklist/readers');
    expect(readers.body.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([neuroId, neuro2Id]));
    expect(readers.body.map((r: { id: string }) => r.id)).not.toContain(wardId);
  });
});

describe('report', () => {
  it('PUT report saves a draft only its claimer sees, with its partial ASPECTS score', async () => {
    const id = await claimed(neuro);
    const res = await put<ReportDraftDto>(neuro, `/api/worklist/${id}/report`, { haemorrhage: 'none', aspects: { insula: true } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'draft', aspectsScore: 9, author: { id: neuroId } });
    expect((await neuro.get<ReadRequestDetailDto>(`/api/worklist/${id}`)).body.draft?.findings).toEqual({
      haemorrhage: 'none',
      aspects: { insula: true },
    });
    expect((await neuro2.get<ReadRequestDetailDto>(`/api/worklist/${id}`)).body.draft).toBeNull();
    expect((await put(neuro2, `/api/worklist/${id}/report`, { lvo: 'M2' })).body.error.code).toBe('NOT_CLAIMED_BY_YOU');
  });

  it('sign() by the claimer signs an immutable report with its score; the sending site reads it; a second sign answers REPORT_SIGNED', async () => {
    const id = await claimed(neuro);
    const signed = await neuro.post<SignedReportDto>(`/api/worklist/${id}/report/sign`, strokeFindings());
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ status: 'signed', aspectsScore: 8, signedBy: { id: neuroId }, addenda: [] });

    const seen = await wardMacon.get<ReadRequestDetailDto>(`/api/worklist/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.request).toMatchObject({ status: 'reported', report: { aspectsScore: 8, recommendation: 'thrombectomy_transfer', addendumCount: 0 } });
    expect(seen.body.report?.findings).toEqual(strokeFindings());
    expect((await wardNevers.get(`/api/worklist/${id}`)).status).toBe(404);

    const again = await neuro.post(`/api/worklist/${id}/report/sign`, strokeFindings({ recommendation: 'neither' }));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('REPORT_SIGNED');
    expect((await put(neuro, `/api/worklist/${id}/report`, { lvo: 'none' })).body.error.code).toBe('REPORT_SIGNED');
    expect((await neuro.post(`/api/worklist/${id}/release`)).body.error.code).toBe('REPORT_SIGNED');
    expect((await neuro2.post(`/api/worklist/${id}/claim`)).body.error.code).toBe('READ_STATE');
  });

  it('a signed report is immutable in the database: a direct UPDATE or DELETE is rejected, and so is moving its request', async () => {
    const id = await claimed(neuro);
    await neuro.post(`/api/worklist/${id}/report/sign`, strokeFindings());
    await expect(t.server.db.query(`UPDATE read_reports SET findings = '{}'::jsonb WHERE request_id = $1`, [id])).rejects.toThrow(/signed/);
    await expect(t.server.db.query('DELETE FROM read_reports WHERE request_id = $1', [id])).rejects.toThrow(/signed/);
    await expect(
      t.server.db.query(`UPDATE read_requests SET status = 'claimed', reported_at = NULL WHERE id = $1`, [id]),
    ).rejects.toThrow(/reported/);
    const { rows } = await t.server.db.query(`SELECT findings->>'recommendation' AS r FROM read_reports WHERE request_id = $1`, [id]);
    expect(rows[0]!.r).toBe('thrombectomy_transfer');
  });

  it('an addendum by a hub reader is appended to the signed report; addenda cannot change; ward doctors cannot add one', async () => {
    const id = await claimed(neuro);
    const early = await neuro.post(`/api/worklist/${id}/report/addenda`, { text: 'trop tôt' });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('READ_STATE');
    await neuro.post(`/api/worklist/${id}/report/sign`, strokeFindings());
    const res = await radiologist.post<SignedReportDto>(`/api/worklist/${id}/report/addenda`, { text: 'Correction : ASPECTS 7, M3 atteint.' });
    expect(res.status).toBe(201);
    expect(res.body.addenda).toHaveLength(1);
    expect(res.body.addenda[0]).toMatchObject({ text: 'Correction : ASPECTS 7, M3 atteint.', signedBy: { name: 'Dr Démo Radiologue' } });
    expect(res.body.aspectsScore).toBe(8);
    expect((await wardMacon.post(`/api/worklist/${id}/report/addenda`, { text: 'x' })).status).toBe(403);
    expect((await rowOf(wardMacon, id))?.report?.addendumCount).toBe(1);
    await expect(t.server.db.query(`UPDATE read_report_addenda SET text = 'x' WHERE request_id = $1`, [id])).rejects.toThrow(/append-only/);
    await expect(t.server.db.query('DELETE FROM read_report_addenda WHERE request_id = $1', [id])).rejects.toThrow(/append-only/);
  });

  it('GET report.pdf renders the signed report as a PDF; before signing it answers 409 READ_STATE', async () => {
    const id = await claimed(neuro);
    expect((await neuro.get(`/api/worklist/${id}/report.pdf`)).status).toBe(409);
    await neuro.post(`/api/worklist/${id}/report/sign`, strokeFindings());
    const res = await fetch(`${t.url}/api/worklist/${id}/report.pdf`, {
      headers: { cookie: [...wardMacon.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toContain('%%EOF');
    const { rows } = await t.server.db.query(`SELECT 1 FROM audit_log WHERE resource_id = $1 AND action = 'worklist.report.pdf'`, [id]);
    expect(rows).toHaveLength(1);
  });
});

describe('reading', () => {
  it('GET /api/worklist filters by site, modality and status, and each open is audited', async () => {
    const id = await readyRequest();
    const nevers = await requestOfStudy(t.server.db, await stowStudy(t, { token: neversToken }));
    const ids = async (q: string) => (await neuro.get<ReadRequestDto[]>(`/api/worklist?${q}`)).body.map((r) => r.id);
    expect(await ids('siteCode=MACON&limit=500')).toContain(id);
    expect(await ids('siteCode=MACON&limit=500')).not.toContain(nevers.id);
    expect(await ids('siteCode=NEVERS&limit=500')).toContain(nevers.id);
    expect(await ids('modality=CT&status=ready&limit=500')).toContain(id);
    expect(await ids('modality=MR&limit=500')).toEqual([]);
    expect(await ids('status=reported&limit=500')).not.toContain(id);
    expect((await neuro.get('/api/worklist?status=done')).status).toBe(400);

    // Ward doctors see their own site's requests only.
    expect((await wardNevers.get<ReadRequestDto[]>('/api/worklist?limit=500')).body.every((r) => r.siteCode === 'NEVERS')).toBe(true);

    await wardMacon.get(`/api/worklist/${id}`);
    const wardId = (await wardMacon.get('/api/me')).body.user.id;
    const { rows } = await t.server.db.query(
      `SELECT details FROM audit_log WHERE resource_id = $1 AND action = 'worklist.open' AND actor_id = $2`,
      [id, wardId],
    );
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0]!.details)).not.toMatch(/SYN-/);
  });

  it('open requests come first, the most overdue first', async () => {
    const a = await readyRequest();
    const b = await readyRequest();
    const list = (await neuro.get<ReadRequestDto[]>('/api/worklist?limit=500')).body;
    const open = list.filter((r) => r.status !== 'reported');
    expect(list.slice(0, open.length)).toEqual(open);
    expect(open.findIndex((r) => r.id === a)).toBeLessThan(open.findIndex((r) => r.id === b));
  });
});
