import pg from 'pg';
import type { Db, Queryable, QueryResult, Statement } from './Db';

// int8 (counts, bigserial ids) as numbers, as PGlite returns them; our values stay far below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

function config(sql: string | Statement, params: readonly unknown[]): pg.QueryConfig {
  return typeof sql === 'string' ? { text: sql, values: params as unknown[] } : { ...sql, values: params as unknown[] };
}

/** A PostgreSQL server reached through a node-postgres pool. */
export class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  #pool: pg.Pool;
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  static async create(connectionString: string, options: { maxConnections?: number } = {}): Promise<PostgresDb> {
    const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10, types });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const client = await pool.connect();
    client.release();
    return new PostgresDb(pool);
  }

  async query<T>(sql: string | Statement, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const r = await this.#pool.query(config(sql, params));
    return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await this.#pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async <R>(sql: string | Statement, params: readonly unknown[] = []) => {
          const r = await client.query(config(sql, params));
          return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
        },
        exec: async (sql: string) => {
          await client.query(sql);
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
