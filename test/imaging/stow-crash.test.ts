import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateStudy } from '@telestroke/server/dicom/synthetic';
import { createTestDb, type TestDb } from '@telestroke/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkStorage,
  createGatewayToken,
  multipartBody,
  multipartPieces,
  postStow,
  seededRandom,
  startServerProcess,
  stowContentType,
  stowResultItems,
  withFreshUids,
  type ServerProcess,
} from '../../server/src/dicom/stow/stow.testing';

/** Kill-and-restart cycles; each kills the server at a different moment of its work. */
const CYCLES = 3;
const SEED = Number(process.env.STOW_CRASH_SEED ?? 7);

/**
 * A server in its own process is killed with SIGKILL while it receives STOW-RS requests, then restarted on the same
 * DATA_DIR and database. Two senders run at the kill: one sends single-instance requests one after the other and
 * records every instance acknowledged (a 200 answer naming it), the other streams one long multi-instance request
 * that is cut by the kill. After each restart: every acknowledged instance has its row and its file with the recorded
 * hash, no row lacks its file, and no file of the study tree lacks its row. Interrupted writes may leave files only
 * in DATA_DIR/dicom/.tmp, which the storage empties at start.
 */
describe('STOW-RS with the server killed -9 mid-request', () => {
  let testDb: TestDb;
  let dataDir: string;
  let server: ServerProcess | undefined;
  const templates = [...generateStudy({ slices: 8 })];
  const fresh = () => {
    const t = templates[Math.floor(Math.random() * templates.length)]!;
    const { bytes, map } = withFreshUids(t.bytes, [t.sopInstanceUid]);
    return { bytes, sop: map.get(t.sopInstanceUid)! };
  };

  beforeAll(async () => {
    testDb = await createTestDb('postgres');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'telestroke-stow-crash-'));
  });

  afterAll(async () => {
    await server?.stop();
    await testDb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged instance and leaves no instance half-stored', { timeout: 300_000 }, async () => {
    const rnd = seededRandom(SEED);
    const acknowledged = new Set<string>();
    const dicomRoot = path.join(dataDir, 'dicom');
    let token: string | undefined;
    for (let cycle = 0; cycle <= CYCLES; cycle += 1) {
      server = await startServerProcess({ databaseUrl: testDb.url!, dataDir });
      token ??= await createGatewayToken(testDb.db, 'MACON');
      const headers = { 'content-type': stowContentType(), authorization: `Bearer ${token}` };

      const check = await checkStorage(testDb.db, dicomRoot);
      const context = `after restart ${cycle}: ${check.rows} rows, ${acknowledged.size} acknowledged`;
      expect(check.badRows, context).toEqual([]);
      expect(check.orphanFiles, context).toEqual([]);
      const { rows } = await testDb.db.query<{ sop: string }>(
        'SELECT sop_instance_uid AS sop FROM dicom_instances WHERE sop_instance_uid = ANY($1::text[])',
        [[...acknowledged]],
      );
      expect(rows.length, context).toBe(acknowledged.size);
      expect(await readdir(path.join(dicomRoot, '.tmp')), context).toEqual([]);
      if (cycle === CYCLES) break;

      let running = true;
      const url = `${server.url}/dicom-web/studies`;
      const singles = (async () => {
        while (running) {
          const { bytes, sop } = fresh();
          const res = await postStow(url, [multipartBody([bytes])], headers).catch(() => null);
          if (!res) return;
          if (res.status === 200 && stowResultItems(res.body).referenced.some((r) => r.sopInstanceUid === sop)) {
            acknowledged.add(sop);
          }
        }
      })();
      function* many(): Generator<Buffer> {
        for (let i = 0; i < 5000 && running; i += 1) yield fresh().bytes;
      }
      const bulk = postStow(url, multipartPieces(many()), headers).catch(() => null);
      const before = acknowledged.size;
      // Let both senders get going, then kill at a moment that differs from cycle to cycle.
      await new Promise((r) => setTimeout(r, 1000 + Math.floor(rnd() * 2000)));
      process.kill(server.pid, 'SIGKILL');
      await server.exited;
      running = false;
      await Promise.all([singles, bulk]);
      expect(acknowledged.size, `cycle ${cycle} acknowledged nothing before the kill`).toBeGreaterThan(before);
    }
    await server?.stop();
    server = undefined;
  });
});
