import type { CaseRecordDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startPgliteTestServer, type PgliteTestServer } from '../testing';
import { acceptedCase, login, setItem, startNihss } from './case.testing';

/**
 * `npm start` runs on the embedded PGlite: the case record (its view, triggers and append-only tables) must work
 * there too. Logged at the most verbose level, nothing the doctors typed reaches the logs.
 */
let t: PgliteTestServer;

beforeAll(async () => {
  t = await startPgliteTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe('stroke cases on the embedded PGlite, logged at trace level', () => {
  it('case, timeline, NIHSS, decision, transfer and its acknowledgement, messages and PDF answer as on PostgreSQL', async () => {
    const ward = await login(t, DEMO.wardMacon);
    const neuro = await login(t, DEMO.neurologist);
    const record = await acceptedCase(ward, neuro, { patientRef: 'DOSSIER-CASE-77' });
    const door = new Date(Date.now() - 30 * 60_000).toISOString();
    expect((await ward.post(`/api/cases/${record.id}/events`, { kind: 'door', at: door, note: 'arrivée SMUR' })).status).toBe(201);
    const a = await startNihss(neuro, record.id, 'avant bolus');
    expect((await setItem(neuro, record.id, a.id, '5b', 3)).body.total).toBe(3);
    expect((await neuro.post(`/api/cases/${record.id}/decision`, { decision: 'thrombolysis_and_transfer' })).status).toBe(200);
    expect((await ward.post(`/api/cases/${record.id}/transfer`, {})).status).toBe(201);
    expect((await neuro.post(`/api/cases/${record.id}/transfer/ack`)).status).toBe(200);
    expect((await ward.post(`/api/cases/${record.id}/messages`, { text: 'Hémiplégie droite massive' })).status).toBe(201);
    expect((await neuro.get(`/api/cases/${record.id}/messages`)).body).toHaveLength(1);

    const final = (await neuro.get<CaseRecordDto>(`/api/cases/${record.id}`)).body;
    expect(final.timeline.map((e) => e.kind)).toEqual(['lkw', 'door', 'consult_requested', 'consult_accepted', 'decision']);
    expect(final.nihss[0]!.total).toBe(3);
    expect(final.transfer!.acknowledgedAt).not.toBeNull();
    const pdf = await neuro.get(`/api/cases/${record.id}/summary.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');

    const logs = t.logLines.join('');
    expect(logs).toContain(`/api/cases/${record.id}/transfer/ack`);
    for (const typed of ['DOSSIER-CASE-77', 'arrivée SMUR', 'Hémiplégie', 'avant bolus']) expect(logs).not.toContain(typed);
  });
});
