import type { CaseMessageDto, CaseRecordDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';
import { acceptedCase, addUser, auditOfCase, login, startNihss } from './case.testing';

/**
 * Who may do what with a stroke case, written out by hand rather than derived from the policy:
 * - reading the record: ward doctors and neurologists who see the consult's site (radiologists, schedulers, admins:
 *   403; another site's staff: 404, as for a case that does not exist; anonymous: 401);
 * - the NIHSS, the decision, the transfer and the messages: the consult's participants only (the others who see the
 *   case: 403); every read of the messages is audited;
 * - acknowledging a transfer: a neurologist of the receiving CHU.
 */
let t: TestServer;
const clients: Record<string, ApiClient> = {};
let record: CaseRecordDto;
let assessmentId: string;

const CALLERS = {
  requester: DEMO.wardMacon,
  accepter: DEMO.neurologist,
  otherWardMacon: 'urgences.macon.case@test.invalid',
  otherNeuro: 'neurologue.acces@test.invalid',
  wardNevers: DEMO.wardNevers,
  radiologist: DEMO.radiologist,
  scheduler: DEMO.scheduler,
  admin: DEMO.admin,
} as const;
type Who = keyof typeof CALLERS | 'anonymous';

beforeAll(async () => {
  t = await startTestServer();
  await addUser(t, { email: CALLERS.otherWardMacon, name: 'Dr Autre Mâcon', role: 'ward_doctor', sites: ['MACON'] });
  await addUser(t, { email: CALLERS.otherNeuro, name: 'Dr Autre Dijon', role: 'neurologist', sites: ['DIJON'] });
  for (const [who, email] of Object.entries(CALLERS)) clients[who] = await login(t, email);
  clients.anonymous = new ApiClient(t.url);
  record = await acceptedCase(clients.requester!, clients.accepter!);
  assessmentId = (await startNihss(clients.accepter!, record.id)).id;
  await clients.requester!.post(`/api/cases/${record.id}/messages`, { text: 'Glycémie 1,2 g/L' });
});
afterAll(() => t.close());

const status = (who: Who, method: string, path: string, json?: unknown) =>
  clients[who]!.request(method, path.replace(':id', record.id).replace(':a', assessmentId), json === undefined ? {} : { json }).then(
    (r) => r.status,
  );

const EXPECTED_READ: Record<Who, number> = {
  requester: 200,
  accepter: 200,
  otherWardMacon: 200,
  otherNeuro: 200,
  wardNevers: 404,
  radiologist: 403,
  scheduler: 403,
  admin: 403,
  anonymous: 401,
};

describe('case access', () => {
  it.each(Object.entries(EXPECTED_READ))('GET /api/cases/{id} by %s answers %i', async (who, expected) => {
    expect(await status(who as Who, 'GET', '/api/cases/:id')).toBe(expected);
    expect(await status(who as Who, 'GET', `/api/cases?consultId=${record.consultId}`)).toBe(expected);
    expect(await status(who as Who, 'GET', '/api/cases/:id/summary.pdf')).toBe(expected);
  });

  const PARTICIPANT_ONLY: [string, string, unknown][] = [
    ['GET', '/api/cases/:id/messages', undefined],
    ['POST', '/api/cases/:id/messages', { text: 'x' }],
    ['POST', '/api/cases/:id/nihss', { label: 'H1' }],
    ['PUT', '/api/cases/:id/nihss/:a/items/1a', { value: 0 }],
    ['POST', '/api/cases/:id/decision', { decision: 'neither' }],
  ];
  it.each(PARTICIPANT_ONLY)('%s %s answers 403 to those who see the case without taking part in it', async (method, path, json) => {
    expect(await status('otherWardMacon', method, path, json)).toBe(403);
    expect(await status('otherNeuro', method, path, json)).toBe(403);
    expect(await status('wardNevers', method, path, json)).toBe(404);
    expect(await status('radiologist', method, path, json)).toBe(403);
  });

  it('GET messages answers the thread to both participants, and audits every read', async () => {
    const before = (await auditOfCase(t, record.id)).filter((e) => e.action === 'case.message.read').length;
    for (const who of ['requester', 'accepter'] as const) {
      const res = await clients[who]!.get<CaseMessageDto[]>(`/api/cases/${record.id}/messages`);
      expect(res.status).toBe(200);
      expect(res.body.map((m) => m.text)).toContain('Glycémie 1,2 g/L');
    }
    const reads = (await auditOfCase(t, record.id)).filter((e) => e.action === 'case.message.read');
    expect(reads).toHaveLength(before + 2);
    expect(JSON.stringify(reads)).not.toContain('Glycémie');
  });

  it('POST events is open to the staff who see the case, not only to participants', async () => {
    const at = new Date(Date.now() - 10 * 60_000).toISOString();
    expect(await status('otherWardMacon', 'POST', '/api/cases/:id/events', { kind: 'ct_start', at })).toBe(201);
    expect(await status('wardNevers', 'POST', '/api/cases/:id/events', { kind: 'ct_start', at })).toBe(404);
    expect(await status('scheduler', 'POST', '/api/cases/:id/events', { kind: 'ct_start', at })).toBe(403);
  });

  it('POST transfer/ack by a Mâcon ward doctor answers 403; the transfer stays unacknowledged', async () => {
    expect(await status('requester', 'POST', '/api/cases/:id/transfer', {})).toBe(201);
    expect(await status('otherWardMacon', 'POST', '/api/cases/:id/transfer/ack')).toBe(403);
    expect(await status('wardNevers', 'POST', '/api/cases/:id/transfer/ack')).toBe(404);
    const { rows } = await t.server.db.query('SELECT acknowledged_at FROM case_transfers WHERE case_id = $1', [record.id]);
    expect(rows[0]!.acknowledged_at).toBeNull();
  });
});
