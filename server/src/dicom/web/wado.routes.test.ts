import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import dcmjs from 'dcmjs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../../testing';
import { parsePart10 } from '../part10';
import { pixelDataOf, readMultipart, storeFile, storeSyntheticStudy, withUid, type StoredStudy } from './dicomweb.fixtures';

const CORPUS = '/usr/lib/python3/dist-packages/pydicom/data/test_files/';
const MR_SMALL_STUDY = '1.3.6.1.4.1.5962.1.2.4.20040826185059.5457';

let t: TestServer;
let ward: ApiClient;
let ct: StoredStudy;
/** SOP Instance UIDs of pydicom corpus files stored under MACON, by file name. */
const corpus = new Map<string, { study: string; series: string; sop: string }>();
let multiframe: { bytes: Buffer; sop: string; series: string; study: string; frames: Buffer[] };

function cookieHeader(c: ApiClient): Record<string, string> {
  return { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
}

/** A GET with the ward doctor's session, answered as bytes. */
async function fetchBytes(path: string, accept?: string): Promise<{ status: number; type: string | null; length: string | null; body: Buffer; json: any }> {
  const res = await fetch(t.url + path, { headers: { ...cookieHeader(ward), ...(accept ? { accept } : {}) } });
  const body = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(body.toString());
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type'), length: res.headers.get('content-length'), body, json };
}

function instancePath(study: string, series: string, sop: string): string {
  return `/dicom-web/studies/${study}/series/${series}/instances/${sop}`;
}

/** A Multi-frame Grayscale Word SC instance built from the first slices of a synthetic series, frame k = slice k. */
function multiframeOf(slices: Buffer[]): { bytes: Buffer; sop: string; series: string; study: string; frames: Buffer[] } {
  const first = slices[0]!;
  const dict = dcmjs.data.DicomMessage.readFile(first.buffer.slice(first.byteOffset, first.byteOffset + first.length) as ArrayBuffer);
  const frames = slices.map(pixelDataOf);
  const sop = `${dict.dict['00080018']!.Value![0]}.9`;
  const sc = '1.2.840.10008.5.1.4.1.1.7.3';
  dict.meta['00020002'] = { vr: 'UI', Value: [sc] };
  dict.meta['00020003'] = { vr: 'UI', Value: [sop] };
  dict.dict['00080016'] = { vr: 'UI', Value: [sc] };
  dict.dict['00080018'] = { vr: 'UI', Value: [sop] };
  dict.dict['00280008'] = { vr: 'IS', Value: [String(frames.length)] };
  const all = Buffer.concat(frames);
  dict.dict['7FE00010'] = { vr: 'OW', Value: [all.buffer.slice(all.byteOffset, all.byteOffset + all.length)] };
  return {
    bytes: Buffer.from(dict.write()),
    sop,
    series: dict.dict['0020000E']!.Value![0] as string,
    study: dict.dict['0020000D']!.Value![0] as string,
    frames,
  };
}

beforeAll(async () => {
  t = await startTestServer();
  ct = await storeSyntheticStudy(t, 'MACON', { kind: 'ct+cta', slices: 3, rows: 64, columns: 64 });
  const mf = multiframeOf(ct.series[0]!.instances.map((i) => i.bytes));
  expect((await storeFile(t, 'MACON', mf.bytes)).status).toBe('stored');
  multiframe = mf;
  // Every file of the corpus the server accepts, each with a SOP Instance UID of its own (several share one).
  let n = 0;
  const seen = new Set<string>();
  for (const name of readdirSync(CORPUS).filter((f) => f.endsWith('.dcm')).sort()) {
    const original = readFileSync(CORPUS + name);
    let parsed;
    try {
      parsed = parsePart10(original, true);
    } catch {
      continue;
    }
    const sop = parsed.sopInstanceUid;
    // A UID met before gets a new one of the same length (last digits changed), so that no offset in the file moves.
    const bytes = seen.has(sop) ? withUid(original, sop, `${sop.slice(0, -2)}${(n++ % 90) + 10}`) : original;
    seen.add(sop);
    const outcome = await storeFile(t, 'MACON', bytes);
    if (outcome.status !== 'stored') continue;
    corpus.set(name, { study: parsed.studyInstanceUid, series: parsed.seriesInstanceUid, sop: outcome.sopInstanceUid });
  }
  ward = new ApiClient(t.url);
  expect((await ward.login(DEMO.wardMacon)).status).toBe(200);
});
afterAll(() => t.close());

describe('WADO-RS retrieve', () => {
  it('GET /studies/{study} answers every stored file byte for byte, in series and instance order, with Content-Length', async () => {
    const res = await fetchBytes(`/dicom-web/studies/${ct.studyUid}`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
    expect(Number(res.length)).toBe(res.body.length);
    const parts = readMultipart(res.body, res.type);
    // The multi-frame SC shares the CT series and InstanceNumber 1; its SOP Instance UID sorts after slice 1's.
    const [cts, ctas] = [ct.series[0]!.instances.map((i) => i.bytes), ct.series[1]!.instances.map((i) => i.bytes)];
    expect(parts.map((p) => p.body)).toEqual([cts[0], multiframe.bytes, cts[1], cts[2], ...ctas]);
    for (const p of parts) expect(p.headers['content-type']).toBe('application/dicom; transfer-syntax=1.2.840.10008.1.2.1');
  });

  it('GET /studies/{study}/series/{series} answers the series only, in InstanceNumber order', async () => {
    const series = ct.series[1]!;
    const res = await fetchBytes(`/dicom-web/studies/${ct.studyUid}/series/${series.uid}`, 'multipart/related; type="application/dicom"; transfer-syntax=*');
    expect(res.status).toBe(200);
    const parts = readMultipart(res.body, res.type);
    expect(parts.map((p) => p.body)).toEqual(series.instances.map((i) => i.bytes));
  });

  it('GET an instance with Accept: application/dicom answers the bare file', async () => {
    const i = ct.series[0]!.instances[1]!;
    const res = await fetchBytes(instancePath(ct.studyUid, ct.series[0]!.uid, i.sopInstanceUid), 'application/dicom');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/dicom; transfer-syntax=1.2.840.10008.1.2.1');
    expect(res.body.equals(i.bytes)).toBe(true);
  });

  it('GET an instance asking for the stored transfer syntax answers it; another syntax answers 406', async () => {
    const i = ct.series[0]!.instances[0]!;
    const path = instancePath(ct.studyUid, ct.series[0]!.uid, i.sopInstanceUid);
    const same = await fetchBytes(path, 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1');
    expect(same.status).toBe(200);
    expect(readMultipart(same.body, same.type)[0]!.body.equals(i.bytes)).toBe(true);
    const other = await fetchBytes(path, 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50');
    expect(other.status).toBe(406);
    expect(other.json.error.code).toBe('NOT_ACCEPTABLE');
    const xml = await fetchBytes(path, 'multipart/related; type="application/dicom+xml"');
    expect(xml.status).toBe(406);
  });

  it('GET a series of the study through another study answers 404', async () => {
    const res = await fetchBytes(`/dicom-web/studies/${MR_SMALL_STUDY}/series/${ct.series[0]!.uid}`);
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('NOT_FOUND');
  });
});

describe('WADO-RS retrieve of damaged storage', () => {
  it('HEAD /studies/{study} answers the headers and Content-Length without a body', async () => {
    const res = await fetch(`${t.url}/dicom-web/studies/${ct.studyUid}`, { method: 'HEAD', headers: cookieHeader(ward) });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(7 * 64 * 64 * 2);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('GET a study whose first file vanished answers 500 INTERNAL; whose later file vanished cuts the connection short', async () => {
    const study = await storeSyntheticStudy(t, 'MACON', { slices: 3, rows: 16, columns: 16 });
    const paths = (
      await t.server.db.query<{ file_path: string }>(
        `SELECT i.file_path FROM dicom_instances i JOIN dicom_series se ON se.id = i.series_ref JOIN dicom_studies st ON st.id = se.study_ref
          WHERE st.study_uid = $1 ORDER BY i.instance_number`,
        [study.studyUid],
      )
    ).rows.map((r) => t.server.imaging.storage.absolute(r.file_path));
    await rm(paths[2]!);
    // The 200 may or may not have left before the cut: either way the client cannot take the answer as whole.
    const outcome = await fetch(`${t.url}/dicom-web/studies/${study.studyUid}`, { headers: cookieHeader(ward) })
      .then((res) => res.arrayBuffer())
      .then(
        () => 'complete',
        () => 'cut',
      );
    expect(outcome).toBe('cut');
    await rm(paths[0]!);
    const first = await fetchBytes(`/dicom-web/studies/${study.studyUid}`);
    expect(first.status).toBe(500);
    expect(first.json.error.code).toBe('INTERNAL');
    expect(JSON.stringify(first.json)).not.toContain(study.studyUid);
    // The server keeps serving.
    expect((await fetchBytes(`/dicom-web/studies/${ct.studyUid}/metadata`)).status).toBe(200);
  });
});

describe('WADO-RS metadata', () => {
  it('GET /studies/{study}/metadata answers every instance, each with a BulkDataURI for its pixel data', async () => {
    const res = await fetchBytes(`/dicom-web/studies/${ct.studyUid}/metadata`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/dicom\+json/);
    const body = res.json as Array<Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>>;
    expect(body).toHaveLength(7);
    const first = body.find((d) => d['00080018']!.Value![0] === ct.series[0]!.instances[0]!.sopInstanceUid)!;
    expect(first['7FE00010']).toEqual({
      vr: 'OW',
      BulkDataURI: `${t.url}${instancePath(ct.studyUid, ct.series[0]!.uid, ct.series[0]!.instances[0]!.sopInstanceUid)}/frames/1`,
    });
    expect(first['00100010']!.Value![0]).toEqual({ Alphabetic: expect.stringMatching(/^SYNTHETIQUE\^PATIENT\^/) });
    expect(first['00281050']).toEqual({ vr: 'DS', Value: [40] });
    const mf = body.find((d) => d['00080018']!.Value![0] === multiframe.sop)!;
    expect(mf['7FE00010']!.BulkDataURI).toMatch(/\/frames\/1,2,3$/);
  });

  it('the BulkDataURI of the pixel data answers that instance’s frame bytes', async () => {
    const res = await fetchBytes(`/dicom-web/studies/${ct.studyUid}/series/${ct.series[1]!.uid}/metadata`);
    const body = res.json as Array<Record<string, { BulkDataURI?: string }>>;
    expect(body).toHaveLength(3);
    const uri = body[2]!['7FE00010']!.BulkDataURI!;
    const bulk = await fetchBytes(uri.slice(t.url.length), 'multipart/related; type="application/octet-stream"');
    expect(bulk.status).toBe(200);
    expect(readMultipart(bulk.body, bulk.type)[0]!.body.equals(pixelDataOf(ct.series[1]!.instances[2]!.bytes))).toBe(true);
  });

  it('GET instance metadata with Accept: application/dicom+xml answers 406; of a missing instance 404', async () => {
    const path = `${instancePath(ct.studyUid, ct.series[0]!.uid, ct.series[0]!.instances[0]!.sopInstanceUid)}/metadata`;
    expect((await fetchBytes(path, 'application/dicom+xml')).status).toBe(406);
    expect((await fetchBytes(path, 'application/json')).status).toBe(200);
    const missing = await fetchBytes(`${instancePath(ct.studyUid, ct.series[0]!.uid, '1.2.3.4')}/metadata`);
    expect(missing.status).toBe(404);
  });
});

describe('WADO-RS frames', () => {
  it('GET /frames/1 of a CT slice answers exactly its native pixel bytes as application/octet-stream', async () => {
    const i = ct.series[0]!.instances[2]!;
    const res = await fetchBytes(`${instancePath(ct.studyUid, ct.series[0]!.uid, i.sopInstanceUid)}/frames/1`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^multipart\/related; type="application\/octet-stream"; boundary=/);
    const [part] = readMultipart(res.body, res.type);
    expect(part!.headers['content-type']).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
    expect(part!.body.equals(pixelDataOf(i.bytes))).toBe(true);
    expect(part!.body.length).toBe(64 * 64 * 2);
  });

  it('GET /frames/3,1,2 of a multi-frame instance answers frames 3, 1 and 2 of the generator, in that order', async () => {
    const path = `${instancePath(multiframe.study, multiframe.series, multiframe.sop)}/frames/3,1,2`;
    // Twice: the first read indexes the file, the second reads the frames' byte ranges only.
    for (let round = 0; round < 2; round++) {
      const res = await fetchBytes(path, 'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1');
      expect(res.status).toBe(200);
      expect(readMultipart(res.body, res.type).map((p) => p.body)).toEqual([multiframe.frames[2], multiframe.frames[0], multiframe.frames[1]]);
    }
  });

  it('GET one frame with a bare Accept: application/octet-stream answers a single-part body', async () => {
    const res = await fetchBytes(`${instancePath(multiframe.study, multiframe.series, multiframe.sop)}/frames/2`, 'application/octet-stream');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
    expect(res.body.equals(multiframe.frames[1]!)).toBe(true);
  });

  it('GET /frames/4 of a 3-frame instance answers 404; /frames/0 and /frames/a answer 400', async () => {
    const base = instancePath(multiframe.study, multiframe.series, multiframe.sop);
    const four = await fetchBytes(`${base}/frames/4`);
    expect(four.status).toBe(404);
    expect(four.json.error.code).toBe('NOT_FOUND');
    expect((await fetchBytes(`${base}/frames/0`)).status).toBe(400);
    expect((await fetchBytes(`${base}/frames/1,a`)).status).toBe(400);
  });

  it('GET frames of native data with Accept: multipart/related; type="image/jls" answers 406', async () => {
    const res = await fetchBytes(`${instancePath(multiframe.study, multiframe.series, multiframe.sop)}/frames/1`, 'multipart/related; type="image/jls"');
    expect(res.status).toBe(406);
  });

  it('GET /frames/1 of an RLE instance answers, per Accept, the stored RLE frame or its decoding, equal to the uncompressed file', async () => {
    const rle = corpus.get('MR_small_RLE.dcm')!;
    const path = `${instancePath(rle.study, rle.series, rle.sop)}/frames/1`;
    const native = pixelDataOf(readFileSync(`${CORPUS}MR_small.dcm`));
    const decoded = await fetchBytes(path, 'multipart/related; type="application/octet-stream"');
    expect(decoded.status).toBe(200);
    const [part] = readMultipart(decoded.body, decoded.type);
    expect(part!.headers['content-type']).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
    expect(part!.body.equals(native)).toBe(true);
    const stored = await fetchBytes(path, '*/*');
    expect(readMultipart(stored.body, stored.type)[0]!.headers['content-type']).toBe('image/dicom-rle; transfer-syntax=1.2.840.10008.1.2.5');
    const alias = await fetchBytes(path, 'multipart/related; type="image/x-dicom-rle"; transfer-syntax=1.2.840.10008.1.2.5');
    expect(readMultipart(alias.body, alias.type)[0]!.headers['content-type']).toBe('image/x-dicom-rle; transfer-syntax=1.2.840.10008.1.2.5');
  });

  it('GET /frames/1 of JPEG-LS and JPEG 2000 instances answers the stored codestreams with their media types', async () => {
    const jls = corpus.get('MR_small_jpeg_ls_lossless.dcm')!;
    const jlsPath = `${instancePath(jls.study, jls.series, jls.sop)}/frames/1`;
    const a = await fetchBytes(jlsPath, 'multipart/related; type="image/jls"');
    const [ja] = readMultipart(a.body, a.type);
    expect(ja!.headers['content-type']).toBe('image/jls; transfer-syntax=1.2.840.10008.1.2.4.80');
    expect([...ja!.body.subarray(0, 4)]).toEqual([0xff, 0xd8, 0xff, 0xf7]);
    // "As stored" in the dcm4chee and OHIF way.
    const b = await fetchBytes(jlsPath, 'multipart/related; type="application/octet-stream"; transfer-syntax=*');
    expect(readMultipart(b.body, b.type)[0]!.headers['content-type']).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.4.80');
    const refused = await fetchBytes(jlsPath, 'multipart/related; type="application/octet-stream"');
    expect(refused.status).toBe(406);
    const j2k = corpus.get('MR_small_jp2klossless.dcm')!;
    const c = await fetchBytes(`${instancePath(j2k.study, j2k.series, j2k.sop)}/frames/1`, 'multipart/related; type="image/jp2"');
    const [jc] = readMultipart(c.body, c.type);
    expect(jc!.headers['content-type']).toBe('image/jp2; transfer-syntax=1.2.840.10008.1.2.4.90');
    expect([...jc!.body.subarray(0, 4)]).toEqual([0xff, 0x4f, 0xff, 0x51]);
  });
});

function decodePng(body: Buffer): PNG {
  return PNG.sync.read(body);
}

/** Grey value at (x, y) of a decoded RGBA image. */
function grey(img: { width: number; data: Uint8Array | Buffer }, x: number, y: number): number {
  return img.data[(y * img.width + x) * 4]!;
}

describe('WADO-RS rendered', () => {
  const middle = () => ct.series[0]!.instances[1]!;
  const renderedPath = () => `${instancePath(ct.studyUid, ct.series[0]!.uid, middle().sopInstanceUid)}/rendered`;

  it('GET /rendered with Accept: image/png answers a 64×64 PNG: air black, bone white, brain mid-grey in the brain window', async () => {
    const res = await fetchBytes(renderedPath(), 'image/png');
    expect(res.status).toBe(200);
    expect(res.type).toBe('image/png');
    const img = decodePng(res.body);
    expect([img.width, img.height]).toEqual([64, 64]);
    expect(grey(img, 0, 0)).toBe(0);
    const values = Array.from({ length: 64 * 64 }, (_, i) => img.data[i * 4]!);
    expect(values.filter((v) => v === 255).length).toBeGreaterThan(20);
    // The centre of the head is brain or CSF: 0–60 HU through a 40/80 window is between black and white.
    const centre = grey(img, 32, 34);
    expect(centre).toBeGreaterThan(20);
    expect(centre).toBeLessThan(235);
  });

  it('GET /rendered?window=0,4000 shows air as dark grey rather than black and bone below white', async () => {
    const img = decodePng((await fetchBytes(`${renderedPath()}?window=0,4000,linear`, 'image/png')).body);
    expect(grey(img, 0, 0)).toBeGreaterThan(50);
    expect(grey(img, 0, 0)).toBeLessThan(80);
    const max = Math.max(...Array.from({ length: 64 * 64 }, (_, i) => img.data[i * 4]!));
    expect(max).toBeLessThan(200);
  });

  it('GET /frames/1/rendered?viewport=16,16 with the default Accept answers a 16×16 JPEG; quality changes its size', async () => {
    const low = await fetchBytes(`${renderedPath().replace(/\/rendered$/, '/frames/1/rendered')}?viewport=16,16&quality=10`);
    expect(low.status).toBe(200);
    expect(low.type).toBe('image/jpeg');
    const img = jpeg.decode(low.body, { useTArray: true });
    expect([img.width, img.height]).toEqual([16, 16]);
    const high = await fetchBytes(`${renderedPath()}?viewport=16,16&quality=100`);
    expect(high.body.length).toBeGreaterThan(low.body.length);
  });

  it('GET /frames/2/rendered of the multi-frame instance renders its second frame', async () => {
    const base = instancePath(multiframe.study, multiframe.series, multiframe.sop);
    const second = await fetchBytes(`${base}/frames/2/rendered`, 'image/png');
    const fromSlice = await fetchBytes(`${renderedPath()}`, 'image/png');
    expect(second.status).toBe(200);
    expect(decodePng(second.body).data.equals(decodePng(fromSlice.body).data)).toBe(true);
    expect((await fetchBytes(`${base}/frames/1,2/rendered`, 'image/png')).status).toBe(400);
  });

  it('GET /rendered of RGB RLE and RGB JPEG baseline instances answers their colours (red band on top)', async () => {
    for (const name of ['SC_rgb_rle.dcm', 'SC_rgb_jpeg_dcmtk.dcm']) {
      const f = corpus.get(name)!;
      const res = await fetchBytes(`${instancePath(f.study, f.series, f.sop)}/rendered`, 'image/png');
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
      const img = decodePng(res.body);
      const [r, g, b] = [...img.data.subarray((5 * img.width + 50) * 4, (5 * img.width + 50) * 4 + 3)];
      expect({ name, red: r! > 230 && g! < 30 && b! < 30 }).toEqual({ name, red: true });
    }
  });

  it('GET /rendered of a JPEG-LS instance answers 422 UNPROCESSABLE; with Accept: image/gif 406', async () => {
    const f = corpus.get('MR_small_jpeg_ls_lossless.dcm')!;
    const res = await fetchBytes(`${instancePath(f.study, f.series, f.sop)}/rendered`, 'image/png');
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('UNPROCESSABLE');
    expect((await fetchBytes(renderedPath(), 'image/gif')).status).toBe(406);
  });

  it('GET /rendered?window=40 and ?viewport=0,10 answer 400 VALIDATION_FAILED', async () => {
    expect((await fetchBytes(`${renderedPath()}?window=40`)).status).toBe(400);
    expect((await fetchBytes(`${renderedPath()}?window=40,0`)).status).toBe(400);
    expect((await fetchBytes(`${renderedPath()}?viewport=0,10`)).status).toBe(400);
    expect((await fetchBytes(`${renderedPath()}?window=40,80,cubic`)).status).toBe(400);
  });
});

describe('WADO-URI', () => {
  const uri = (extra = '') => {
    const i = ct.series[1]!.instances[0]!;
    return `/dicom-web/wado?requestType=WADO&studyUID=${ct.studyUid}&seriesUID=${ct.series[1]!.uid}&objectUID=${i.sopInstanceUid}${extra}`;
  };

  it('GET /dicom-web/wado?requestType=WADO… answers the Part 10 file as stored, by default and with contentType=application/dicom', async () => {
    for (const extra of ['', '&contentType=application%2Fdicom', '&contentType=application%2Fdicom&transferSyntax=1.2.840.10008.1.2.1']) {
      const res = await fetchBytes(uri(extra));
      expect(res.status).toBe(200);
      expect(res.type).toBe('application/dicom');
      expect(res.body.equals(ct.series[1]!.instances[0]!.bytes)).toBe(true);
    }
  });

  it('GET /dicom-web/wado with contentType=image/png answers the rendered frame, rows/columns as a viewport', async () => {
    const res = await fetchBytes(uri('&contentType=image%2Fpng&rows=32&columns=32&windowCenter=40&windowWidth=80'));
    expect(res.status).toBe(200);
    expect(res.type).toBe('image/png');
    const img = decodePng(res.body);
    expect([img.width, img.height]).toEqual([32, 32]);
    const jpg = await fetchBytes(uri('&contentType=image%2Fjpeg'));
    expect(jpg.type).toBe('image/jpeg');
  });

  const bad: Array<[string, string, number]> = [
    ['requestType=WADO&seriesUID=1.2.3&objectUID=1.2.3', 'no studyUID', 400],
    ['studyUID=1.2.3&seriesUID=1.2.3&objectUID=1.2.3', 'no requestType', 400],
    ['requestType=XYZ&studyUID=1.2.3&seriesUID=1.2.3&objectUID=1.2.3', 'another requestType', 400],
    ['requestType=WADO&studyUID=1.2.x&seriesUID=1.2.3&objectUID=1.2.3', 'an invalid UID', 400],
    ['requestType=WADO&studyUID=1.2.3&seriesUID=1.2.3&objectUID=1.2.3', 'an unknown instance', 404],
  ];
  for (const [query, what, status] of bad) {
    it(`GET /dicom-web/wado with ${what} answers ${status} with a code`, async () => {
      const res = await fetchBytes(`/dicom-web/wado?${query}`);
      expect(res.status).toBe(status);
      expect(res.json.error.code).toBe(status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED');
    });
  }

  it('GET /dicom-web/wado with contentType=text/html answers 406; windowCenter alone 400; another transferSyntax 406', async () => {
    expect((await fetchBytes(uri('&contentType=text%2Fhtml'))).status).toBe(406);
    const alone = await fetchBytes(uri('&contentType=image%2Fpng&windowCenter=40'));
    expect(alone.status).toBe(400);
    expect(alone.json.error.code).toBe('BAD_REQUEST');
    expect((await fetchBytes(uri('&transferSyntax=1.2.840.10008.1.2.4.50'))).status).toBe(406);
  });
});

describe('the pydicom corpus through every WADO-RS route', () => {
  it('metadata, frames and rendered of every accepted file answer 200, or 422 when it cannot be rendered, never 5xx', async () => {
    expect(corpus.size).toBeGreaterThan(25);
    const outcomes: Record<string, number[]> = {};
    for (const [name, f] of corpus) {
      const base = instancePath(f.study, f.series, f.sop);
      const statuses = [
        (await fetchBytes(`${base}/metadata`)).status,
        (await fetchBytes(`${base}/frames/1`, '*/*')).status,
        (await fetchBytes(`${base}/rendered`, 'image/png')).status,
        (await fetchBytes(base)).status,
      ];
      outcomes[name] = statuses;
    }
    for (const [name, [metadata, frames, rendered, file]] of Object.entries(outcomes)) {
      expect({ name, metadata, frames, file }).toEqual({ name, metadata: 200, frames: 200, file: 200 });
      expect({ name, rendered: [200, 422].includes(rendered!) }).toEqual({ name, rendered: true });
    }
    // What the server can render: native, deflated, RLE and JPEG baseline data.
    for (const name of ['CT_small.dcm', 'MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_RLE.dcm', 'image_dfl.dcm', 'SC_rgb_rle_2frame.dcm', 'SC_rgb_small_odd.dcm']) {
      expect({ name, rendered: outcomes[name]?.[2] }).toEqual({ name, rendered: 200 });
    }
  });
});

describe('WADO audit', () => {
  it('each retrieval leaves one dicom.retrieve entry on the study’s site with the UIDs asked for', async () => {
    const i = ct.series[0]!.instances[0]!;
    const mark = Number((await t.server.db.query<{ n: number }>('SELECT max(seq)::int AS n FROM audit_log')).rows[0]!.n);
    await fetchBytes(`/dicom-web/studies/${ct.studyUid}`);
    await fetchBytes(`${instancePath(ct.studyUid, ct.series[0]!.uid, i.sopInstanceUid)}/frames/1`);
    await fetchBytes(`/dicom-web/wado?requestType=WADO&studyUID=${ct.studyUid}&seriesUID=${ct.series[0]!.uid}&objectUID=${i.sopInstanceUid}`);
    const { rows } = await t.server.db.query<{ action: string; resource_id: string; site_id: string; details: Record<string, unknown>; actor_type: string }>(
      'SELECT action, resource_id, site_id, details, actor_type FROM audit_log WHERE seq > $1 ORDER BY seq',
      [mark],
    );
    const macon = (await t.server.db.query<{ id: string }>("SELECT id FROM sites WHERE code = 'MACON'")).rows[0]!.id;
    expect(rows.map((r) => [r.action, r.resource_id, r.site_id, r.actor_type])).toEqual([
      ['dicom.retrieve', ct.studyUid, macon, 'user'],
      ['dicom.retrieve', ct.studyUid, macon, 'user'],
      ['dicom.retrieve', ct.studyUid, macon, 'user'],
    ]);
    expect(rows.map((r) => r.details)).toEqual([
      { kind: 'study', instances: 7 },
      { kind: 'frames', seriesUid: ct.series[0]!.uid, sopInstanceUid: i.sopInstanceUid, instances: 1, frames: [1] },
      { kind: 'wado-uri', seriesUid: ct.series[0]!.uid, sopInstanceUid: i.sopInstanceUid, instances: 1 },
    ]);
  });

  it('a refused retrieval (404) leaves no entry', async () => {
    const mark = Number((await t.server.db.query<{ n: number }>('SELECT max(seq)::int AS n FROM audit_log')).rows[0]!.n);
    await fetchBytes(`/dicom-web/studies/1.2.3.4.5`);
    const { rows } = await t.server.db.query('SELECT 1 FROM audit_log WHERE seq > $1', [mark]);
    expect(rows).toHaveLength(0);
  });
});
