import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import type { Db, Queryable, QueryResult, Statement } from './Db';

/** The embedded database: one PostgreSQL in WebAssembly, kept in a directory. */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  #pg: PGlite;
  #lockFile: string | undefined;
  #closed = false;

  private constructor(pg: PGlite, lockFile: string | undefined) {
    this.#pg = pg;
    this.#lockFile = lockFile;
  }

  /** `dataDir` undefined keeps everything in memory (tests). */
  static async create(dataDir?: string): Promise<PgliteDb> {
    let lockFile: string | undefined;
    if (dataDir) {
      await mkdir(dataDir, { recursive: true });
      lockFile = path.join(dataDir, '.telestroke.pid');
      await takeLock(lockFile);
    }
    try {
      const pg = await PGlite.create(dataDir ?? 'memory://', { extensions: { btree_gist } });
      return new PgliteDb(pg, lockFile);
    } catch (err) {
      if (lockFile) await rm(lockFile, { force: true });
      throw err;
    }
  }

  async query<T>(sql: string | Statement, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    return toResult(await this.#pg.query<T>(textOf(sql), params as unknown[]));
  }

  async exec(sql: string): Promise<void> {
    await this.#pg.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#pg.transaction(async (tx) =>
      fn({
        query: async <R>(sql: string | Statement, params: readonly unknown[] = []) =>
          toResult(await tx.query<R>(textOf(sql), params as unknown[])),
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pg.close();
    if (this.#lockFile) await rm(this.#lockFile, { force: true });
  }
}

function textOf(sql: string | Statement): string {
  return typeof sql === 'string' ? sql : sql.text;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt it.
 * A pid file refuses that with a clear message and is taken over when its process is gone.
 */
async function takeLock(lockFile: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(lockFile, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && alive(pid)) {
        throw new Error(
          `the embedded database in ${path.dirname(lockFile)} is in use by process ${pid}: ` +
            'stop it first, or use a PostgreSQL server (DATABASE_URL)',
        );
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new Error(`could not lock ${lockFile}`);
}

function toResult<T>(r: { rows: T[]; affectedRows?: number }): QueryResult<T> {
  return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
}
