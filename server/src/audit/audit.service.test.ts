import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/main';
import { createMigratedTestDb, type TestDb } from '../testing';
import { recordAudit, verifyAuditChain } from './audit.service';

describe('audit chain on PostgreSQL', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createMigratedTestDb('postgres');
  });
  afterAll(() => t.drop());

  it('recordAudit() from 30 concurrent callers keeps one unbroken chain', async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        recordAudit(t.db, { actorType: 'system', actorId: 'test', action: 'test.event', details: { i, nested: { b: 1, a: 2 } } }),
      ),
    );
    const v = await verifyAuditChain(t.db);
    expect(v).toEqual({ ok: true, entries: 30, firstBadSeq: null, reason: null });
  });

  it('UPDATE and DELETE on audit_log are refused by the database', async () => {
    await expect(t.db.query("UPDATE audit_log SET action = 'x' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(t.db.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
  });

  it('verifyAuditChain() after a row is edited behind the trigger reports that row', async () => {
    await t.db.transaction(async (tx) => {
      // What an attacker with superuser access could do: bypass the trigger.
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query("UPDATE audit_log SET actor_id = 'someone-else' WHERE seq = 12");
    });
    const v = await verifyAuditChain(t.db, 7);
    expect(v.ok).toBe(false);
    expect(v.firstBadSeq).toBe(12);
    expect(v.entries).toBe(11);
  });

  it('npm run cli -- audit:verify on an edited chain exits 1', async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = t.url;
    try {
      expect(await runCli(['audit:verify'])).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });
});

describe('audit chain on PGlite', () => {
  it('verifyAuditChain() after a middle row is deleted reports the missing entry', async () => {
    const t = await createMigratedTestDb('pglite');
    try {
      for (let i = 0; i < 5; i++) await recordAudit(t.db, { actorType: 'system', actorId: 'x', action: 'a' });
      expect((await verifyAuditChain(t.db)).ok).toBe(true);
      await t.db.transaction(async (tx) => {
        await tx.query('SET LOCAL session_replication_role = replica');
        await tx.query('DELETE FROM audit_log WHERE seq = 3');
      });
      const v = await verifyAuditChain(t.db);
      expect(v).toMatchObject({ ok: false, firstBadSeq: 3, entries: 2 });
    } finally {
      await t.drop();
    }
  });
});
