import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JoinConsultDtoSchema, type ConsultDto, type JoinConsultDto } from '@telestroke/shared';
import { ApiClient, DEMO, startTestServer, type TestServer } from '@telestroke/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, launch, waitFor200, type Launched } from './process';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = randomBytes(32).toString('base64url');

/**
 * The server's join answer against the real SFU process (sfu/src/main.ts, as `npm start` runs it): the SFU URL it
 * gives is where the SFU listens, and the SFU admits its token to that consult's room and to no other.
 */
describe('POST /api/consults/{id}/join against the real SFU', () => {
  let sfu: Launched;
  let t: TestServer;
  let ward: ApiClient;
  let neuro: ApiClient;
  let sfuUrl: string;

  beforeAll(async () => {
    const workerBin = process.env.MEDIASOUP_WORKER_BIN;
    if (!workerBin) throw new Error('MEDIASOUP_WORKER_BIN is unset: run the tests with `npm test`');
    const sfuPort = await freePort();
    sfu = launch(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'sfu/src/main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        SFU_PORT: String(sfuPort),
        SFU_HOST: '127.0.0.1',
        SFU_TOKEN_SECRET: SECRET,
        MEDIASOUP_WORKER_BIN: workerBin,
        SFU_NUM_WORKERS: '1',
        RTC_MIN_PORT: '47700',
        RTC_MAX_PORT: '47719',
        LOG_LEVEL: 'warn',
      },
    });
    await waitFor200(`http://127.0.0.1:${sfuPort}/healthz`, 60_000).catch((err) => {
      throw new Error(`${err.message}\n--- SFU output ---\n${sfu.output()}`);
    });
    sfuUrl = `ws://127.0.0.1:${sfuPort}/ws`;
    t = await startTestServer({ SFU_TOKEN_SECRET: SECRET, SFU_PUBLIC_URL: sfuUrl });
    ward = new ApiClient(t.url);
    neuro = new ApiClient(t.url);
    expect((await ward.login(DEMO.wardMacon)).status).toBe(200);
    expect((await neuro.login(DEMO.neurologist)).status).toBe(200);
  });

  afterAll(async () => {
    await t?.close();
    await sfu?.stop();
  });

  async function acceptedConsult(w = ward, n = neuro): Promise<ConsultDto> {
    const created = await w.post<ConsultDto>('/api/consults', {
      patientRef: 'E2E-1',
      ageYears: 66,
      sex: 'M',
      weightKg: 80,
      lastKnownWellAt: new Date(Date.now() - 45 * 60_000).toISOString(),
      reason: 'Hémiparésie gauche',
    });
    expect(created.status).toBe(201);
    expect((await n.post(`/api/consults/${created.body.id}/accept`)).status).toBe(200);
    return created.body;
  }

  async function join(client: ApiClient, consultId: string): Promise<JoinConsultDto> {
    const res = await client.post(`/api/consults/${consultId}/join`);
    expect(res.status).toBe(200);
    return JoinConsultDtoSchema.parse(res.body);
  }

  /** Asks the SFU for a WebSocket upgrade, as a browser would: 101 when admitted, else the refusal. */
  function upgrade(consultId: string, token: string): Promise<{ status: number; body: any }> {
    const url = `${sfuUrl.replace(/^ws/, 'http')}?${new URLSearchParams({ consultId, token })}`;
    return new Promise((resolve, reject) => {
      const req = http.request(url, {
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        },
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode!, body: null });
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('the token of each participant opens the SFU socket of their consult', async () => {
    const c = await acceptedConsult();
    for (const client of [ward, neuro]) {
      const j = await join(client, c.id);
      expect(j.sfuUrl).toBe(sfuUrl);
      expect((await upgrade(c.id, j.token)).status).toBe(101);
    }
  });

  it('the token of one consult is refused by the SFU for another consult with 401 INVALID_TOKEN', async () => {
    const a = await acceptedConsult();
    const b = await acceptedConsult();
    const j = await join(ward, a.id);
    const res = await upgrade(b.id, j.token);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'INVALID_TOKEN', details: { reason: 'consult' } });
  });

  it('a token signed with another secret is refused by the SFU', async () => {
    const other = await startTestServer({ SFU_TOKEN_SECRET: randomBytes(32).toString('base64url') });
    try {
      const w = new ApiClient(other.url);
      const n = new ApiClient(other.url);
      await w.login(DEMO.wardMacon);
      await n.login(DEMO.neurologist);
      const c = await acceptedConsult(w, n);
      const j = await join(w, c.id);
      // The consult id of the token, the right SFU: only the signature is wrong.
      const res = await upgrade(c.id, j.token);
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'INVALID_TOKEN', details: { reason: 'signature' } });
    } finally {
      await other.close();
    }
  });
});
