import type { ReadRequestDetailDto, ReadRequestDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startPgliteTestServer, type PgliteTestServer } from '../testing';
import { createGatewayToken, eventually, login, put, requestOfStudy, stowStudy, strokeFindings } from './worklist.testing';

/**
 * `npm start` runs on the embedded PGlite: the worklist must work there too, triggers included. The same run, logged
 * at the most verbose level, shows that no patient data reaches the logs.
 */
let t: PgliteTestServer;

beforeAll(async () => {
  t = await startPgliteTestServer({ STUDY_QUIET_SECONDS: '0.3' });
});
afterAll(async () => {
  await t?.close();
});

describe('the worklist on the embedded PGlite, logged at trace level', () => {
  it('STOW, claim, draft, sign, addendum, PDF and the ward doctor reading the report answer as on PostgreSQL', async () => {
    const token = await createGatewayToken(t.server.db, 'MACON');
    const uid = await stowStudy(t, { token }, { patientId: 'IPP-PGLITE-77' });
    const { id } = await requestOfStudy(t.server.db, uid);
    const neuro = await login(t, DEMO.neurologist);
    const ward = await login(t, DEMO.wardMacon);
    await eventually(async () => (await neuro.get<ReadRequestDto[]>('/api/worklist')).body.find((r) => r.id === id), (r) => r?.status === 'ready');
    expect((await neuro.post(`/api/worklist/${id}/claim`)).status).toBe(200);
    expect((await put(neuro, `/api/worklist/${id}/report`, { freeText: 'brouillon confidentiel' })).status).toBe(200);
    expect((await neuro.post(`/api/worklist/${id}/report/sign`, strokeFindings({ freeText: 'Thrombus carotidien visible' }))).status).toBe(200);
    expect((await neuro.post(`/api/worklist/${id}/report/addenda`, { text: 'Addendum sans nom' })).status).toBe(201);
    await expect(t.server.db.query(`UPDATE read_reports SET aspects_score = 10 WHERE request_id = $1`, [id])).rejects.toThrow(/signed/);
    const seen = await ward.get<ReadRequestDetailDto>(`/api/worklist/${id}`);
    expect(seen.body.report).toMatchObject({ aspectsScore: 8, addenda: [{ text: 'Addendum sans nom' }] });
    const pdf = await ward.get(`/api/worklist/${id}/report.pdf`);
    expect(pdf.status).toBe(200);
    expect(String(pdf.body).startsWith('%PDF-')).toBe(true);

    const logs = t.logLines.join('');
    expect(logs).toContain(`/api/worklist/${id}/report/sign`);
    for (const typed of ['IPP-PGLITE-77', 'brouillon', 'Thrombus', 'Addendum sans nom']) expect(logs).not.toContain(typed);
  });
});
