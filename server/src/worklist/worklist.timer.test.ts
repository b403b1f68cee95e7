import type { ReadRequestDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingNotifier, type Received } from '../realtime/notifier.testing';
import { findSiteByCode } from '../sites/site.repository';
import { DEMO, startTestServer, type ApiClient, type TestServer } from '../testing';
import { DeadlineTimer } from '../system/DeadlineTimer';
import { HubStaffOnCall, type OnCallDirectory } from './oncall';
import { WorklistService } from './worklist.service';
import { addUser, createGatewayToken, login, requestOfStudy, stowStudy, strokeFindings } from './worklist.testing';

/**
 * Escalation and SLA breaches, driven by an injected clock: the timer's passes run at "first image + N minutes"
 * without waiting. Pushes are captured by a sink that admits the users the audience admits, as the WebSocket hub does.
 */
let t: TestServer;
let token: string;
let neuro: ApiClient;
const ids: Record<'neuro' | 'backup' | 'radiologist' | 'wardMacon' | 'wardNevers', string> = {} as never;
let received: Received[] = [];
let service: WorklistService;

/** The rota of these tests: the demo neurologist on call, a second neurologist as backup. */
const rota: OnCallDirectory = { onCall: async () => ({ primary: [ids.neuro], backup: [ids.backup] }) };

beforeAll(async () => {
  t = await startTestServer({ STUDY_QUIET_SECONDS: '0.3' });
  token = await createGatewayToken(t.server.db, 'MACON');
  ids.backup = await addUser(t, { email: 'astreinte@test.invalid', name: 'Dr Astreinte', role: 'neurologist', sites: ['DIJON'] });
  neuro = await login(t, DEMO.neurologist);
  for (const [key, email] of [['neuro', DEMO.neurologist], ['radiologist', DEMO.radiologist], ['wardMacon', DEMO.wardMacon], ['wardNevers', DEMO.wardNevers]] as const) {
    ids[key] = (await (await login(t, email)).get('/api/me')).body.user.id;
  }
  const captured = await capturingNotifier(t.server.db, [
    { id: ids.neuro, role: 'neurologist' },
    { id: ids.backup, role: 'neurologist' },
    { id: ids.radiologist, role: 'radiologist' },
    { id: ids.wardMacon, role: 'ward_doctor' },
    { id: ids.wardNevers, role: 'ward_doctor' },
  ]);
  received = captured.received;
  service = new WorklistService({ db: t.server.db, notifier: captured.notifier, onCall: rota, slaMinutes: 15 });
});
afterAll(() => t?.close());

async function freshRequest(): Promise<{ id: string; firstImageAt: number }> {
  const { id } = await requestOfStudy(t.server.db, await stowStudy(t, { token }));
  const { rows } = await t.server.db.query<{ first_image_at: Date }>('SELECT first_image_at FROM read_requests WHERE id = $1', [id]);
  // The database keeps microseconds: the next millisecond is at or after the first image.
  return { id, firstImageAt: rows[0]!.first_image_at.getTime() + 1 };
}

/** One timer pass at `minutes` after `from`. */
async function passAt(from: number, minutes: number): Promise<void> {
  const timer = await DeadlineTimer.create({
    name: 'worklist',
    check: (now) => service.checkDeadlines(now, 5, 600),
    intervalMs: 0,
    clock: () => new Date(from + minutes * 60_000),
  });
  await timer.tick();
  await timer.close();
}

const alertsAbout = (id: string, reason: string) =>
  received.filter((r) => r.event.type === 'worklist.alert' && r.event.request.id === id && r.event.reason === reason).map((r) => r.to);
const updatesAbout = (id: string) =>
  received.filter((r) => r.event.type === 'worklist.updated' && r.event.request.id === id) as { to: string; event: { request: ReadRequestDto } }[];

describe('escalation', () => {
  it('a request unclaimed 5 minutes after its first image is escalated once, to the backup on-call, and shown escalated to every viewer', async () => {
    const { id, firstImageAt } = await freshRequest();
    await passAt(firstImageAt, 4.9);
    expect(alertsAbout(id, 'escalated')).toEqual([]);

    await passAt(firstImageAt, 5);
    expect(alertsAbout(id, 'escalated')).toEqual([ids.backup]);
    const seen = updatesAbout(id).filter((u) => u.event.request.escalatedAt !== null);
    expect(new Set(seen.map((u) => u.to))).toEqual(new Set([ids.neuro, ids.backup, ids.radiologist, ids.wardMacon]));
    expect((await neuro.get<ReadRequestDto[]>('/api/worklist?limit=500')).body.find((r) => r.id === id)?.escalatedAt).toBe(
      new Date(firstImageAt + 5 * 60_000).toISOString(),
    );

    await passAt(firstImageAt, 6);
    expect(alertsAbout(id, 'escalated')).toHaveLength(1);
  });

  it('a request claimed in time is never escalated', async () => {
    const { id, firstImageAt } = await freshRequest();
    expect((await neuro.post(`/api/worklist/${id}/claim`)).status).toBe(200);
    await passAt(firstImageAt, 10);
    expect(alertsAbout(id, 'escalated')).toEqual([]);
    const { rows } = await t.server.db.query('SELECT escalated_at FROM read_requests WHERE id = $1', [id]);
    expect(rows[0]!.escalated_at).toBeNull();
  });

  it('HubStaffOnCall.onCall() puts every active neurologist and radiologist of the hub on call, with no backup', async () => {
    const dijon = (await findSiteByCode(t.server.db, 'DIJON'))!;
    const onCall = await new HubStaffOnCall(t.server.db).onCall(dijon.id);
    expect(new Set(onCall.primary)).toEqual(new Set([ids.neuro, ids.backup, ids.radiologist]));
    expect(onCall.backup).toEqual([]);
  });
});

describe('SLA', () => {
  it('a request not reported 15 minutes after its first image is marked breached once, alerting the on-call and the backup', async () => {
    const { id, firstImageAt } = await freshRequest();
    expect((await neuro.post(`/api/worklist/${id}/claim`)).status).toBe(200);
    await passAt(firstImageAt, 14.9);
    expect(alertsAbout(id, 'sla_breached')).toEqual([]);
    await passAt(firstImageAt, 15);
    expect(new Set(alertsAbout(id, 'sla_breached'))).toEqual(new Set([ids.neuro, ids.backup]));
    expect(updatesAbout(id).at(-1)?.event.request.slaBreached).toBe(true);
    await passAt(firstImageAt, 20);
    expect(alertsAbout(id, 'sla_breached')).toHaveLength(2);
    // Reported late, it stays breached.
    await neuro.post(`/api/worklist/${id}/report/sign`, strokeFindings());
    expect((await neuro.get(`/api/worklist/${id}`)).body.request).toMatchObject({ status: 'reported', slaBreached: true });
  });

  it('a request reported in time is never breached', async () => {
    const { id, firstImageAt } = await freshRequest();
    await neuro.post(`/api/worklist/${id}/claim`);
    await neuro.post(`/api/worklist/${id}/report/sign`, strokeFindings());
    await passAt(firstImageAt, 30);
    expect(alertsAbout(id, 'sla_breached')).toEqual([]);
    expect((await neuro.get(`/api/worklist/${id}`)).body.request.slaBreached).toBe(false);
  });

  it('a request signed after its due time is breached at signing, without a timer pass', async () => {
    const { id } = await freshRequest();
    await neuro.post(`/api/worklist/${id}/claim`);
    await t.server.db.query(`UPDATE read_requests SET sla_due_at = first_image_at + interval '1 millisecond' WHERE id = $1`, [id]);
    await neuro.post(`/api/worklist/${id}/report/sign`, strokeFindings());
    expect((await neuro.get(`/api/worklist/${id}`)).body.request.slaBreached).toBe(true);
  });
});

describe('catch-up of lost arrival events', () => {
  it('a pass creates the request of a remote study that has none, ready, and alerts the on-call', async () => {
    const { id } = await freshRequest();
    // Once the study is complete, no more arrival event comes for it.
    await new Promise((r) => setTimeout(r, 700));
    const { rows } = await t.server.db.query<{ study_id: string }>('DELETE FROM read_requests WHERE id = $1 RETURNING study_id', [id]);
    await passAt(Date.now(), 0);
    const again = await t.server.db.query<{ id: string; status: string }>('SELECT id, status FROM read_requests WHERE study_id = $1', [rows[0]!.study_id]);
    expect(again.rows).toHaveLength(1);
    expect(again.rows[0]!.status).toBe('ready');
    expect(alertsAbout(again.rows[0]!.id, 'new')).toEqual([ids.neuro]);
  });
});
