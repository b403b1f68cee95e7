import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateStudy } from '@telestroke/server/dicom/synthetic';
import { createTestDb, type TestDb } from '@telestroke/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGatewayToken,
  multipartPieces,
  postStow,
  processMemory,
  resetPeakMemory,
  startServerProcess,
  stowContentType,
  stowResultItems,
  withFreshUids,
  type ServerProcess,
} from '../../server/src/dicom/stow/stow.testing';

/**
 * A 2 GB STOW-RS request of 512 KB instances into a server in its own process, whose resident memory is sampled from
 * /proc while the request streams: the bound is RSS < 300 MB. The body is generated as it is sent, from eight
 * synthetic CT slices given fresh SOP Instance UIDs (same length, so only the UID bytes change), so the test holds no
 * more than the sender's socket buffer either. 2 GB is the figure and is what makes the bound meaningful: a
 * server that buffered the request, or leaked a part per instance, would pass 300 MB within the first 15% of it.
 */
const TOTAL_BYTES = 2 * 1024 ** 3;
const RSS_LIMIT = 300 * 1024 ** 2;

describe('STOW-RS of a 2 GB request into a server process', () => {
  let testDb: TestDb;
  let dataDir: string;
  let server: ServerProcess;
  let token: string;

  beforeAll(async () => {
    testDb = await createTestDb('postgres');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'telestroke-stow-memory-'));
    server = await startServerProcess({ databaseUrl: testDb.url!, dataDir });
    token = await createGatewayToken(testDb.db, 'MACON');
  });

  afterAll(async () => {
    await server?.stop();
    await testDb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('POST /dicom-web/studies stores every instance while the server stays under 300 MB RSS', { timeout: 600_000 }, async () => {
    const templates = [...generateStudy({ slices: 8 })];
    const count = Math.floor(TOTAL_BYTES / templates[0]!.bytes.length);
    const sent: string[] = [];
    function* instances(): Generator<Buffer> {
      for (let i = 0; i < count; i += 1) {
        const t = templates[i % templates.length]!;
        const { bytes, map } = withFreshUids(t.bytes, [t.sopInstanceUid]);
        sent.push(map.get(t.sopInstanceUid)!);
        yield bytes;
      }
    }

    // The start-up (tsx compiling the server) peaks higher than idle: measure the peak of the request alone.
    const peakReset = await resetPeakMemory(server.pid);
    const before = await processMemory(server.pid);
    let peakRss = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      void processMemory(server.pid).then((m) => {
        if (!m) return;
        samples += 1;
        peakRss = Math.max(peakRss, m.rss);
      });
    }, 100);
    const started = performance.now();
    const res = await postStow(`${server.url}/dicom-web/studies`, multipartPieces(instances()), {
      'content-type': stowContentType(),
      authorization: `Bearer ${token}`,
    }).finally(() => clearInterval(sampler));
    const seconds = (performance.now() - started) / 1000;
    const after = await processMemory(server.pid);

    const bytes = count * templates[0]!.bytes.length;
    console.info(
      `STOW ${count} instances, ${(bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s: ` +
        `${(count / seconds).toFixed(0)} instances/s, ${(bytes / 1e6 / seconds).toFixed(0)} MB/s; ` +
        `RSS before ${(before!.rss / 2 ** 20).toFixed(0)} MiB, peak sampled ${(peakRss / 2 ** 20).toFixed(0)} MiB ` +
        `(${samples} samples), VmHWM ${(after!.hwm / 2 ** 20).toFixed(0)} MiB${peakReset ? ' since the request began' : ' since start-up'}`,
    );
    expect(res.status).toBe(200);
    const items = stowResultItems(res.body);
    expect(items.failed).toEqual([]);
    expect(items.referenced.map((r) => r.sopInstanceUid)).toEqual(sent);
    const { rows } = await testDb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dicom_instances');
    expect(rows[0]!.n).toBe(count);
    expect(samples).toBeGreaterThan(10);
    expect(peakRss).toBeLessThan(RSS_LIMIT);
    // The kernel's own peak, which no sampling interval can miss.
    if (peakReset) expect(after!.hwm).toBeLessThan(RSS_LIMIT);
  });
});
