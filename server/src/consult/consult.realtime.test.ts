import type { ConsultDto, ConsultMessageDto, ServerEvent } from '@telestroke/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { insertSite } from '../sites/site.repository';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';
import { acceptedConsult, addUser, auditOf, login, openEvents, startConsult, type EventSocket } from './consult.testing';

/**
 * What reaches whom over /ws: alerts to the hub's neurologists, state changes to everyone who sees the consult,
 * chat to the participants only. "Not received" is proven by order: each socket gets its events in the order they
 * were sent, so an event sent later that does arrive shows the earlier one was never sent to it.
 */
let t: TestServer;
let wardMacon: ApiClient;
let wardMacon2: ApiClient;
let wardNevers: ApiClient;
let neuro: ApiClient;
let neuro2: ApiClient;
let neuroLyon: ApiClient;
let wardBourg: ApiClient;
const open: EventSocket[] = [];

beforeAll(async () => {
  t = await startTestServer();
  const lyon = await insertSite(t.server.db, { code: 'LYON', name: 'HCL Lyon', kind: 'hub', hubId: null });
  await insertSite(t.server.db, { code: 'BOURG', name: 'CH Bourg', kind: 'remote', hubId: lyon });
  await addUser(t, { email: 'urgences.macon.2@test.invalid', name: 'Dr Urgences Mâcon 2', role: 'ward_doctor', sites: ['MACON'] });
  await addUser(t, { email: 'neurologue.2@test.invalid', name: 'Dr Neurologue 2', role: 'neurologist', sites: ['DIJON'] });
  await addUser(t, { email: 'neurologue.lyon@test.invalid', name: 'Dr Neurologue Lyon', role: 'neurologist', sites: ['LYON'] });
  await addUser(t, { email: 'urgences.bourg@test.invalid', name: 'Dr Urgences Bourg', role: 'ward_doctor', sites: ['BOURG'] });
  wardMacon = await login(t, DEMO.wardMacon);
  wardMacon2 = await login(t, 'urgences.macon.2@test.invalid');
  wardNevers = await login(t, DEMO.wardNevers);
  neuro = await login(t, DEMO.neurologist);
  neuro2 = await login(t, 'neurologue.2@test.invalid');
  neuroLyon = await login(t, 'neurologue.lyon@test.invalid');
  wardBourg = await login(t, 'urgences.bourg@test.invalid');
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
afterAll(() => t.close());

/** One live channel per client, in the order given. */
async function eventsOf<T extends ApiClient[]>(...clients: T): Promise<{ [K in keyof T]: EventSocket }> {
  const sockets = await Promise.all(clients.map((c) => openEvents(t, c)));
  open.push(...sockets);
  return sockets as { [K in keyof T]: EventSocket };
}

const about = (id: string) => (e: ServerEvent) =>
  (e.type === 'consult.requested' || e.type === 'consult.updated') && e.consult.id === id;
const typesAbout = (s: EventSocket, id: string) => s.events.filter(about(id)).map((e) => e.type);

describe('consult alerts over /ws', () => {
  it('POST /api/consults alerts every neurologist of the hub with consult.requested and nobody outside the site and hub', async () => {
    const [n1, n2, lyon, nevers, macon2, requester] = await eventsOf(neuro, neuro2, neuroLyon, wardNevers, wardMacon2, wardMacon);
    const c = await startConsult(wardMacon);

    for (const s of [n1, n2]) {
      const alert = await s.next(about(c.id));
      expect(alert).toMatchObject({ type: 'consult.requested', consult: { id: c.id, status: 'requested', patientRef: 'IPP-000123' } });
    }
    // The requester's colleagues (and the requester's own other tabs) see it in their list, without the alert.
    for (const s of [macon2, requester]) expect(await s.next(about(c.id))).toMatchObject({ type: 'consult.updated' });

    // Nevers' ward doctor and Lyon's neurologist get their own consults' events, and never saw Mâcon's.
    const own = await startConsult(wardNevers);
    await nevers.next(about(own.id));
    expect(typesAbout(nevers, c.id)).toEqual([]);
    const bourg = await startConsult(wardBourg);
    expect(await lyon.next(about(bourg.id))).toMatchObject({ type: 'consult.requested' });
    expect(typesAbout(lyon, c.id)).toEqual([]);
    expect(typesAbout(lyon, own.id)).toEqual([]);

    const notify = (await auditOf(t, c.id)).filter((a) => a.action === 'consult.notify');
    const recipients = notify.flatMap((a) => a.details.recipients as string[]);
    const ids = await Promise.all([neuro, neuro2, wardMacon2, wardMacon].map(async (x) => (await x.get('/api/me')).body.user.id));
    expect(new Set(recipients)).toEqual(new Set(ids));
  });

  it('POST /api/consults/{id}/accept tells the other neurologists and the site that the consult is taken', async () => {
    const [n2, requester, nevers] = await eventsOf(neuro2, wardMacon, wardNevers);
    const c = await startConsult(wardMacon);
    await n2.next(about(c.id));
    expect((await neuro.post(`/api/consults/${c.id}/accept`)).status).toBe(200);
    for (const s of [n2, requester]) {
      const e = await s.next((e) => about(c.id)(e) && e.type === 'consult.updated' && e.consult.status === 'accepted');
      expect(e).toMatchObject({ consult: { acceptedBy: { name: 'Dr Démo Neurologue' } } });
    }
    // The taken consult's accept button is gone for the others: their accept now answers CONSULT_TAKEN.
    expect((await neuro2.post(`/api/consults/${c.id}/accept`)).body.error.code).toBe('CONSULT_TAKEN');
    const own = await startConsult(wardNevers);
    await nevers.next(about(own.id));
    expect(typesAbout(nevers, c.id)).toEqual([]);
  });
});

describe('consult chat', () => {
  let c: ConsultDto;
  beforeAll(async () => {
    c = await acceptedConsult(wardMacon, neuro);
  });

  it('POST /api/consults/{id}/messages by a participant stores it and pushes consult.message to both participants only', async () => {
    const [requester, accepter, other, colleague] = await eventsOf(wardMacon, neuro, neuro2, wardMacon2);
    const res = await wardMacon.post<ConsultMessageDto>(`/api/consults/${c.id}/messages`, { text: '  TA 170/95, glycémie 1,1 g/L  ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ consultId: c.id, text: 'TA 170/95, glycémie 1,1 g/L', author: { name: 'Dr Démo Urgences Mâcon', role: 'ward_doctor' } });
    for (const s of [requester, accepter]) {
      expect(await s.next((e) => e.type === 'consult.message')).toEqual({ type: 'consult.message', message: res.body });
    }
    // A later event the others do get (the end of the consult) proves the message never went to them.
    const end = await acceptedConsult(wardMacon, neuro);
    await wardMacon.post(`/api/consults/${end.id}/end`, { outcome: 'other' });
    for (const s of [other, colleague]) {
      await s.next((e) => e.type === 'consult.updated' && e.consult.id === end.id && e.consult.status === 'ended');
      expect(s.events.filter((e) => e.type === 'consult.message')).toEqual([]);
    }
  });

  it('GET /api/consults/{id}/messages by either participant lists the chat oldest first, each read audited', async () => {
    await neuro.post(`/api/consults/${c.id}/messages`, { text: 'Je vois le scanner.' });
    await wardMacon.post(`/api/consults/${c.id}/messages`, { text: 'Merci.' });
    for (const client of [wardMacon, neuro]) {
      const res = await client.get<ConsultMessageDto[]>(`/api/consults/${c.id}/messages`);
      expect(res.status).toBe(200);
      expect(res.body.map((m) => m.text)).toEqual(['TA 170/95, glycémie 1,1 g/L', 'Je vois le scanner.', 'Merci.']);
      expect(res.body.map((m) => m.author.role)).toEqual(['ward_doctor', 'neurologist', 'ward_doctor']);
    }
    const audit = await auditOf(t, c.id);
    expect(audit.filter((a) => a.action === 'consult.message.read')).toHaveLength(2);
    expect(audit.filter((a) => a.action === 'consult.message.post')).toHaveLength(3);
    // The audit log knows who wrote and read what message, never what it said.
    expect(JSON.stringify(audit)).not.toMatch(/scanner|glycémie|Merci/);
  });

  it('GET and POST /api/consults/{id}/messages by a hub neurologist who did not accept answer 403 and reveal nothing', async () => {
    const read = await neuro2.get(`/api/consults/${c.id}/messages`);
    expect(read.status).toBe(403);
    expect(JSON.stringify(read.body)).not.toMatch(/scanner|glycémie/);
    const write = await neuro2.post(`/api/consults/${c.id}/messages`, { text: 'Je peux aider ?' });
    expect(write.status).toBe(403);
    // A colleague of the requester sees the consult, not its chat.
    expect((await wardMacon2.get(`/api/consults/${c.id}`)).status).toBe(200);
    expect((await wardMacon2.get(`/api/consults/${c.id}/messages`)).status).toBe(403);
    const texts = (await t.server.db.query<{ text: string }>('SELECT text FROM consult_messages WHERE consult_id = $1', [c.id])).rows;
    expect(texts.map((r) => r.text)).not.toContain('Je peux aider ?');
  });

  it('GET /api/consults/{id}/messages by a ward doctor of another site answers 404, as for no consult', async () => {
    expect((await wardNevers.get(`/api/consults/${c.id}/messages`)).status).toBe(404);
    expect((await neuroLyon.get(`/api/consults/${c.id}/messages`)).status).toBe(404);
  });
});
