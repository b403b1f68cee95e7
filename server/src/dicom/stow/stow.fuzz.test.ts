import { readFileSync } from 'node:fs';
import path from 'node:path';
import { STORE_FAILURES } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing';
import { datasetOffsetOf, parsePart10 } from '../part10';
import { generateStudy } from '../synthetic/synthetic';
import {
  checkStorage,
  createGatewayToken,
  multipartBody,
  postStow,
  processMemory,
  resetPeakMemory,
  seededRandom,
  stowContentType,
  stowResultItems,
  withFreshUids,
} from './stow.testing';

/** Replay a failure with STOW_FUZZ_SEED=<seed printed in the test name>. */
const SEED = Number(process.env.STOW_FUZZ_SEED ?? 3);
const MUTANTS = 300;
const PER_REQUEST = 10;
/**
 * How much the process may grow while it reads mutants of at most a few hundred KB: a corrupt length must never make
 * the server allocate anything near what it claims.
 */
const GROWTH_LIMIT = 200 * 1024 * 1024;

const CORPUS_DIR = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
/** Valid files in several accepted transfer syntaxes, including the deflated one. */
const CORPUS = [
  'CT_small.dcm',
  'MR_small_implicit.dcm',
  'MR_small_RLE.dcm',
  'MR_small_jpeg_ls_lossless.dcm',
  'MR_small_jp2klossless.dcm',
  'JPEG2000.dcm',
  'SC_rgb_jpeg_gdcm.dcm',
  'SC_rgb_small_odd.dcm',
  'image_dfl.dcm',
];

const VRS = new Set(
  'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

interface Source {
  name: string;
  bytes: Buffer;
  uids: string[];
}

/**
 * One mutant: up to three of bit flips (mostly in the header, where they matter), a truncation, a corrupted length
 * field (found by its VR letters), or an inserted or deleted run of bytes that shifts everything after it.
 */
function mutate(src: Source, rnd: () => number): { bytes: Buffer; how: string[] } {
  let bytes = src.name === 'image_dfl.dcm' ? Buffer.from(src.bytes) : withFreshUids(src.bytes, src.uids).bytes;
  const how: string[] = [];
  const int = (n: number) => Math.floor(rnd() * n);
  const headerEnd = Math.min(bytes.length, 4096);
  for (let k = 0, n = 1 + int(3); k < n && bytes.length > 0; k += 1) {
    const kind = rnd();
    if (kind < 0.35) {
      const at = rnd() < 0.7 ? int(headerEnd) : int(bytes.length);
      bytes[at]! ^= 1 << int(8);
      how.push(`flip@${at}`);
    } else if (kind < 0.55) {
      const len = rnd() < 0.5 ? int(headerEnd) : int(bytes.length);
      bytes = bytes.subarray(0, len);
      how.push(`truncate@${len}`);
    } else if (kind < 0.85) {
      const starts: number[] = [];
      for (let i = 132; i + 8 < headerEnd; i += 1) {
        if (VRS.has(bytes.toString('latin1', i + 4, i + 6)) && bytes[i + 1]! <= 0x7f) starts.push(i);
      }
      if (starts.length === 0) continue;
      const at = starts[int(starts.length)]!;
      const vr = bytes.toString('latin1', at + 4, at + 6);
      const values = [0, 1, 3, 0xff, 0xffff, 0xfffe, 0xffffffff, 0x7fffffff, 0x10000, bytes.length, int(1 << 20)];
      const v = values[int(values.length)]!;
      if (LONG_VRS.has(vr)) bytes.writeUInt32LE(v >>> 0, at + 8);
      else bytes.writeUInt16LE(v & 0xffff, at + 6);
      how.push(`length(${vr})@${at}=${v}`);
    } else {
      const at = int(headerEnd);
      const n = 1 + int(7);
      bytes =
        rnd() < 0.5
          ? Buffer.concat([bytes.subarray(0, at), Buffer.alloc(n, int(256)), bytes.subarray(at)])
          : Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + n)]);
      how.push(`shift@${at}`);
    }
  }
  return { bytes, how };
}

describe(`STOW-RS fuzz (seed ${SEED}, ${MUTANTS} mutants)`, () => {
  let t: TestServer;
  let token: string;
  const sources: Source[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    token = await createGatewayToken(t.server.db, 'MACON');
    for (const i of generateStudy({ slices: 3, rows: 96, columns: 96 })) {
      sources.push({ name: `synthetic-${i.instanceNumber}`, bytes: i.bytes, uids: [i.sopInstanceUid, i.seriesInstanceUid, i.studyInstanceUid] });
    }
    for (const name of CORPUS) {
      const bytes = readFileSync(path.join(CORPUS_DIR, name));
      const p = parsePart10(bytes, true);
      sources.push({ name, bytes, uids: [p.sopInstanceUid, p.seriesInstanceUid, p.studyInstanceUid] });
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  it('POST mutated real files never answers 5xx, stays in bounded memory, stores only readable instances, and keeps serving', { timeout: 300_000 }, async () => {
    const rnd = seededRandom(SEED);
    // The server runs in this process: its peak RSS (VmHWM, reset here) covers every allocation the mutants cause.
    const peakReset = await resetPeakMemory(process.pid);
    const baseline = (await processMemory(process.pid))!.rss;
    const reported = { stored: 0, failed: 0 };
    const reasons = new Map<number, number>();
    const referenced = new Set<string>();
    for (let sent = 0; sent < MUTANTS; sent += PER_REQUEST) {
      const batch = Array.from({ length: Math.min(PER_REQUEST, MUTANTS - sent) }, () =>
        mutate(sources[Math.floor(rnd() * sources.length)]!, rnd),
      );
      const res = await postStow(`${t.url}/dicom-web/studies`, [multipartBody(batch.map((b) => b.bytes))], {
        'content-type': stowContentType(),
        authorization: `Bearer ${token}`,
      });
      const context = `request ${sent / PER_REQUEST}: ${batch.map((b) => b.how.join('+')).join(' | ')}`;
      expect([200, 202, 409], context).toContain(res.status);
      const items = stowResultItems(res.body);
      expect(items.referenced.length + items.failed.length, context).toBe(batch.length);
      for (const r of items.referenced) referenced.add(r.sopInstanceUid!);
      for (const f of items.failed) reasons.set(f.reason!, (reasons.get(f.reason!) ?? 0) + 1);
      reported.stored += items.referenced.length;
      reported.failed += items.failed.length;
    }
    const peak = (await processMemory(process.pid))!.hwm;
    console.info(
      `fuzz seed ${SEED}: ${reported.stored} stored, ${reported.failed} failed; reasons ` +
        [...reasons].map(([r, n]) => `0x${r.toString(16)}×${n}`).join(', ') +
        `; RSS ${(baseline / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)} MiB`,
    );
    if (peakReset) expect(peak - baseline).toBeLessThan(GROWTH_LIMIT);
    // A mutant is the client's fault: the server must not blame itself (0xA700 is "out of resources").
    expect(reasons.get(STORE_FAILURES.OUT_OF_RESOURCES.dimse) ?? 0).toBe(0);

    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);

    const check = await checkStorage(t.server.db, t.server.imaging.storage.root);
    expect(check.badRows).toEqual([]);
    expect(check.orphanFiles).toEqual([]);
    const { rows } = await t.server.db.query<{ sop: string }>(
      'SELECT sop_instance_uid AS sop FROM dicom_instances WHERE sop_instance_uid = ANY($1::text[])',
      [[...referenced]],
    );
    expect(rows.length).toBe(referenced.size);
    // Each stored instance reads back as a Part 10 file that parses.
    for (const sop of [...referenced].slice(0, 50)) {
      const { rows: r } = await t.server.db.query<{ file_path: string }>('SELECT file_path FROM dicom_instances WHERE sop_instance_uid = $1', [sop]);
      const file = await t.server.imaging.storage.read(r[0]!.file_path);
      expect(datasetOffsetOf(file)).toBeGreaterThan(132);
      expect(parsePart10(file, true).sopInstanceUid).toBe(sop);
    }
  });
});
