import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ReadRequestDetailDto, ReadRequestDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { PgliteDb } from '../db/PgliteDb';
import { Server } from '../Server';
import { DEMO, TEST_DEMO_PASSWORD, type TestServer } from '../testing';
import { createGatewayToken, eventually, login, put, requestOfStudy, stowStudy, strokeFindings } from './worklist.testing';

/**
 * `npm start` runs on the embedded PGlite: the worklist must work there too, triggers included. The same run, logged
 * at the most verbose level, shows that no patient data reaches the logs.
 */
let t: TestServer;
let dataDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'telestroke-worklist-pglite-'));
  const config = loadConfig({
    PORT: '0',
    DICOM_PORT: '0',
    DATA_DIR: dataDir,
    DEMO_PASSWORD: TEST_DEMO_PASSWORD,
    LOG_LEVEL: 'silent',
    STUDY_QUIET_SECONDS: '0.3',
  });
  const db = await PgliteDb.create();
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const server = await Server.create(config, pino({ level: 'trace' }, sink), { db });
  t = { server, url: server.url, config, close: () => server.close() };
});
afterAll(async () => {
  await t?.close();
  await rm(dataDir, { recursive: true, force: true });
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

    const logs = logLines.join('');
    expect(logs).toContain(`/api/worklist/${id}/report/sign`);
    for (const typed of ['IPP-PGLITE-77', 'brouillon', 'Thrombus', 'Addendum sans nom']) expect(logs).not.toContain(typed);
  });
});
