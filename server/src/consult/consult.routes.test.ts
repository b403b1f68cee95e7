import { createHmac } from 'node:crypto';
import { ConsultDtoSchema, JoinConsultDtoSchema, type ConsultDto } from '@telestroke/shared';
import { verifySfuToken } from '@telestroke/shared/sfu-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';
import { acceptedConsult, addUser, auditOf, consultRequest, login, startConsult } from './consult.testing';

const SECRET = 'consult-routes-test-secret-0123456789';
const TURN_SECRET = 'turn-static-auth-secret';

let t: TestServer;
let ward: ApiClient;
let neuro: ApiClient;
let wardId: string;
let neuroId: string;

beforeAll(async () => {
  t = await startTestServer({
    SFU_TOKEN_SECRET: SECRET,
    SFU_PUBLIC_URL: 'wss://sfu.example.test/ws',
    STUN_URLS: 'stun:stun.example.test:3478',
    TURN_URLS: 'turn:turn.example.test:3478?transport=udp,turns:turn.example.test:5349',
    TURN_SECRET,
  });
  ward = await login(t, DEMO.wardMacon);
  neuro = await login(t, DEMO.neurologist);
  wardId = (await ward.get('/api/me')).body.user.id;
  neuroId = (await neuro.get('/api/me')).body.user.id;
});
afterAll(() => t.close());

const ms = (iso: string | null) => Date.parse(iso!);

describe('consult lifecycle', () => {
  it('request, accept, join by both, end: each step answers the consult with its state and timestamps', async () => {
    const lkw = new Date(Date.now() - 90 * 60_000).toISOString();
    const created = await ward.post<ConsultDto>('/api/consults', consultRequest({ lastKnownWellAt: lkw }));
    expect(created.status).toBe(201);
    const c0 = ConsultDtoSchema.parse(created.body);
    expect(c0).toMatchObject({
      status: 'requested',
      kind: 'urgent',
      siteCode: 'MACON',
      hubCode: 'DIJON',
      patientRef: 'IPP-000123',
      ageYears: 72,
      sex: 'F',
      weightKg: 68.5,
      lastKnownWellAt: lkw,
      studyInstanceUid: null,
      requestedBy: { id: wardId },
      acceptedBy: null,
      acceptedAt: null,
      escalatedAt: null,
      joinedAt: null,
      endedAt: null,
      outcome: null,
    });
    expect(Math.abs(ms(c0.requestedAt) - Date.now())).toBeLessThan(10_000);

    const accepted = await neuro.post<ConsultDto>(`/api/consults/${c0.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', acceptedBy: { id: neuroId, name: 'Dr Démo Neurologue' } });
    expect(ms(accepted.body.acceptedAt)).toBeGreaterThanOrEqual(ms(c0.requestedAt));

    expect((await ward.post(`/api/consults/${c0.id}/join`)).status).toBe(200);
    const half = (await ward.get<ConsultDto>(`/api/consults/${c0.id}`)).body;
    // One side in the room is not a call yet.
    expect(half).toMatchObject({ status: 'accepted', joinedAt: null });

    expect((await neuro.post(`/api/consults/${c0.id}/join`)).status).toBe(200);
    const inCall = (await neuro.get<ConsultDto>(`/api/consults/${c0.id}`)).body;
    expect(inCall.status).toBe('in_call');
    expect(ms(inCall.joinedAt)).toBeGreaterThanOrEqual(ms(inCall.acceptedAt));

    // A rejoin (a new token after a reconnection) changes nothing.
    expect((await ward.post(`/api/consults/${c0.id}/join`)).status).toBe(200);
    expect((await ward.get<ConsultDto>(`/api/consults/${c0.id}`)).body.joinedAt).toBe(inCall.joinedAt);

    const ended = await neuro.post<ConsultDto>(`/api/consults/${c0.id}/end`, { outcome: 'thrombolysis', note: 'ténectéplase 0,25 mg/kg' });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ status: 'ended', outcome: 'thrombolysis', joinedAt: inCall.joinedAt });
    expect(ms(ended.body.endedAt)).toBeGreaterThanOrEqual(ms(inCall.joinedAt));

    const stored = await t.server.db.query<{ note: string; ended_by: string }>('SELECT note, ended_by FROM consults WHERE id = $1', [c0.id]);
    expect(stored.rows[0]).toEqual({ note: 'ténectéplase 0,25 mg/kg', ended_by: neuroId });

    const audit = await auditOf(t, c0.id);
    expect(audit.filter((a) => a.action !== 'consult.notify' && a.action !== 'consult.read').map((a) => [a.action, a.actor_id])).toEqual([
      ['consult.request', wardId],
      ['consult.accept', neuroId],
      ['consult.join', wardId],
      ['consult.join', neuroId],
      ['consult.join', wardId],
      ['consult.end', neuroId],
    ]);
    // Ids and outcomes only: the patient reference, the reason and the note never reach the audit log.
    const text = JSON.stringify(audit);
    for (const secret of ['IPP-000123', 'Aphasie', 'ténectéplase', '68.5']) expect(text).not.toContain(secret);
    const macon = (await t.server.db.query<{ id: string }>(`SELECT id FROM sites WHERE code = 'MACON'`)).rows[0]!.id;
    expect(new Set(audit.map((a) => a.site_id))).toEqual(new Set([macon]));
  });

  it('POST /api/consults/{id}/end by the requesting doctor of an accepted consult nobody joined ends it', async () => {
    const c = await acceptedConsult(ward, neuro);
    const res = await ward.post<ConsultDto>(`/api/consults/${c.id}/end`, { outcome: 'not_stroke' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ended', outcome: 'not_stroke', joinedAt: null });
  });

  it('POST /api/consults/{id}/cancel by the requester while requested cancels it, with its end time', async () => {
    const c = await startConsult(ward);
    const res = await ward.post<ConsultDto>(`/api/consults/${c.id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', outcome: null, acceptedBy: null });
    expect(res.body.endedAt).not.toBeNull();
    expect((await auditOf(t, c.id)).map((a) => a.action)).toContain('consult.cancel');
  });

  describe('wrong transitions answer 409 CONSULT_STATE and change nothing', () => {
    const refused = async (client: ApiClient, path: string, json?: unknown, code = 'CONSULT_STATE') => {
      const res = await client.post(path, json);
      expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status: 409, code });
    };

    it('join, end or a second cancel of a requested or cancelled consult', async () => {
      const c = await startConsult(ward);
      await refused(ward, `/api/consults/${c.id}/join`);
      await refused(ward, `/api/consults/${c.id}/end`, { outcome: 'other' });
      expect((await ward.post(`/api/consults/${c.id}/cancel`)).status).toBe(200);
      await refused(ward, `/api/consults/${c.id}/cancel`);
      await refused(neuro, `/api/consults/${c.id}/accept`);
      await refused(ward, `/api/consults/${c.id}/messages`, { text: 'encore là ?' });
      expect((await ward.get<ConsultDto>(`/api/consults/${c.id}`)).body.status).toBe('cancelled');
    });

    it('cancel of an accepted consult, and anything but reading after the end', async () => {
      const c = await acceptedConsult(ward, neuro);
      await refused(ward, `/api/consults/${c.id}/cancel`);
      expect((await ward.post(`/api/consults/${c.id}/end`, { outcome: 'other' })).status).toBe(200);
      await refused(neuro, `/api/consults/${c.id}/end`, { outcome: 'thrombolysis' });
      await refused(neuro, `/api/consults/${c.id}/join`);
      await refused(ward, `/api/consults/${c.id}/messages`, { text: 'merci' });
      // A second accept of a finished consult is a state error, not a race lost.
      await refused(neuro, `/api/consults/${c.id}/accept`);
      const after = (await ward.get<ConsultDto>(`/api/consults/${c.id}`)).body;
      expect(after).toMatchObject({ status: 'ended', outcome: 'other' });
      // The chat stays readable by the participants.
      expect((await ward.get(`/api/consults/${c.id}/messages`)).status).toBe(200);
    });

    it('a second accept by the neurologist who took the consult answers CONSULT_TAKEN', async () => {
      const c = await acceptedConsult(ward, neuro);
      await refused(neuro, `/api/consults/${c.id}/accept`, undefined, 'CONSULT_TAKEN');
    });
  });

  it('GET /api/consults lists newest first and filters by ?status=', async () => {
    const a = await startConsult(ward);
    const b = await startConsult(ward);
    await ward.post(`/api/consults/${a.id}/cancel`);
    const all = (await ward.get<ConsultDto[]>('/api/consults')).body;
    const ids = all.map((c) => c.id);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    const times = all.map((c) => ms(c.requestedAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));

    const requested = (await neuro.get<ConsultDto[]>('/api/consults?status=requested')).body;
    expect(requested.map((c) => c.id)).toContain(b.id);
    expect(requested.map((c) => c.id)).not.toContain(a.id);
    expect(new Set(requested.map((c) => c.status))).toEqual(new Set(['requested']));
    expect((await neuro.get<ConsultDto[]>('/api/consults?status=cancelled')).body.map((c) => c.id)).toContain(a.id);
    expect((await neuro.get<ConsultDto[]>('/api/consults?limit=1')).body).toHaveLength(1);
  });

  it('GET /api/consults and GET /api/consults/{id} are audited as reads, with ids only', async () => {
    const c = await startConsult(ward);
    await neuro.get(`/api/consults/${c.id}`);
    await neuro.get('/api/consults?status=requested');
    const { rows } = await t.server.db.query<{ action: string; resource_id: string | null; details: { consultIds?: string[] } }>(
      `SELECT action, resource_id, details FROM audit_log WHERE actor_id = $1 AND action IN ('consult.read', 'consult.list')
        ORDER BY seq DESC LIMIT 2`,
      [neuroId],
    );
    expect(rows[1]).toMatchObject({ action: 'consult.read', resource_id: c.id });
    expect(rows[0]!.action).toBe('consult.list');
    expect(rows[0]!.details.consultIds).toContain(c.id);
  });
});

describe('POST /api/consults/{id}/join', () => {
  it('by a participant answers the configured SFU URL, a 120 s token for this consult, user and role, and ICE servers', async () => {
    const c = await acceptedConsult(ward, neuro);
    const before = Date.now();
    const res = await neuro.post(`/api/consults/${c.id}/join`);
    expect(res.status).toBe(200);
    const join = JoinConsultDtoSchema.parse(res.body);
    expect(join).toMatchObject({
      consultId: c.id,
      sfuUrl: 'wss://sfu.example.test/ws',
      self: { userId: neuroId, displayName: 'Dr Démo Neurologue', role: 'neurologist' },
    });
    const claims = verifySfuToken(join.token, SECRET);
    expect(claims).toMatchObject({ consultId: c.id, userId: neuroId, displayName: 'Dr Démo Neurologue', role: 'neurologist' });
    expect(claims.exp - claims.iat).toBe(120);
    expect(ms(join.expiresAt)).toBe(claims.exp * 1000);
    expect(ms(join.expiresAt) - before).toBeLessThanOrEqual(121_000);
    expect(() => verifySfuToken(join.token, 'another-secret-of-thirty-two-characters!')).toThrow(/signature/);

    expect(join.iceServers[0]).toEqual({ urls: ['stun:stun.example.test:3478'] });
    const turn = join.iceServers[1]!;
    expect(turn.urls).toEqual(['turn:turn.example.test:3478?transport=udp', 'turns:turn.example.test:5349']);
    const [expiry, user] = turn.username!.split(':');
    expect(user).toBe(neuroId);
    // Valid for the configured 12 h by default, as coturn checks it: the password is derived from the username.
    expect(Number(expiry) * 1000 - before).toBeGreaterThan(11.9 * 3600_000);
    expect(turn.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn.username!).digest('base64'));

    const audit = (await auditOf(t, c.id)).find((a) => a.action === 'consult.join')!;
    expect(audit.details).toEqual({ side: 'accepter', tokenId: claims.jti, expiresAt: claims.exp });
  });

  it('by the ward doctor answers a token with their own identity and role', async () => {
    const c = await acceptedConsult(ward, neuro);
    const join = (await ward.post(`/api/consults/${c.id}/join`)).body;
    expect(verifySfuToken(join.token, SECRET)).toMatchObject({ consultId: c.id, userId: wardId, role: 'ward_doctor' });
  });

  it('without SFU_TOKEN_SECRET answers 503 UNAVAILABLE saying what to configure, and records no join', async () => {
    const bare = await startTestServer();
    try {
      const w = await login(bare, DEMO.wardMacon);
      const n = await login(bare, DEMO.neurologist);
      const c = await acceptedConsult(w, n);
      const res = await w.post(`/api/consults/${c.id}/join`);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('UNAVAILABLE');
      expect(res.body.error.message).toContain('SFU_TOKEN_SECRET');
      expect((await auditOf(bare, c.id)).map((a) => a.action)).not.toContain('consult.join');
      // No ICE configuration is needed otherwise; the rest of the API works.
      expect((await w.get(`/api/consults/${c.id}`)).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe('POST /api/consults site choice', () => {
  const email = 'urgences.deux.sites@test.invalid';
  let twoSites: ApiClient;
  beforeAll(async () => {
    await addUser(t, { email, name: 'Dr Deux Sites', role: 'ward_doctor', sites: ['MACON', 'NEVERS'] });
    twoSites = await login(t, email);
  });

  it('without siteCode by a ward doctor of one remote site starts it at that site', async () => {
    expect((await startConsult(ward)).siteCode).toBe('MACON');
  });

  it('without siteCode by a ward doctor of two remote sites answers 400 naming both', async () => {
    const res = await twoSites.post('/api/consults', consultRequest());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details[0]).toMatchObject({ path: 'siteCode' });
    expect(res.body.error.details[0].message).toMatch(/MACON, NEVERS/);
  });

  it('with siteCode of one of their sites starts it there', async () => {
    const res = await twoSites.post<ConsultDto>('/api/consults', consultRequest({ siteCode: 'NEVERS' }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ siteCode: 'NEVERS', hubCode: 'DIJON' });
  });

  it('with siteCode of a site they do not belong to answers 404, as for a site that does not exist', async () => {
    for (const siteCode of ['NEVERS', 'DIJON', 'NOWHERE']) {
      const res = await ward.post('/api/consults', consultRequest({ siteCode }));
      expect({ siteCode, status: res.status, code: res.body.error.code }).toEqual({ siteCode, status: 404, code: 'NOT_FOUND' });
    }
  });

  it('with siteCode of their hub answers 400: consults come from remote sites', async () => {
    const hubWard = 'urgences.chu@test.invalid';
    await addUser(t, { email: hubWard, name: 'Dr Urgences CHU', role: 'ward_doctor', sites: ['DIJON'] });
    const c = await login(t, hubWard);
    const res = await c.post('/api/consults', consultRequest({ siteCode: 'DIJON' }));
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ path: 'siteCode' });
    // Without a site code, a ward doctor of no remote site may not request at all.
    expect((await c.post('/api/consults', consultRequest())).status).toBe(403);
  });
});
