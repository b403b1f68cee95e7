import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../testing';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from './Db';
import { loadMigrations, migrate } from './migrate';

// The same behaviour is required of both backends: the embedded default and a real PostgreSQL server.
describe.each(['pglite', 'postgres'] as const)('db module on %s', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(kind);
    await t.db.exec('CREATE TABLE items (id int8 PRIMARY KEY, name text NOT NULL UNIQUE, at timestamptz, doc jsonb)');
  });
  afterAll(() => t.drop());

  it('db.query() with parameters returns typed rows and the row count', async () => {
    const ins = await t.db.query('INSERT INTO items VALUES ($1, $2, $3, $4), (2, $5, now(), NULL)', [
      1,
      'a',
      new Date('2026-03-29T01:30:00Z').toISOString(),
      JSON.stringify({ k: [1, 2] }),
      'b',
    ]);
    expect(ins.rowCount).toBe(2);
    const { rows } = await t.db.query<{ id: number; name: string; at: Date; doc: unknown }>(
      'SELECT id, name, at, doc FROM items WHERE id = $1',
      [1],
    );
    expect(rows).toEqual([{ id: 1, name: 'a', at: new Date('2026-03-29T01:30:00Z'), doc: { k: [1, 2] } }]);
    expect(typeof rows[0]!.id).toBe('number');
  });

  it('db.transaction() that throws rolls back every statement in it', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query("INSERT INTO items (id, name) VALUES (10, 'x')");
        await tx.query("INSERT INTO items (id, name) VALUES (11, 'y')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await t.db.query('SELECT id FROM items WHERE id IN (10, 11)');
    expect(rows).toEqual([]);
  });

  it('db.transaction() commits and returns the callback value', async () => {
    const v = await t.db.transaction(async (tx) => {
      await tx.query("INSERT INTO items (id, name) VALUES (20, 'c')");
      return 42;
    });
    expect(v).toBe(42);
    expect((await t.db.query('SELECT id FROM items WHERE id = 20')).rows).toHaveLength(1);
  });

  it('db.query() on a duplicate key rejects with SQLSTATE 23505', async () => {
    const err = await t.db.query("INSERT INTO items (id, name) VALUES (30, 'a')").catch((e: unknown) => e);
    expect(pgErrorCode(err)).toBe(PG_UNIQUE_VIOLATION);
  });

  it('migrate() applies every migration once and is idempotent', async () => {
    const fresh = await createTestDb(kind);
    try {
      const all = await loadMigrations();
      expect(await migrate(fresh.db)).toEqual(all.map((m) => m.version));
      expect(await migrate(fresh.db)).toEqual([]);
      const { rows } = await fresh.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'btree_gist'");
      expect(rows[0]!.n).toBe(1);
    } finally {
      await fresh.drop();
    }
  });

  it('migrate() with an applied migration whose SQL changed rejects', async () => {
    const fresh = await createTestDb(kind);
    try {
      const all = await loadMigrations();
      await migrate(fresh.db, all);
      const edited = all.map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
      await expect(migrate(fresh.db, edited)).rejects.toThrow(/changed after it was applied/);
    } finally {
      await fresh.drop();
    }
  });
});
