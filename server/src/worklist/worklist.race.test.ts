import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type ApiClient, type TestServer } from '../testing';
import { addUser, createGatewayToken, login, requestOfStudy, stowStudy } from './worklist.testing';

/**
 * Exactly one claim of a race wins, decided by PostgreSQL (the conditional UPDATE and the row's constraints), not by
 * the process: 50 claims sent at once by 10 readers, in 3 rounds.
 */
let t: TestServer;
let token: string;
const readers: { id: string; client: ApiClient }[] = [];

beforeAll(async () => {
  t = await startTestServer({ STUDY_QUIET_SECONDS: '0.3' });
  token = await createGatewayToken(t.server.db, 'MACON');
  for (let i = 0; i < 10; i++) {
    const email = `lecteur.${i}@test.invalid`;
    const id = await addUser(t, { email, name: `Dr Lecteur ${i}`, role: i % 2 ? 'radiologist' : 'neurologist', sites: ['DIJON'] });
    readers.push({ id, client: await login(t, email) });
  }
});
afterAll(() => t?.close());

describe('concurrent claims', () => {
  for (const round of [1, 2, 3]) {
    it(`50 parallel claim() calls answer exactly one 200, and 49 409 ALREADY_CLAIMED (round ${round})`, async () => {
      const { id } = await requestOfStudy(t.server.db, await stowStudy(t, { token }));
      const calls = Array.from({ length: 50 }, (_, i) => readers[i % readers.length]!);
      const answers = await Promise.all(calls.map((r) => r.client.post(`/api/worklist/${id}/claim`)));
      const wins = answers.flatMap((a, i) => (a.status === 200 ? [calls[i]!] : []));
      expect(wins).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409 && a.body.error.code === 'ALREADY_CLAIMED')).toHaveLength(49);
      const { rows } = await t.server.db.query<{ claimed_by: string; status: string }>(
        'SELECT claimed_by, status FROM read_requests WHERE id = $1',
        [id],
      );
      expect(rows[0]).toEqual({ claimed_by: wins[0]!.id, status: 'claimed' });
      // One claim audited, by the winner.
      const audit = await t.server.db.query<{ actor_id: string }>(
        `SELECT actor_id FROM audit_log WHERE resource_id = $1 AND action = 'worklist.claim'`,
        [id],
      );
      expect(audit.rows).toEqual([{ actor_id: wins[0]!.id }]);
    });
  }

  it('the database refuses a claimed request without a reader, whatever the code does', async () => {
    const { id } = await requestOfStudy(t.server.db, await stowStudy(t, { token }));
    await expect(t.server.db.query(`UPDATE read_requests SET status = 'claimed' WHERE id = $1`, [id])).rejects.toMatchObject({ code: '23514' });
    await expect(
      t.server.db.query(`UPDATE read_requests SET claimed_by = $2, claimed_at = now() WHERE id = $1`, [id, readers[0]!.id]),
    ).rejects.toMatchObject({ code: '23514' });
  });
});
