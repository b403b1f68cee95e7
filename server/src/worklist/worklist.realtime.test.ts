import type { ReadRequestDto, ServerEvent } from '@telestroke/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type ApiClient, type TestServer } from '../testing';
import { createGatewayToken, login, openEvents, requestOfStudy, stowStudy, strokeFindings, type EventSocket } from './worklist.testing';

/**
 * What reaches whom over /ws. "Not received" is proven by order: each socket gets its events in the order they were
 * sent, so a later event that does arrive shows an earlier one was never sent to it.
 */
let t: TestServer;
let maconToken: string;
let neversToken: string;
let neuro: ApiClient;
let radiologist: ApiClient;
let wardMacon: ApiClient;
let wardNevers: ApiClient;
let scheduler: ApiClient;
const open: EventSocket[] = [];

beforeAll(async () => {
  t = await startTestServer({ STUDY_QUIET_SECONDS: '0.3' });
  maconToken = await createGatewayToken(t.server.db, 'MACON');
  neversToken = await createGatewayToken(t.server.db, 'NEVERS');
  neuro = await login(t, DEMO.neurologist);
  radiologist = await login(t, DEMO.radiologist);
  wardMacon = await login(t, DEMO.wardMacon);
  wardNevers = await login(t, DEMO.wardNevers);
  scheduler = await login(t, DEMO.scheduler);
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
afterAll(() => t?.close());

async function eventsOf<T extends ApiClient[]>(...clients: T): Promise<{ [K in keyof T]: EventSocket }> {
  const sockets = await Promise.all(clients.map((c) => openEvents(t, c)));
  open.push(...sockets);
  return sockets as { [K in keyof T]: EventSocket };
}

const aboutStudy = (uid: string) => (e: ServerEvent) =>
  (e.type === 'worklist.updated' || e.type === 'worklist.alert' || e.type === 'worklist.report') && e.request.studyInstanceUid === uid;

describe('worklist events over /ws', () => {
  it("a STOW by Mâcon's gateway reaches every hub reader's worklist within 1 s of the first image, with a P1 alert; Mâcon's ward doctor sees it; Nevers and the scheduler do not", async () => {
    const [n, r, macon, nevers, sched] = await eventsOf(neuro, radiologist, wardMacon, wardNevers, scheduler);
    const sent = Date.now();
    const uid = await stowStudy(t, { token: maconToken });
    for (const s of [n, r, macon]) {
      const e = await s.next((x) => x.type === 'worklist.updated' && aboutStudy(uid)(x), 1000);
      const request = (e as { request: ReadRequestDto }).request;
      expect(request).toMatchObject({ siteCode: 'MACON', priority: 'P1' });
      // The event left within a second of the first image being stored.
      expect(Date.now() - Date.parse(request.firstImageAt)).toBeLessThan(1000);
    }
    expect(Date.now() - sent).toBeLessThan(2000);
    for (const s of [n, r]) expect(await s.next((x) => x.type === 'worklist.alert' && aboutStudy(uid)(x))).toMatchObject({ reason: 'new' });
    // The ward doctor sees the row, without the readers' alert.
    await macon.next((x) => x.type === 'worklist.updated' && aboutStudy(uid)(x) && x.request.status === 'ready');
    expect(macon.events.some((x) => x.type === 'worklist.alert')).toBe(false);

    const own = await stowStudy(t, { token: neversToken });
    await nevers.next(aboutStudy(own));
    expect(nevers.events.filter(aboutStudy(uid))).toEqual([]);
    // The scheduler's socket, open since before the STOW, got no worklist event.
    expect(sched.events.filter((e) => e.type.startsWith('worklist.'))).toEqual([]);
  });

  it('claim, then sign: every viewer sees the claim, and the sending site gets the signed report at once', async () => {
    const uid = await stowStudy(t, { token: maconToken });
    const { id } = await requestOfStudy(t.server.db, uid);
    const [r, macon, nevers] = await eventsOf(radiologist, wardMacon, wardNevers);
    expect((await neuro.post(`/api/worklist/${id}/claim`)).status).toBe(200);
    for (const s of [r, macon]) {
      expect(await s.next((e) => e.type === 'worklist.updated' && e.request.id === id && e.request.status === 'claimed')).toMatchObject({
        request: { claimedBy: { name: 'Dr Démo Neurologue' } },
      });
    }
    expect((await neuro.post(`/api/worklist/${id}/report/sign`, strokeFindings())).status).toBe(200);
    const report = await macon.next((e) => e.type === 'worklist.report' && e.request.id === id, 1000);
    expect(report).toMatchObject({ request: { status: 'reported' }, report: { aspectsScore: 8, findings: { lvo: 'M1' } } });
    await r.next((e) => e.type === 'worklist.report' && e.request.id === id);

    // Nevers got nothing of it: its own next study's events arrive, and nothing before them.
    const own = await stowStudy(t, { token: neversToken });
    await nevers.next(aboutStudy(own));
    expect(nevers.events.filter((e) => e.type.startsWith('worklist.') && 'request' in e && e.request.id === id)).toEqual([]);

    const { rows } = await t.server.db.query<{ details: { event: string; recipients: string[] } }>(
      `SELECT details FROM audit_log WHERE resource_id = $1 AND action = 'worklist.notify' ORDER BY seq`,
      [id],
    );
    const wardId = (await wardMacon.get('/api/me')).body.user.id;
    expect(rows.some((x) => x.details.event === 'worklist.report' && x.details.recipients.includes(wardId))).toBe(true);
  });
});
