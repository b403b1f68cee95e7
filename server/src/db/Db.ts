/** The result of one statement, the same shape on PGlite and on a PostgreSQL server. */
export interface QueryResult<T> {
  rows: T[];
  /** Rows inserted, updated or deleted; for SELECT, the rows returned. */
  rowCount: number;
}

/**
 * A statement run often enough to be prepared once per connection under `name` (unique per text), instead of being
 * parsed and planned at every call. PGlite, in process, takes the text alone.
 */
export interface Statement {
  name: string;
  text: string;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string | Statement, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * The database as the rest of the server sees it. Two implementations: PGlite (embedded default) and
 * node-postgres (a real server, used in tests and production). Code above this never knows which.
 */
export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** SQLSTATE codes the services act on. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_EXCLUSION_VIOLATION = '23P01';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
