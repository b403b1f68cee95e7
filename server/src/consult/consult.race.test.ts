import type { ConsultDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';
import { acceptConsult } from './consult.repository';
import { addUser, auditOf, login, openEvents, startConsult } from './consult.testing';

/**
 * "The first to accept takes the consult": concurrent accepts against real PostgreSQL, from several neurologists
 * on separate connections of the pool, so that the database, not the event loop, decides.
 */
let t: TestServer;
let ward: ApiClient;
const neurologists: { id: string; client: ApiClient }[] = [];

beforeAll(async () => {
  t = await startTestServer();
  ward = await login(t, DEMO.wardMacon);
  const demo = await login(t, DEMO.neurologist);
  neurologists.push({ id: (await demo.get('/api/me')).body.user.id, client: demo });
  for (let i = 1; i <= 4; i += 1) {
    const email = `neurologue.${i}@test.invalid`;
    const id = await addUser(t, { email, name: `Dr Neurologue ${i}`, role: 'neurologist', sites: ['DIJON'] });
    neurologists.push({ id, client: await login(t, email) });
  }
});
afterAll(() => t.close());

describe('POST /api/consults/{id}/accept under concurrency', () => {
  for (let round = 1; round <= 3; round += 1) {
    it(`10 concurrent accepts by 5 neurologists: exactly one 200, nine 409 CONSULT_TAKEN, one winner stored (round ${round})`, async () => {
      const c = await startConsult(ward);
      const callers = Array.from({ length: 10 }, (_, i) => neurologists[i % neurologists.length]!);
      const results = await Promise.all(callers.map((n) => n.client.post<ConsultDto>(`/api/consults/${c.id}/accept`)));

      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      const losers = results.filter((r) => r.status !== 200);
      expect(losers.map((r) => [r.status, (r.body as any).error.code])).toEqual(Array(9).fill([409, 'CONSULT_TAKEN']));

      const winner = winners[0]!.body.acceptedBy!.id;
      const stored = await t.server.db.query<{ accepted_by: string; status: string }>(
        'SELECT accepted_by, status FROM consults WHERE id = $1',
        [c.id],
      );
      expect(stored.rows[0]).toEqual({ accepted_by: winner, status: 'accepted' });
      // One accept in the audit log, by the winner.
      const accepts = (await auditOf(t, c.id)).filter((a) => a.action === 'consult.accept');
      expect(accepts.map((a) => a.actor_id)).toEqual([winner]);
    });
  }

  it('acceptConsult() while another transaction holds an uncommitted accept waits for it, then matches nothing', async () => {
    const c = await startConsult(ward);
    const [first, second] = [neurologists[0]!.id, neurologists[1]!.id];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let taken!: () => void;
    const firstUpdated = new Promise<void>((resolve) => (taken = resolve));
    const a = t.server.db.transaction(async (tx) => {
      const row = await acceptConsult(tx, c.id, first);
      taken();
      await gate;
      return row;
    });
    await firstUpdated;
    const b = t.server.db.transaction((tx) => acceptConsult(tx, c.id, second));
    const early = await Promise.race([b.then(() => 'finished'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    expect(early).toBe('waiting');
    release();
    expect((await a)?.accepted_by).toBe(first);
    expect(await b).toBeNull();
  });

  it('an accept racing the cancel: exactly one of them wins, and the stored state is the winner\'s', async () => {
    for (let i = 0; i < 5; i += 1) {
      const c = await startConsult(ward);
      const [accept, cancel] = await Promise.all([
        neurologists[i % neurologists.length]!.client.post(`/api/consults/${c.id}/accept`),
        ward.post(`/api/consults/${c.id}/cancel`),
      ]);
      expect([accept.status, cancel.status].sort()).toEqual([200, 409]);
      const { rows } = await t.server.db.query<{ status: string }>('SELECT status FROM consults WHERE id = $1', [c.id]);
      expect(rows[0]!.status).toBe(accept.status === 200 ? 'accepted' : 'cancelled');
      // The loser learns why: taken is a race lost by the cancel (CONSULT_STATE), cancelled one lost by the accept.
      expect((accept.status === 200 ? cancel : accept).body.error.code).toBe('CONSULT_STATE');
    }
  });

  it('the losers see the consult taken: every hub neurologist gets consult.updated with the winner', async () => {
    const sockets = await Promise.all(neurologists.map((n) => openEvents(t, n.client)));
    try {
      const c = await startConsult(ward);
      const results = await Promise.all(neurologists.map((n) => n.client.post<ConsultDto>(`/api/consults/${c.id}/accept`)));
      const winner = results.find((r) => r.status === 200)!.body.acceptedBy!.id;
      for (const s of sockets) {
        const e = await s.next((e) => e.type === 'consult.updated' && e.consult.id === c.id);
        expect(e).toMatchObject({ consult: { status: 'accepted', acceptedBy: { id: winner } } });
      }
    } finally {
      for (const s of sockets) s.close();
    }
  });
});
