import type { ConsultDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startPgliteTestServer, type PgliteTestServer } from '../testing';
import { login, startConsult } from './consult.testing';

/**
 * `npm start` runs on the embedded PGlite: the whole lifecycle must work there too, not only on PostgreSQL. The same
 * run, logged at the most verbose level, shows that no patient data reaches the logs.
 */
let t: PgliteTestServer;

beforeAll(async () => {
  t = await startPgliteTestServer({ SFU_TOKEN_SECRET: 'consult-pglite-test-secret-0123456789' });
});
afterAll(async () => {
  await t?.close();
});

describe('consults on the embedded PGlite, logged at trace level', () => {
  it('request, list, accept, join by both, chat, end answer as on PostgreSQL', async () => {
    const ward = await login(t, DEMO.wardMacon);
    const neuro = await login(t, DEMO.neurologist);
    const c = await startConsult(ward, { patientRef: 'DOSSIER-4242', reason: 'Déviation conjuguée du regard' });
    expect((await neuro.get<ConsultDto[]>('/api/consults?status=requested')).body.map((x) => x.id)).toEqual([c.id]);
    expect((await neuro.post(`/api/consults/${c.id}/accept`)).status).toBe(200);
    expect((await ward.post(`/api/consults/${c.id}/join`)).status).toBe(200);
    expect((await neuro.post(`/api/consults/${c.id}/join`)).status).toBe(200);
    expect((await ward.post(`/api/consults/${c.id}/messages`, { text: 'NIHSS 14 au départ' })).status).toBe(201);
    const chat = (await neuro.get(`/api/consults/${c.id}/messages`)).body.map((m: { text: string }) => m.text);
    expect(chat).toEqual(['NIHSS 14 au départ']);
    const ended = await neuro.post<ConsultDto>(`/api/consults/${c.id}/end`, {
      outcome: 'thrombectomy_transfer',
      note: 'Transfert héliporté vers le CHU',
    });
    expect(ended.body).toMatchObject({ status: 'ended', outcome: 'thrombectomy_transfer' });
    expect(ended.body.joinedAt).not.toBeNull();

    // Every request was logged, with the consult's id in its path, and nothing the doctors typed.
    const logs = t.logLines.join('');
    expect(logs).toContain(`/api/consults/${c.id}/end`);
    for (const typed of ['DOSSIER-4242', 'Déviation', 'NIHSS 14', 'héliporté']) expect(logs).not.toContain(typed);
  });
});
