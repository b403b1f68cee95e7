import type { ConsultDto, ServerEvent } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingNotifier, type Received } from '../realtime/notifier.testing';
import { DEMO, startTestServer, type ApiClient, type TestServer } from '../testing';
import { acceptedConsult, addUser, auditOf, login, startConsult } from './consult.testing';
import { ConsultService, videoSettingsOf } from './consult.service';

/**
 * Urgent consults nobody accepts in time, driven by passes at chosen instants: checkDeadlines() at "request + N
 * minutes" without waiting. Pushes are captured by a sink that admits the users the audience admits, as the
 * WebSocket hub does.
 */
let t: TestServer;
let ward: ApiClient;
let neuro: ApiClient;
const ids: Record<'neuro' | 'neuro2' | 'backup' | 'wardMacon' | 'wardNevers', string> = {} as never;
let received: Received[] = [];
/** The rota's answer; null: the rota has no shift now. */
let shift: { primary: string[]; backup: string[] } | null = null;
let service: ConsultService;

beforeAll(async () => {
  t = await startTestServer();
  ids.neuro2 = await addUser(t, { email: 'neurologue.2@test.invalid', name: 'Dr Neurologue 2', role: 'neurologist', sites: ['DIJON'] });
  ids.backup = await addUser(t, { email: 'astreinte@test.invalid', name: 'Dr Astreinte', role: 'neurologist', sites: ['DIJON'] });
  ward = await login(t, DEMO.wardMacon);
  neuro = await login(t, DEMO.neurologist);
  ids.neuro = (await neuro.get('/api/me')).body.user.id;
  ids.wardMacon = (await ward.get('/api/me')).body.user.id;
  ids.wardNevers = (await (await login(t, DEMO.wardNevers)).get('/api/me')).body.user.id;
  const users = [['neuro', 'neurologist'], ['neuro2', 'neurologist'], ['backup', 'neurologist'], ['wardMacon', 'ward_doctor'], ['wardNevers', 'ward_doctor']] as const;
  const captured = await capturingNotifier(t.server.db, users.map(([key, role]) => ({ id: ids[key], role })));
  received = captured.received;
  service = new ConsultService({
    db: t.server.db,
    notifier: captured.notifier,
    video: videoSettingsOf(t.config),
    onCall: async () => shift ?? { primary: [], backup: [] },
  });
});
afterAll(() => t?.close());

/** `minutes` after the request; the database keeps microseconds, so from the next millisecond on. */
const at = (c: ConsultDto, minutes: number) => new Date(Date.parse(c.requestedAt) + 1 + minutes * 60_000);
const pushed = (c: ConsultDto, type: ServerEvent['type']) =>
  received.filter((r) => r.event.type === type && 'consult' in r.event && r.event.consult.id === c.id).map((r) => r.to);

describe('ConsultService.checkDeadlines()', () => {
  it('before the minutes have passed does nothing; after, escalates the consult once, alerting the primary and the backup and telling the ward doctor', async () => {
    shift = { primary: [ids.neuro], backup: [ids.backup] };
    const c = await startConsult(ward);
    await service.checkDeadlines(at(c, 2.9), 3);
    expect(pushed(c, 'consult.requested')).toEqual([]);
    expect((await ward.get<ConsultDto>(`/api/consults/${c.id}`)).body.escalatedAt).toBeNull();

    await service.checkDeadlines(at(c, 3), 3);
    // Alerted again: the primary who did not answer, and now the backup; not the other neurologist off duty.
    expect(new Set(pushed(c, 'consult.requested'))).toEqual(new Set([ids.neuro, ids.backup]));
    const alert = received.find((r) => r.event.type === 'consult.requested' && r.event.consult.id === c.id)!.event;
    expect(alert).toMatchObject({ consult: { id: c.id, status: 'requested', escalatedAt: at(c, 3).toISOString() } });
    // Everyone else who sees the consult sees it escalated, the requesting ward doctor first; Nevers sees nothing.
    expect(new Set(pushed(c, 'consult.updated'))).toEqual(new Set([ids.wardMacon, ids.neuro2]));
    expect((await ward.get<ConsultDto>(`/api/consults/${c.id}`)).body.escalatedAt).toBe(at(c, 3).toISOString());

    const audit = await auditOf(t, c.id);
    expect(audit.filter((a) => a.action === 'consult.escalate')).toEqual([
      expect.objectContaining({ actor_id: 'consult-deadlines', details: { afterMinutes: 3 } }),
    ]);
    const notified = audit.filter((a) => a.action === 'consult.notify' && a.details.escalated === true).flatMap((a) => a.details.recipients as string[]);
    expect(new Set(notified)).toEqual(new Set([ids.neuro, ids.backup, ids.wardMacon, ids.neuro2]));

    // Once only.
    const before = received.length;
    await service.checkDeadlines(at(c, 10), 3);
    expect(received.slice(before).filter((r) => 'consult' in r.event && r.event.consult.id === c.id)).toEqual([]);
  });

  it('without a backup on the rota, or without a rota, alerts every neurologist of the hub', async () => {
    for (const now of [{ primary: [ids.neuro], backup: [] }, null]) {
      shift = now;
      const c = await startConsult(ward);
      await service.checkDeadlines(at(c, 3), 3);
      expect(new Set(pushed(c, 'consult.requested'))).toEqual(new Set([ids.neuro, ids.neuro2, ids.backup]));
      expect(pushed(c, 'consult.updated')).toEqual([ids.wardMacon]);
    }
  });

  it('leaves alone a consult that was accepted or cancelled in time', async () => {
    shift = null;
    const accepted = await acceptedConsult(ward, neuro);
    const cancelled = await startConsult(ward);
    expect((await ward.post(`/api/consults/${cancelled.id}/cancel`)).status).toBe(200);
    for (const c of [accepted, cancelled]) {
      await service.checkDeadlines(at(c, 30), 3);
      expect(pushed(c, 'consult.requested')).toEqual([]);
      expect((await t.server.db.query('SELECT escalated_at FROM consults WHERE id = $1', [c.id])).rows[0]).toEqual({ escalated_at: null });
    }
  });
});

describe('the server’s consult deadline timer', () => {
  it('escalates by itself an urgent consult left unanswered past CONSULT_ESCALATE_MINUTES', async () => {
    const quick = await startTestServer({ CONSULT_ESCALATE_MINUTES: '0.005', WORKLIST_CHECK_SECONDS: '0.1' });
    try {
      const wardDoctor = await login(quick, DEMO.wardMacon);
      const c = await startConsult(wardDoctor);
      await expect
        .poll(async () => (await wardDoctor.get<ConsultDto>(`/api/consults/${c.id}`)).body.escalatedAt, { timeout: 10_000 })
        .not.toBeNull();
    } finally {
      await quick.close();
    }
  });
});
