import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { StoreOutcome } from '@telestroke/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../logger';
import type { IngestContext } from '../ingest.service';
import { storeInstancesResponse, StowService, stowStatus, type StowIngest, type StowSummary } from './stow.service';
import { multipartBody, multipartPieces, postStow, seededRandom, STOW_BOUNDARY, stowContentType } from './stow.testing';

const log = createLogger('silent');
const ctx: IngestContext = { siteId: 'site', siteCode: 'SITE', via: 'stow' };

/**
 * A stand-in for the ingest path: the service's own behaviour (order, concurrency, backpressure) is what is tested
 * here, the real ingest is exercised by stow.routes.test.ts. Each "instance" is the text `<uid>` and is stored after
 * a delay drawn from a seeded PRNG, so that instances finish out of order.
 */
function fakeIngest(options: { maxDelayMs?: number; seed?: number } = {}) {
  const rnd = seededRandom(options.seed ?? 1);
  const state = { active: 0, maxActive: 0, calls: 0 };
  const ingest: StowIngest = {
    maxInstanceBytes: 1024 * 1024,
    async ingest(bytes: Buffer): Promise<StoreOutcome> {
      state.calls += 1;
      state.active += 1;
      state.maxActive = Math.max(state.maxActive, state.active);
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * (options.maxDelayMs ?? 5))));
      state.active -= 1;
      const uid = bytes.toString('latin1', 0, Math.min(bytes.length, 64));
      return { status: 'stored', sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: uid, studyInstanceUid: '1.2.3' };
    },
  };
  return { ingest, state };
}

const part = (i: number, size = 0) => Buffer.concat([Buffer.from(`1.2.3.${i}`), Buffer.alloc(Math.max(0, size - 8), 0x20)]);

let servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  servers = [];
});

/** A real HTTP server whose handler runs the service and keeps the summary for the test to inspect. */
async function serve(service: StowService): Promise<{ url: string; summaries: StowSummary[] }> {
  const summaries: StowSummary[] = [];
  const server = http.createServer(async (req, res) => {
    const summary = await service.store(req, STOW_BOUNDARY, ctx, log);
    summaries.push(summary);
    if (!res.destroyed) res.end(JSON.stringify(summary.outcomes.length));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, summaries };
}

describe('StowService.store()', () => {
  it('with instances finishing out of order returns their outcomes in request order', async () => {
    const { ingest } = fakeIngest({ maxDelayMs: 20 });
    const service = new StowService({ db: null as never, ingest });
    const files = Array.from({ length: 40 }, (_, i) => part(i));
    const summary = await service.store(Readable.from([multipartBody(files)]), STOW_BOUNDARY, ctx, log);
    expect(summary.outcomes.map((o) => (o.status === 'stored' ? o.sopInstanceUid : o.status))).toEqual(
      files.map((_, i) => `1.2.3.${i}`),
    );
    expect(summary.malformed).toBeUndefined();
    expect(summary.aborted).toBe(false);
  });

  it('never stores more than maxInFlight instances at once, and stores that many while reading on', async () => {
    const { ingest, state } = fakeIngest({ maxDelayMs: 10 });
    const service = new StowService({ db: null as never, ingest, maxInFlight: 3 });
    await service.store(Readable.from([multipartBody(Array.from({ length: 30 }, (_, i) => part(i)))]), STOW_BOUNDARY, ctx, log);
    expect(state.calls).toBe(30);
    expect(state.maxActive).toBe(3);
  });

  it('with maxInFlightBytes smaller than two parts stores one at a time', async () => {
    const { ingest, state } = fakeIngest();
    const service = new StowService({ db: null as never, ingest, maxInFlightBytes: 1000 });
    await service.store(Readable.from([multipartBody(Array.from({ length: 10 }, (_, i) => part(i, 800)))]), STOW_BOUNDARY, ctx, log);
    expect(state.maxActive).toBe(1);
  });

  it('over HTTP reads the request only as fast as instances are stored (backpressure)', async () => {
    const { ingest, state } = fakeIngest({ maxDelayMs: 30 });
    const service = new StowService({ db: null as never, ingest, maxInFlight: 2 });
    const { url } = await serve(service);
    const size = 256 * 1024;
    const total = 200;
    let produced = 0;
    let maxAhead = 0;
    function* body(): Generator<Buffer> {
      for (const piece of multipartPieces(
        (function* () {
          for (let i = 0; i < total; i += 1) {
            produced += 1;
            // How far the sender got ahead of the instances stored: bounded by socket buffers, not by the request.
            maxAhead = Math.max(maxAhead, produced - state.calls);
            yield part(i, size);
          }
        })(),
      )) {
        yield piece;
      }
    }
    const res = await postStow(url, body(), { 'content-type': stowContentType() });
    expect(res.status).toBe(200);
    expect(res.body).toBe(total);
    // 200 parts of 256 KiB = 50 MiB; kernel and stream buffers on loopback hold a few MiB at most.
    expect(maxAhead * size).toBeLessThan(16 * 1024 * 1024);
  });

  it('abandons a request whose sender stalls for idleTimeoutMs, keeping the parts already stored', async () => {
    const { ingest } = fakeIngest();
    const service = new StowService({ db: null as never, ingest, idleTimeoutMs: 300 });
    const { url, summaries } = await serve(service);
    const first = multipartBody([part(1)]);
    // The close delimiter is left out: the body goes on into a second part, then nothing more comes.
    const stalled = Buffer.concat([first.subarray(0, first.length - `--${STOW_BOUNDARY}--\r\n`.length), Buffer.from(`--${STOW_BOUNDARY}\r\n\r\nhalf`)]);
    const req = http.request(url, { method: 'POST', headers: { 'content-type': stowContentType() } });
    req.on('error', () => undefined);
    req.write(stalled);
    const started = Date.now();
    while (summaries.length === 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
    req.destroy();
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.aborted).toBe(true);
    expect(summaries[0]!.outcomes.map((o) => o.status)).toEqual(['stored']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});

describe('storeInstancesResponse()', () => {
  const stored = (sop: string, study = '1.2.3'): StoreOutcome => ({
    status: 'stored',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUid: sop,
    studyInstanceUid: study,
  });

  it('writes the PS3.18 Annex I attributes with their VRs, and the study RetrieveURL for a single study', () => {
    const body = storeInstancesResponse(
      [stored('1.2.3.1'), { ...stored('1.2.3.2'), status: 'duplicate' } as StoreOutcome, { status: 'rejected', reason: 'SOP_CLASS_NOT_SUPPORTED', sopClassUid: '1.2.9', sopInstanceUid: '1.2.3.3' }],
      { baseUrl: 'https://h/dicom-web', seriesOf: new Map([['1.2.3.1', '1.2.3.9'], ['1.2.3.2', '1.2.3.9']]) },
    );
    expect(body).toEqual({
      '00081190': { vr: 'UR', Value: ['https://h/dicom-web/studies/1.2.3'] },
      '00081198': {
        vr: 'SQ',
        Value: [{ '00081150': { vr: 'UI', Value: ['1.2.9'] }, '00081155': { vr: 'UI', Value: ['1.2.3.3'] }, '00081197': { vr: 'US', Value: [0x0122] } }],
      },
      '00081199': {
        vr: 'SQ',
        Value: ['1.2.3.1', '1.2.3.2'].map((sop) => ({
          '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
          '00081155': { vr: 'UI', Value: [sop] },
          '00081190': { vr: 'UR', Value: [`https://h/dicom-web/studies/1.2.3/series/1.2.3.9/instances/${sop}`] },
        })),
      },
    });
  });

  it('leaves the study RetrieveURL empty (type 2) when instances of several studies were stored', () => {
    const body = storeInstancesResponse([stored('1.2.3.1', '1.2.3'), stored('1.2.4.1', '1.2.4')], { baseUrl: 'x', seriesOf: new Map() });
    expect(body['00081190']).toEqual({ vr: 'UR' });
  });

  it('omits the FailureReason item UIDs it does not know', () => {
    const body = storeInstancesResponse([{ status: 'rejected', reason: 'NOT_DICOM' }], { baseUrl: 'x', seriesOf: new Map() });
    expect(body['00081198']!.Value).toEqual([{ '00081197': { vr: 'US', Value: [0xc000] } }]);
    expect(body['00081199']).toBeUndefined();
  });
});

describe('stowStatus()', () => {
  it('answers 200 when all are stored or duplicates, 202 when some failed, 409 when none was stored', () => {
    expect(stowStatus({ stored: 2, duplicate: 1, failed: 0 })).toBe(200);
    expect(stowStatus({ stored: 0, duplicate: 3, failed: 0 })).toBe(200);
    expect(stowStatus({ stored: 1, duplicate: 0, failed: 1 })).toBe(202);
    expect(stowStatus({ stored: 0, duplicate: 1, failed: 1 })).toBe(202);
    expect(stowStatus({ stored: 0, duplicate: 0, failed: 2 })).toBe(409);
  });
});
