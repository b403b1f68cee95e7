import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../audit/audit.service';
import { createMigratedTestDb, type TestDb } from '../../testing';
import { AuditQueue } from './dicomweb.audit';

describe('AuditQueue on PostgreSQL', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createMigratedTestDb('postgres');
  });
  afterAll(() => t.drop());

  it('append() from 200 concurrent callers commits every entry in fewer transactions and keeps one valid chain', async () => {
    const queue = new AuditQueue(t.db);
    let transactions = 0;
    const transaction = t.db.transaction.bind(t.db);
    const counted = Object.assign(Object.create(t.db), {
      transaction: (fn: Parameters<typeof transaction>[0]) => {
        transactions++;
        return transaction(fn);
      },
    });
    const counting = new AuditQueue(counted);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 ? queue : counting).append({ actorType: 'user', actorId: 'u', action: 'dicom.retrieve', details: { i } }),
      ),
    );
    const { rows } = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'dicom.retrieve'");
    expect(rows[0]!.n).toBe(200);
    expect(transactions).toBeLessThan(100);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, entries: 200 });
  });

  it('append() of an entry the database refuses rejects its batch, and the next append() still commits', async () => {
    const queue = new AuditQueue(t.db);
    await expect(queue.append({ actorType: 'user', actorId: 'u', action: 'dicom.retrieve', siteId: 'not-a-uuid' })).rejects.toThrow();
    await queue.append({ actorType: 'user', actorId: 'u', action: 'dicom.query' });
    const { rows } = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'dicom.query'");
    expect(rows[0]!.n).toBe(1);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
