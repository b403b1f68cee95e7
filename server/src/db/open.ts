import path from 'node:path';
import type { Db } from './Db';
import { PgliteDb } from './PgliteDb';
import { PostgresDb } from './PostgresDb';

/** A PostgreSQL server when a URL is given, else the embedded PGlite under `dataDir/db`. */
export async function openDb(options: { databaseUrl?: string | undefined; dataDir: string }): Promise<Db> {
  if (options.databaseUrl) return PostgresDb.create(options.databaseUrl);
  return PgliteDb.create(path.join(options.dataDir, 'db'));
}
