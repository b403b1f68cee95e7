import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import dcmjs, { type DicomJsonDataset } from 'dcmjs';
import { STORE_FAILURES, type StoreFailure } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSiteByCode } from '../../sites/site.repository';
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
  STOW_BOUNDARY,
  stowContentType,
  stowResultItems,
  withFreshUids,
} from './stow.testing';

const PATIENT_NAME = 'STOWTEST^AUDIT^CHECK';
const PATIENT_ID = 'STOWTEST-PID-4711';

/** Small synthetic CT slices of a new study each time: fast to make, real DICOM all the same. */
function studyOf(slices: number, rows = 64): Buffer[] {
  return [...generateStudy({ slices, rows, columns: rows, patientName: PATIENT_NAME, patientId: PATIENT_ID })].map(
    (i) => i.bytes,
  );
}

/** Re-encodes a file after changing its file meta information and data set. */
function rewrite(file: Buffer, change: (meta: DicomJsonDataset, dict: DicomJsonDataset) => void): Buffer {
  const ab = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  const dicom = dcmjs.data.DicomMessage.readFile(ab);
  change(dicom.meta, dicom.dict);
  return Buffer.from(dicom.write());
}

function uidsOf(file: Buffer) {
  const p = parsePart10(file, true);
  return { sop: p.sopInstanceUid, study: p.studyInstanceUid, series: p.seriesInstanceUid, sopClass: p.sopClassUid };
}

/** Offset of an element's value length in an explicit VR little endian data set, found by its tag and VR bytes. */
function lengthFieldOf(file: Buffer, group: number, element: number, vr: string): { at: number; long: boolean } {
  const tag = Buffer.alloc(6);
  tag.writeUInt16LE(group, 0);
  tag.writeUInt16LE(element, 2);
  tag.write(vr, 4, 'latin1');
  const at = file.indexOf(tag, datasetOffsetOf(file));
  if (at < 0) throw new Error(`no element (${group.toString(16)},${element.toString(16)}) ${vr}`);
  const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr);
  return { at: long ? at + 8 : at + 6, long };
}

function reason(r: StoreFailure): number {
  return STORE_FAILURES[r].dimse;
}

describe('STOW-RS', () => {
  let t: TestServer;
  let token: string;
  let neversToken: string;
  let root: string;
  const sites = new Map<string, string>();
  const url = (p = '') => `${t.url}/dicom-web/studies${p}`;
  const asGateway = (extra: Record<string, string> = {}) => ({
    'content-type': stowContentType(),
    authorization: `Bearer ${token}`,
    ...extra,
  });
  const stow = (files: Buffer[], p = '', headers = asGateway()) => postStow(url(p), [multipartBody(files)], headers);

  async function rowsOf(sops: string[]): Promise<{ sop: string; site: string }[]> {
    const { rows } = await t.server.db.query<{ sop: string; site: string }>(
      `SELECT i.sop_instance_uid AS sop, s.code AS site
         FROM dicom_instances i JOIN dicom_series se ON se.id = i.series_ref
         JOIN dicom_studies st ON st.id = se.study_ref JOIN sites s ON s.id = st.site_id
        WHERE i.sop_instance_uid = ANY($1::text[])`,
      [sops],
    );
    return rows;
  }

  beforeAll(async () => {
    t = await startTestServer();
    root = t.server.imaging.storage.root;
    token = await createGatewayToken(t.server.db, 'MACON');
    neversToken = await createGatewayToken(t.server.db, 'NEVERS');
    for (const code of ['DIJON', 'MACON', 'NEVERS']) sites.set(code, (await findSiteByCode(t.server.db, code))!.id);
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('outcomes', () => {
    const files = studyOf(3);
    const uids = files.map(uidsOf);

    it('POST /dicom-web/studies with three new instances answers 200 with each in ReferencedSOPSequence', async () => {
      const res = await stow(files);
      expect(res.status).toBe(200);
      expect(res.contentType).toMatch(/^application\/dicom\+json/);
      const items = stowResultItems(res.body);
      expect(items.failed).toEqual([]);
      expect(items.studyRetrieveUrl).toBe(url(`/${uids[0]!.study}`));
      expect(items.referenced).toEqual(
        uids.map((u) => ({
          sopClassUid: u.sopClass,
          sopInstanceUid: u.sop,
          retrieveUrl: url(`/${u.study}/series/${u.series}/instances/${u.sop}`),
        })),
      );
      expect(res.body['00081198']).toBeUndefined();
      expect(await rowsOf(uids.map((u) => u.sop))).toHaveLength(3);
    });

    it('POST the same instances again answers 200: an identical copy is a success, without a warning reason', async () => {
      const res = await stow(files);
      expect(res.status).toBe(200);
      const items = stowResultItems(res.body);
      expect(items.failed).toEqual([]);
      expect(items.referenced.map((r) => r.sopInstanceUid)).toEqual(uids.map((u) => u.sop));
      for (const item of res.body['00081199'].Value) expect(item['00081196']).toBeUndefined();
      expect(await rowsOf(uids.map((u) => u.sop))).toHaveLength(3);
    });

    it('POST an instance whose SOP Instance UID is stored with other content answers 409 with 0xA900', async () => {
      const other = rewrite(files[0]!, (_meta, dict) => {
        dict['00081030'] = { vr: 'LO', Value: ['Another description'] };
      });
      const res = await stow([other]);
      expect(res.status).toBe(409);
      expect(stowResultItems(res.body).failed).toEqual([
        { sopClassUid: uids[0]!.sopClass, sopInstanceUid: uids[0]!.sop, reason: reason('INSTANCE_CONFLICT') },
      ]);
    });

    it('POST one new instance and one that is not DICOM answers 202 with one of each, in request order', async () => {
      const [good] = studyOf(1);
      const res = await stow([Buffer.from('not a DICOM file at all'), good!]);
      expect(res.status).toBe(202);
      const items = stowResultItems(res.body);
      expect(items.failed).toEqual([{ sopClassUid: undefined, sopInstanceUid: undefined, reason: reason('NOT_DICOM') }]);
      expect(items.referenced.map((r) => r.sopInstanceUid)).toEqual([uidsOf(good!).sop]);
    });

    it('POST only failing instances answers 409 with a FailedSOPSequence item each', async () => {
      const res = await stow([Buffer.from('one'), Buffer.alloc(0)]);
      expect(res.status).toBe(409);
      expect(stowResultItems(res.body).failed.map((f) => f.reason)).toEqual([reason('NOT_DICOM'), reason('NOT_DICOM')]);
      expect(res.body['00081199']).toBeUndefined();
    });

    it('POST /dicom-web/studies/{study} stores the instances of that study and refuses others with 0xA900', async () => {
      const [a, b] = studyOf(2);
      const [other] = studyOf(1);
      const study = uidsOf(a!).study;
      const res = await stow([a!, other!, b!], `/${study}`);
      expect(res.status).toBe(202);
      const items = stowResultItems(res.body);
      expect(items.studyRetrieveUrl).toBe(url(`/${study}`));
      expect(items.referenced.map((r) => r.sopInstanceUid)).toEqual([uidsOf(a!).sop, uidsOf(b!).sop]);
      expect(items.failed).toEqual([
        { sopClassUid: uidsOf(other!).sopClass, sopInstanceUid: uidsOf(other!).sop, reason: reason('STUDY_UID_MISMATCH') },
      ]);
      expect(await rowsOf([uidsOf(other!).sop])).toEqual([]);
    });

    it('POST /dicom-web/studies/{study} with an invalid study UID answers 400 VALIDATION_FAILED', async () => {
      for (const bad of ['1.2.03', 'abc', `1.${'2'.repeat(70)}`, '..%2F..']) {
        const res = await stow(studyOf(1), `/${bad}`);
        expect(res.status, bad).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_FAILED');
      }
    });

    it('POST an instance of a study already received from another site answers 409 with 0xA900', async () => {
      const res = await stow([withFreshUids(files[0]!, [uids[0]!.sop]).bytes], '', asGateway({ authorization: `Bearer ${neversToken}` }));
      expect(res.status).toBe(409);
      expect(stowResultItems(res.body).failed.map((f) => f.reason)).toEqual([reason('STUDY_OF_ANOTHER_SITE')]);
    });

    it('records one dicom.stow audit entry per request with counts and no patient data', async () => {
      const [f] = studyOf(1);
      const before = await t.server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'dicom.stow'`);
      await stow([f!, f!, Buffer.from('x')]);
      const { rows } = await t.server.db.query<{ details: Record<string, unknown>; site_id: string; actor_type: string }>(
        `SELECT details, site_id, actor_type FROM audit_log WHERE action = 'dicom.stow' ORDER BY seq DESC LIMIT 1`,
      );
      const after = await t.server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'dicom.stow'`);
      expect(after.rows[0]!.n).toBe(before.rows[0]!.n + 1);
      expect(rows[0]).toMatchObject({ site_id: sites.get('MACON'), actor_type: 'token' });
      expect(rows[0]!.details).toMatchObject({ stored: 1, duplicate: 1, failed: 1 });
      const text = JSON.stringify(rows[0]);
      expect(text).not.toContain('STOWTEST');
    });
  });

  describe('bad input', () => {
    const [base] = studyOf(1, 128);
    const fresh = () => {
      const u = uidsOf(base!);
      return withFreshUids(base!, [u.sop, u.series, u.study]).bytes;
    };

    // `named`: the failure names the instance, whose UIDs could be read.
    const cases: { name: string; make: () => Buffer; reason: StoreFailure; named: boolean }[] = [
      { name: 'not DICOM', make: () => Buffer.from('%PDF-1.4 definitely not DICOM'.repeat(50)), reason: 'NOT_DICOM', named: false },
      { name: 'no DICM prefix', make: () => fresh().subarray(132), reason: 'NOT_DICOM', named: false },
      { name: 'truncated inside the pixel data', make: () => fresh().subarray(0, base!.length - 5000), reason: 'MALFORMED', named: true },
      {
        name: 'truncated inside the header',
        make: () => {
          const f = fresh();
          return f.subarray(0, datasetOffsetOf(f) + 120);
        },
        reason: 'MALFORMED',
        named: false,
      },
      {
        name: 'truncated inside the file meta information',
        make: () => fresh().subarray(0, 200),
        reason: 'MALFORMED',
        named: false,
      },
      {
        name: 'without SOP Instance UID',
        make: () =>
          rewrite(fresh(), (meta, dict) => {
            delete meta['00020003'];
            delete dict['00080018'];
          }),
        reason: 'MISSING_UID',
        named: false,
      },
      {
        name: 'without Study Instance UID',
        make: () => rewrite(fresh(), (_meta, dict) => void delete dict['0020000D']),
        reason: 'MISSING_UID',
        named: false,
      },
      {
        name: 'with an invalid SOP Instance UID (leading zero)',
        make: () =>
          rewrite(fresh(), (meta, dict) => {
            meta['00020003'] = { vr: 'UI', Value: ['1.2.03.4'] };
            dict['00080018'] = { vr: 'UI', Value: ['1.2.03.4'] };
          }),
        reason: 'INVALID_UID',
        named: false,
      },
      {
        name: 'with a path-traversal Series Instance UID',
        make: () => rewrite(fresh(), (_meta, dict) => void (dict['0020000E'] = { vr: 'UI', Value: ['../../../etc'] })),
        reason: 'INVALID_UID',
        named: false,
      },
      {
        name: 'with file meta and data set naming different instances',
        make: () => rewrite(fresh(), (meta) => void (meta['00020003'] = { vr: 'UI', Value: ['1.2.3.4.5'] })),
        reason: 'SOP_MISMATCH',
        named: true,
      },
      {
        name: 'of a SOP class not accepted (RT Plan)',
        make: () =>
          rewrite(fresh(), (meta, dict) => {
            meta['00020002'] = { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.481.5'] };
            dict['00080016'] = { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.481.5'] };
          }),
        reason: 'SOP_CLASS_NOT_SUPPORTED',
        named: true,
      },
      {
        name: 'with an absurd pixel data length',
        make: () => {
          const f = fresh();
          const { at } = lengthFieldOf(f, 0x7fe0, 0x0010, 'OW');
          f.writeUInt32LE(0x7ffffff0, at);
          return f;
        },
        reason: 'MALFORMED',
        named: true,
      },
      {
        name: 'with an absurd header element length',
        make: () => {
          const f = fresh();
          const { at } = lengthFieldOf(f, 0x0008, 0x1030, 'LO');
          f.writeUInt16LE(0xfffe, at);
          return f;
        },
        reason: 'MALFORMED',
        named: true,
      },
    ];

    for (const c of cases) {
      it(`POST an instance ${c.name} answers 409 with FailureReason 0x${reason(c.reason).toString(16)} and stores nothing`, async () => {
        const file = c.make();
        const res = await stow([file]);
        expect(res.status).toBe(409);
        const items = stowResultItems(res.body);
        expect(items.failed).toHaveLength(1);
        expect(items.failed[0]!.reason).toBe(reason(c.reason));
        if (c.named) expect(items.failed[0]!.sopInstanceUid).toMatch(/^[0-9.]+$/);
        const sop = (() => {
          try {
            return parsePart10(file, false).sopInstanceUid;
          } catch {
            return undefined;
          }
        })();
        if (sop) expect(await rowsOf([sop])).toEqual([]);
      });
    }

    it('POST an instance with NUL bytes in text values is stored or refused as malformed, never "out of resources"', async () => {
      // Some devices pad strings with NUL instead of spaces; PostgreSQL text and jsonb cannot hold U+0000.
      const file = rewrite(fresh(), (_meta, dict) => {
        dict['00080080'] = { vr: 'LO', Value: ['HOSPITAL\u0000\u0000'] };
        dict['00100010'] = { vr: 'PN', Value: [{ Alphabetic: 'NUL^PADDED\u0000' }] };
      });
      const res = await stow([file]);
      const items = stowResultItems(res.body);
      if (res.status === 200) expect(await rowsOf([uidsOf(file).sop])).toHaveLength(1);
      else expect(items.failed.map((f) => f.reason)).toEqual([reason('MALFORMED')]);
    });

    it('POST a 3 KB file with one invalid VR, read by dcmjs as a 1 GB element, fails it with 0xC000 in bounded memory', async () => {
      // JPEG2000.dcm with the VR of its (0020,1040) changed from LO to LN: a reader that takes an unknown VR for UN
      // reads a 4-byte length from the next element, 0x40000020.
      const original = readFileSync('/usr/lib/python3/dist-packages/pydicom/data/test_files/JPEG2000.dcm');
      const u = uidsOf(original);
      const file = withFreshUids(original, [u.sop, u.study, u.series]).bytes;
      const { at } = lengthFieldOf(file, 0x0020, 0x1040, 'LO');
      file.write('LN', at - 2, 'latin1');
      const peakReset = await resetPeakMemory(process.pid);
      const baseline = (await processMemory(process.pid))!.rss;
      const res = await stow([file]);
      const growth = (await processMemory(process.pid))!.hwm - baseline;
      if (peakReset) expect(growth).toBeLessThan(100 * 1024 * 1024);
      expect(res.status).toBe(409);
      expect(stowResultItems(res.body).failed.map((f) => f.reason)).toEqual([reason('MALFORMED')]);
    });

    it('POST without a boundary parameter answers 400 BAD_REQUEST', async () => {
      const res = await stow(studyOf(1), '', asGateway({ 'content-type': 'multipart/related; type="application/dicom"' }));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
    });

    it('POST with another content type answers 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      for (const ct of [
        'application/dicom',
        'application/json',
        `multipart/form-data; boundary=${STOW_BOUNDARY}`,
        `multipart/related; type="application/dicom+json"; boundary=${STOW_BOUNDARY}`,
      ]) {
        const res = await stow(studyOf(1), '', asGateway({ 'content-type': ct }));
        expect(res.status, ct).toBe(415);
        expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      }
    });

    it('POST with type and boundary quoted or not stores the instance', async () => {
      for (const ct of [
        `multipart/related; type=application/dicom; boundary="${STOW_BOUNDARY}"`,
        `Multipart/Related;boundary=${STOW_BOUNDARY};Type="Application/DICOM"`,
        `multipart/related; boundary=${STOW_BOUNDARY}`,
      ]) {
        const res = await stow(studyOf(1), '', asGateway({ 'content-type': ct }));
        expect(res.status, ct).toBe(200);
      }
    });

    it('POST an empty body answers 400 BAD_REQUEST', async () => {
      const res = await postStow(url(), [], asGateway());
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
    });

    it('POST a body whose delimiters use another boundary answers 400 BAD_REQUEST', async () => {
      const res = await postStow(url(), [multipartBody(studyOf(1), 'another-boundary')], asGateway());
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
    });

    it('POST a body whose only part is never closed answers 400 BAD_REQUEST and stores nothing', async () => {
      const [f] = studyOf(1);
      const body = Buffer.concat([Buffer.from(`--${STOW_BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`), f!]);
      const res = await postStow(url(), [body], asGateway());
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
      expect(await rowsOf([uidsOf(f!).sop])).toEqual([]);
    });

    it('POST a body cut inside its second part answers 202: the first is stored, the cut one fails with 0xC000', async () => {
      const [a, b] = studyOf(2);
      const whole = multipartBody([a!, b!]);
      const res = await postStow(url(), [whole.subarray(0, whole.length - 3000)], asGateway());
      expect(res.status).toBe(202);
      const items = stowResultItems(res.body);
      expect(items.referenced.map((r) => r.sopInstanceUid)).toEqual([uidsOf(a!).sop]);
      expect(items.failed).toEqual([{ sopClassUid: uidsOf(b!).sopClass, sopInstanceUid: uidsOf(b!).sop, reason: reason('MALFORMED') }]);
      expect(await rowsOf([uidsOf(b!).sop])).toEqual([]);
    });

    it('POST cut by the client closing the connection keeps the parts sent whole and audits the request as aborted', async () => {
      const [a, b] = studyOf(2, 256);
      const whole = multipartBody([a!, b!]);
      const req = http.request(url(), { method: 'POST', headers: asGateway() });
      req.on('error', () => undefined);
      req.write(whole.subarray(0, whole.length - 20_000));
      for (let i = 0; i < 100 && (await rowsOf([uidsOf(a!).sop])).length === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
      req.destroy();
      expect(await rowsOf([uidsOf(a!).sop])).toHaveLength(1);
      let audit: Record<string, unknown> | undefined;
      for (let i = 0; i < 100 && !audit?.aborted; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
        const { rows } = await t.server.db.query<{ details: Record<string, unknown> }>(
          `SELECT details FROM audit_log WHERE action = 'dicom.stow' ORDER BY seq DESC LIMIT 1`,
        );
        audit = rows[0]?.details;
      }
      expect(audit).toMatchObject({ stored: 1, failed: 0, aborted: true });
      expect(await rowsOf([uidsOf(b!).sop])).toEqual([]);
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    });

    it('POST a part of another media type fails that part with 0xC000 and stores the others', async () => {
      const [a] = studyOf(1);
      const body = Buffer.concat([
        Buffer.from(`--${STOW_BOUNDARY}\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0\r\n`, 'latin1'),
        multipartBody([a!]),
      ]);
      const res = await postStow(url(), [body], asGateway());
      expect(res.status).toBe(202);
      expect(stowResultItems(res.body).failed.map((f) => f.reason)).toEqual([reason('NOT_DICOM')]);
    });

    it('POST a malformed part header after a whole part answers 202: the first is stored, the rest fails with 0xC000', async () => {
      const [a] = studyOf(1);
      const body = Buffer.concat([
        multipartBody([a!]).subarray(0, -`--${STOW_BOUNDARY}--\r\n`.length),
        Buffer.from(`--${STOW_BOUNDARY}\r\nno colon\r\n\r\nwhatever\r\n--${STOW_BOUNDARY}--\r\n`),
      ]);
      const res = await postStow(url(), [body], asGateway());
      expect(res.status).toBe(202);
      const items = stowResultItems(res.body);
      expect(items.referenced.map((r) => r.sopInstanceUid)).toEqual([uidsOf(a!).sop]);
      expect(items.failed).toEqual([{ sopClassUid: undefined, sopInstanceUid: undefined, reason: reason('MALFORMED') }]);
    });

    it('POST a malformed part header answers 400 BAD_REQUEST after reading the whole body', async () => {
      const body = Buffer.concat([Buffer.from(`--${STOW_BOUNDARY}\r\nthis is no header\r\n\r\n`), Buffer.alloc(4 << 20, 1)]);
      const res = await postStow(url(), [body], asGateway());
      expect(res.status).toBe(400);
    });

    it('POST the pydicom corpus stores the valid odd files and fails the others with the right reason', async () => {
      const dir = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
      // One expectation per file, written out: 'stored' for the accepted SOP classes in accepted transfer syntaxes.
      const expected: Record<string, StoreFailure | 'stored'> = {
        '693_J2KI.dcm': 'stored',
        'CT_small.dcm': 'stored',
        'ExplVR_BigEnd.dcm': 'TRANSFER_SYNTAX_NOT_SUPPORTED',
        'ExplVR_BigEndNoMeta.dcm': 'NOT_DICOM',
        'ExplVR_LitEndNoMeta.dcm': 'NOT_DICOM',
        'GDCMJ2K_TextGBR.dcm': 'stored',
        // A CT whose SpecificCharacterSet uses ISO 2022 code extensions (Japanese).
        'J2K_pixelrep_mismatch.dcm': 'stored',
        'JPEG-lossy.dcm': 'stored',
        'JPEG2000-embedded-sequence-delimiter.dcm': 'stored',
        'JPEG2000.dcm': 'stored',
        'JPGExtended.dcm': 'stored',
        'MR_small.dcm': 'stored',
        'MR_small_RLE.dcm': 'stored',
        'MR_small_bigendian.dcm': 'TRANSFER_SYNTAX_NOT_SUPPORTED',
        'MR_small_expb.dcm': 'TRANSFER_SYNTAX_NOT_SUPPORTED',
        'MR_small_implicit.dcm': 'stored',
        'MR_small_jp2klossless.dcm': 'stored',
        'MR_small_jpeg_ls_lossless.dcm': 'stored',
        'MR_small_padded.dcm': 'stored',
        // Cut inside its pixel data.
        'MR_truncated.dcm': 'MALFORMED',
        'SC_jpeg_no_color_transform.dcm': 'stored',
        'SC_jpeg_no_color_transform_2.dcm': 'stored',
        'SC_rgb_dcmtk_+eb+cr.dcm': 'stored',
        'SC_rgb_dcmtk_+eb+cy+n1.dcm': 'stored',
        'SC_rgb_dcmtk_+eb+cy+n2.dcm': 'stored',
        'SC_rgb_dcmtk_+eb+cy+np.dcm': 'stored',
        'SC_rgb_dcmtk_+eb+cy+s2.dcm': 'stored',
        'SC_rgb_dcmtk_+eb+cy+s4.dcm': 'stored',
        'SC_rgb_gdcm_KY.dcm': 'stored',
        // Broken on purpose: dcmdump stops at an element (4544,4952) of impossible length.
        'SC_rgb_jpeg.dcm': 'MALFORMED',
        'SC_rgb_jpeg_app14_dcmd.dcm': 'stored',
        'SC_rgb_jpeg_dcmd.dcm': 'stored',
        'SC_rgb_jpeg_dcmtk.dcm': 'stored',
        'SC_rgb_jpeg_gdcm.dcm': 'stored',
        'SC_rgb_jpeg_lossy_gdcm.dcm': 'stored',
        'SC_rgb_rle.dcm': 'stored',
        'SC_rgb_rle_16bit.dcm': 'stored',
        'SC_rgb_rle_16bit_2frame.dcm': 'stored',
        'SC_rgb_rle_2frame.dcm': 'stored',
        'SC_rgb_rle_32bit.dcm': 'stored',
        'SC_rgb_rle_32bit_2frame.dcm': 'stored',
        'SC_rgb_small_odd.dcm': 'stored',
        'SC_rgb_small_odd_jpeg.dcm': 'stored',
        'SC_ybr_full_422_uncompressed.dcm': 'stored',
        // A fragment of a data set, a sequence in an element of VR UN, without SOP Class UID.
        'UN_sequence.dcm': 'MISSING_UID',
        // MediaStorageSOPInstanceUID 1.2.999… but SOPInstanceUID 1.9.999…
        'badVR.dcm': 'SOP_MISMATCH',
        'empty_charset_LEI.dcm': 'MISSING_UID',
        'image_dfl.dcm': 'stored',
        'liver_1frame.dcm': 'SOP_CLASS_NOT_SUPPORTED',
        'liver_expb_1frame.dcm': 'TRANSFER_SYNTAX_NOT_SUPPORTED',
        'meta_missing_tsyntax.dcm': 'MALFORMED',
        'nested_priv_SQ.dcm': 'MALFORMED',
        'no_meta.dcm': 'NOT_DICOM',
        'no_meta_group_length.dcm': 'MALFORMED',
        'priv_SQ.dcm': 'MISSING_UID',
        'reportsi.dcm': 'SOP_CLASS_NOT_SUPPORTED',
        'reportsi_with_empty_number_tags.dcm': 'SOP_CLASS_NOT_SUPPORTED',
        'rtdose.dcm': 'SOP_MISMATCH',
        'rtdose_1frame.dcm': 'SOP_MISMATCH',
        'rtdose_expb.dcm': 'TRANSFER_SYNTAX_NOT_SUPPORTED',
        'rtdose_expb_1frame.dcm': 'TRANSFER_SYNTAX_NOT_SUPPORTED',
        'rtdose_rle.dcm': 'SOP_CLASS_NOT_SUPPORTED',
        'rtdose_rle_1frame.dcm': 'SOP_CLASS_NOT_SUPPORTED',
        'rtplan.dcm': 'SOP_MISMATCH',
        'rtplan_truncated.dcm': 'MALFORMED',
        'rtstruct.dcm': 'NOT_DICOM',
        'test-SR.dcm': 'SOP_CLASS_NOT_SUPPORTED',
        'waveform_ecg.dcm': 'SOP_CLASS_NOT_SUPPORTED',
      };
      const names = readdirSync(dir).filter((f) => f.endsWith('.dcm') && f in expected).sort();
      expect(names).toHaveLength(Object.keys(expected).length);
      // Many corpus files share UIDs (one image in several encodings): each gets fresh UIDs of the same length, so
      // its bytes keep their structure. The deflated file's data set is compressed; it is sent as it is.
      const files = names.map((name) => {
        const bytes = readFileSync(path.join(dir, name));
        if (name === 'image_dfl.dcm') return bytes;
        try {
          const u = uidsOf(bytes);
          return withFreshUids(bytes, [u.sop, u.series, u.study]).bytes;
        } catch {
          return bytes;
        }
      });
      const res = await stow(files);
      expect(res.status).toBe(202);
      const items = stowResultItems(res.body);
      const outcomes = new Map<string, string>();
      let ok = 0;
      let failed = 0;
      for (const [i, name] of names.entries()) {
        const sop = (() => {
          try {
            return uidsOf(files[i]!).sop;
          } catch {
            return undefined;
          }
        })();
        if (expected[name] === 'stored') {
          const stored = items.referenced[ok++];
          outcomes.set(name, stored?.sopInstanceUid === sop ? 'stored' : `not stored`);
        } else {
          const f = items.failed[failed++]!;
          const match = Object.entries(STORE_FAILURES).filter(([, v]) => v.dimse === f.reason).map(([k]) => k);
          outcomes.set(name, match.includes(expected[name]!) ? expected[name]! : `0x${f.reason?.toString(16)}`);
        }
      }
      expect(Object.fromEntries(outcomes)).toEqual(expected);
      expect(items.referenced).toHaveLength(ok);
      expect(items.failed).toHaveLength(failed);
    });

    it('leaves the database and the files in agreement after every bad input', async () => {
      const check = await checkStorage(t.server.db, root);
      expect(check.rows).toBeGreaterThan(0);
      expect(check.badRows).toEqual([]);
      expect(check.orphanFiles).toEqual([]);
    });
  });

  describe('oversized instances', () => {
    let small: TestServer;
    let smallToken: string;

    beforeAll(async () => {
      small = await startTestServer({ DICOM_MAX_INSTANCE_MB: '1' });
      smallToken = await createGatewayToken(small.server.db, 'MACON');
    });

    afterAll(async () => {
      await small?.close();
    });

    it('POST a part over DICOM_MAX_INSTANCE_MB fails it with 0xA700, named, and stores the next part', async () => {
      const [big] = [...generateStudy({ slices: 1, rows: 1024, columns: 1024 })].map((i) => i.bytes);
      const [after] = studyOf(1);
      expect(big!.length).toBeGreaterThan(1024 * 1024);
      const res = await postStow(`${small.url}/dicom-web/studies`, [multipartBody([big!, after!])], {
        'content-type': stowContentType(),
        authorization: `Bearer ${smallToken}`,
      });
      expect(res.status).toBe(202);
      const items = stowResultItems(res.body);
      expect(items.failed).toEqual([{ sopClassUid: uidsOf(big!).sopClass, sopInstanceUid: uidsOf(big!).sop, reason: reason('TOO_LARGE') }]);
      expect(items.referenced.map((r) => r.sopInstanceUid)).toEqual([uidsOf(after!).sop]);
    });
  });
});
