import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import dcmjs from 'dcmjs';
import type { StudyEvent } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { insertSite } from '../sites/site.repository';
import { createMigratedTestDb, type TestDb } from '../testing';
import { Imaging } from './Imaging';
import type { IngestContext } from './ingest.service';
import { generateStudy } from './synthetic/synthetic';

let t: TestDb;
let imaging: Imaging;
let dataDir: string;
let macon: IngestContext;
let nevers: IngestContext;
const events: StudyEvent[] = [];

function smallStudy(slices = 4, extra: Record<string, unknown> = {}) {
  return [...generateStudy({ kind: 'ct', slices, rows: 32, columns: 32, ...extra })];
}

/** Re-encodes a file after changing its data set or meta with dcmjs. */
function rewrite(bytes: Buffer, mutate: (dict: Record<string, any>, meta: Record<string, any>) => void): Buffer {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
  const parsed = dcmjs.data.DicomMessage.readFile(ab);
  mutate(parsed.dict, parsed.meta);
  return Buffer.from(parsed.write());
}

async function rowCount(sql: string, params: unknown[] = []): Promise<number> {
  return (await t.db.query<{ n: number }>(sql, params)).rows[0]!.n;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(e.name);
  return out;
}

beforeAll(async () => {
  t = await createMigratedTestDb('postgres');
  const hub = await insertSite(t.db, { code: 'DIJON', name: 'CHU', kind: 'hub', hubId: null });
  const m = await insertSite(t.db, { code: 'MACON', name: 'CH Mâcon', kind: 'remote', hubId: hub });
  const n = await insertSite(t.db, { code: 'NEVERS', name: 'CH Nevers', kind: 'remote', hubId: hub });
  macon = { siteId: m, siteCode: 'MACON', via: 'stow' };
  nevers = { siteId: n, siteCode: 'NEVERS', via: 'cstore' };
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'telestroke-ingest-'));
  imaging = await Imaging.create(
    { DATA_DIR: dataDir, STUDY_QUIET_SECONDS: 0.3, DICOM_MAX_INSTANCE_MB: 1 },
    t.db,
    createLogger('silent'),
  );
  imaging.bus.subscribe(['study.arriving', 'study.updated', 'study.complete'], (e) => events.push(e));
});

afterAll(async () => {
  await imaging.close();
  await t.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('DicomIngest.ingest()', () => {
  it('with valid instances stores each file as received, files the tree and counts it', async () => {
    const study = smallStudy(4);
    const outcomes = [];
    for (const inst of study) outcomes.push(await imaging.ingest.ingest(inst.bytes, macon));
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored', 'stored', 'stored']);
    const { rows } = await t.db.query<{ file_path: string; num_instances: number; num_series: number; modalities: string[] }>(
      `SELECT i.file_path, st.num_instances, st.num_series, st.modalities FROM dicom_instances i
         JOIN dicom_series se ON se.id = i.series_ref JOIN dicom_studies st ON st.id = se.study_ref
        WHERE st.study_uid = $1 ORDER BY i.instance_number`,
      [study[0]!.studyInstanceUid],
    );
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({ num_instances: 4, num_series: 1, modalities: ['CT'] });
    for (const [i, r] of rows.entries()) {
      expect(await readFile(path.join(dataDir, 'dicom', r.file_path))).toEqual(study[i]!.bytes);
    }
  });

  it('with the same instance again answers duplicate and adds nothing', async () => {
    const [inst] = smallStudy(1);
    expect((await imaging.ingest.ingest(inst!.bytes, macon)).status).toBe('stored');
    const before = await rowCount('SELECT count(*)::int AS n FROM dicom_instances');
    const again = await imaging.ingest.ingest(inst!.bytes, macon);
    expect(again).toMatchObject({ status: 'duplicate', sopInstanceUid: inst!.sopInstanceUid });
    expect(await rowCount('SELECT count(*)::int AS n FROM dicom_instances')).toBe(before);
  });

  it('with the same SOP Instance UID and other content rejects with INSTANCE_CONFLICT and keeps the first', async () => {
    const [inst] = smallStudy(1);
    await imaging.ingest.ingest(inst!.bytes, macon);
    const changed = rewrite(inst!.bytes, (d) => (d['00081030'] = { vr: 'LO', Value: ['Autre description'] }));
    const r = await imaging.ingest.ingest(changed, macon);
    expect(r).toMatchObject({ status: 'rejected', reason: 'INSTANCE_CONFLICT' });
    const stored = await t.db.query<{ file_path: string }>('SELECT file_path FROM dicom_instances WHERE sop_instance_uid = $1', [
      inst!.sopInstanceUid,
    ]);
    expect(await readFile(path.join(dataDir, 'dicom', stored.rows[0]!.file_path))).toEqual(inst!.bytes);
  });

  it('with a study already received from another site rejects with STUDY_OF_ANOTHER_SITE', async () => {
    const [a, b] = smallStudy(2);
    expect((await imaging.ingest.ingest(a!.bytes, macon)).status).toBe('stored');
    expect(await imaging.ingest.ingest(b!.bytes, nevers)).toMatchObject({ status: 'rejected', reason: 'STUDY_OF_ANOTHER_SITE' });
    expect(await imaging.ingest.ingest(a!.bytes, nevers)).toMatchObject({ status: 'rejected', reason: 'STUDY_OF_ANOTHER_SITE' });
  });

  it('with an instance of another study than the expected one rejects with STUDY_UID_MISMATCH', async () => {
    const [inst] = smallStudy(1);
    const r = await imaging.ingest.ingest(inst!.bytes, { ...macon, expectedStudyUid: '1.2.3.4' });
    expect(r).toMatchObject({ status: 'rejected', reason: 'STUDY_UID_MISMATCH' });
  });

  describe('with bad input rejects with the reason and stores nothing', () => {
    const [base] = smallStudy(1);
    const bytes = base!.bytes;
    const pixelTag = Buffer.from([0xe0, 0x7f, 0x10, 0x00]);
    const pixelAt = bytes.lastIndexOf(pixelTag);
    const cases: [string, () => Buffer, string][] = [
      ['not DICOM', () => Buffer.from('hello, this is not an image'.repeat(10)), 'NOT_DICOM'],
      ['an empty file', () => Buffer.alloc(0), 'NOT_DICOM'],
      ['truncated inside the pixel data', () => bytes.subarray(0, bytes.length - 100), 'MALFORMED'],
      ['truncated inside the header', () => bytes.subarray(0, 400), 'MALFORMED'],
      ['an absurd pixel data length', () => {
        const b = Buffer.from(bytes);
        b.writeUInt32LE(0xfffffff0, pixelAt + 8);
        return b;
      }, 'MALFORMED'],
      ['no SOP Instance UID', () => rewrite(bytes, (d, m) => {
        delete d['00080018'];
        delete m['00020003'];
      }), 'MISSING_UID'],
      ['an invalid Study Instance UID', () => rewrite(bytes, (d) => (d['0020000D'] = { vr: 'UI', Value: ['1.2.03.abc'] })), 'INVALID_UID'],
      ['a path traversal in a UID', () => rewrite(bytes, (d) => (d['0020000E'] = { vr: 'UI', Value: ['../../etc'] })), 'INVALID_UID'],
      ['an unaccepted SOP class (RT Dose)', () => rewrite(bytes, (d, m) => {
        d['00080016'] = { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.481.2'] };
        m['00020002'] = { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.481.2'] };
      }), 'SOP_CLASS_NOT_SUPPORTED'],
      ['meta and data set UIDs that differ', () => rewrite(bytes, (_d, m) => (m['00020003'] = { vr: 'UI', Value: ['1.2.3.4.5'] })), 'SOP_MISMATCH'],
      ['an unaccepted transfer syntax (big endian)', () => rewrite(bytes, (_d, m) => (m['00020010'] = { vr: 'UI', Value: ['1.2.840.10008.1.2.2'] })), 'TRANSFER_SYNTAX_NOT_SUPPORTED'],
      ['over DICOM_MAX_INSTANCE_MB', () => Buffer.concat([bytes, Buffer.alloc(1024 * 1024)]), 'TOO_LARGE'],
    ];
    for (const [name, make, reason] of cases) {
      it(`${name}: ${reason}`, async () => {
        const instances = await rowCount('SELECT count(*)::int AS n FROM dicom_instances');
        const files = (await filesUnder(path.join(dataDir, 'dicom'))).length;
        const r = await imaging.ingest.ingest(make(), macon);
        expect(r).toMatchObject({ status: 'rejected', reason });
        expect(await rowCount('SELECT count(*)::int AS n FROM dicom_instances')).toBe(instances);
        expect((await filesUnder(path.join(dataDir, 'dicom'))).length).toBe(files);
      });
    }
  });

  it('with 24 instances of one study at once counts all of them exactly', async () => {
    const study = smallStudy(24);
    const outcomes = await Promise.all(study.map((i) => imaging.ingest.ingest(i.bytes, macon)));
    expect(outcomes.every((o) => o.status === 'stored')).toBe(true);
    const { rows } = await t.db.query<{ num_instances: number; num_series: number }>(
      'SELECT num_instances, num_series FROM dicom_studies WHERE study_uid = $1',
      [study[0]!.studyInstanceUid],
    );
    expect(rows[0]).toEqual({ num_instances: 24, num_series: 1 });
  });

  it('with two series of a new study at once counts both series and each series exactly', async () => {
    const first = smallStudy(10);
    const second = first.slice(5).map((i) =>
      rewrite(i.bytes, (d) => (d['0020000E'] = { vr: 'UI', Value: [`${i.seriesInstanceUid}.2`] })),
    );
    const outcomes = await Promise.all([...first.slice(0, 5).map((i) => i.bytes), ...second].map((b) => imaging.ingest.ingest(b, macon)));
    expect(outcomes.every((o) => o.status === 'stored')).toBe(true);
    const { rows } = await t.db.query<{ num_instances: number; num_series: number; per_series: number[] }>(
      `SELECT st.num_instances, st.num_series, array_agg(se.num_instances ORDER BY se.series_uid) AS per_series
         FROM dicom_studies st JOIN dicom_series se ON se.study_ref = st.id
        WHERE st.study_uid = $1 GROUP BY st.id`,
      [first[0]!.studyInstanceUid],
    );
    expect(rows[0]).toEqual({ num_instances: 10, num_series: 2, per_series: [5, 5] });
  });

  it('with a series UID already filed under another study rejects with INSTANCE_CONFLICT and writes nothing', async () => {
    const [a] = smallStudy(1);
    const [b] = smallStudy(1);
    expect((await imaging.ingest.ingest(a!.bytes, macon)).status).toBe('stored');
    const stolen = rewrite(b!.bytes, (d) => (d['0020000E'] = { vr: 'UI', Value: [a!.seriesInstanceUid] }));
    const files = (await filesUnder(path.join(dataDir, 'dicom'))).length;
    expect(await imaging.ingest.ingest(stolen, macon)).toMatchObject({ status: 'rejected', reason: 'INSTANCE_CONFLICT' });
    expect(await rowCount('SELECT count(*)::int AS n FROM dicom_studies WHERE study_uid = $1', [b!.studyInstanceUid])).toBe(0);
    expect(await rowCount('SELECT num_instances AS n FROM dicom_series WHERE series_uid = $1', [a!.seriesInstanceUid])).toBe(1);
    expect(await rowCount('SELECT count(*)::int AS n FROM dicom_instances WHERE sop_instance_uid = $1', [b!.sopInstanceUid])).toBe(0);
    expect((await filesUnder(path.join(dataDir, 'dicom'))).length).toBe(files);
  });

  it('with one instance sent twice at the same moment stores it once and answers duplicate to the other', async () => {
    const [inst] = smallStudy(1);
    const outcomes = await Promise.all([imaging.ingest.ingest(inst!.bytes, macon), imaging.ingest.ingest(inst!.bytes, macon)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['duplicate', 'stored']);
    expect(await rowCount('SELECT count(*)::int AS n FROM dicom_instances WHERE sop_instance_uid = $1', [inst!.sopInstanceUid])).toBe(1);
    const files = (await filesUnder(path.join(dataDir, 'dicom'))).filter((f) => f.startsWith(inst!.sopInstanceUid));
    expect(files).toHaveLength(1);
  });

  it('raises study.arriving for the first instance, then study.complete after the quiet period, without patient data', async () => {
    events.length = 0;
    const study = smallStudy(3, { patientName: 'DUPONT^JEAN', patientId: 'PID-424242' });
    await imaging.ingest.ingest(study[0]!.bytes, macon);
    expect(events.filter((e) => e.studyInstanceUid === study[0]!.studyInstanceUid).map((e) => e.type)).toEqual(['study.arriving']);
    await imaging.ingest.ingest(study[1]!.bytes, macon);
    await imaging.ingest.ingest(study[2]!.bytes, macon);
    await new Promise((r) => setTimeout(r, 800));
    const mine = events.filter((e) => e.studyInstanceUid === study[0]!.studyInstanceUid);
    expect(mine.at(-1)).toMatchObject({ type: 'study.complete', instanceCount: 3, siteCode: 'MACON', modalities: ['CT'] });
    expect(JSON.stringify(mine)).not.toMatch(/DUPONT|PID-424242/);
  });
});
