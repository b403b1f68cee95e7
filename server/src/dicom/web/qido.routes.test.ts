import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../../testing';
import { storeFile, storeSyntheticStudy, type StoredStudy } from './dicomweb.fixtures';
import { parseQidoQuery } from './qido.query';
import { QidoService } from './qido.service';

const MR_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm';
const MR_SMALL_STUDY = '1.3.6.1.4.1.5962.1.2.4.20040826185059.5457';

type Dataset = Record<string, { vr: string; Value?: unknown[] }>;

let t: TestServer;
let ward: ApiClient;
let neuro: ApiClient;
const s: Record<'A' | 'B' | 'C' | 'E', StoredStudy> = {} as never;

/** Study UIDs of an answer, sorted. */
function uids(body: Dataset[]): string[] {
  return body.map((d) => d['0020000D']!.Value![0] as string).sort();
}
function sortedUids(...names: Array<'A' | 'B' | 'C' | 'E' | 'MR'>): string[] {
  return names.map((n) => (n === 'MR' ? MR_SMALL_STUDY : s[n].studyUid)).sort();
}

beforeAll(async () => {
  t = await startTestServer();
  // Stored oldest first: QIDO lists the most recently received first.
  s.C = await storeSyntheticStudy(t, 'MACON', {
    patientName: 'MARTIN^Éloïse', patientId: 'P-3', studyDateTime: new Date(2025, 11, 20, 9, 0), accessionNumber: 'ACC3',
  });
  expect((await storeFile(t, 'MACON', readFileSync(MR_SMALL))).status).toBe('stored');
  s.B = await storeSyntheticStudy(t, 'MACON', {
    patientName: 'DUPOND^Jean', patientId: 'SYN-000002', studyDateTime: new Date(2026, 0, 31, 8, 0), accessionNumber: 'ACC2',
  });
  s.A = await storeSyntheticStudy(t, 'MACON', {
    kind: 'ct+cta', patientName: 'DUPONT^Hélène', patientId: 'SYN-000001', studyDateTime: new Date(2026, 0, 15, 10, 30), accessionNumber: 'ACC1',
  });
  // The same name at another site: never in a Mâcon ward doctor's answers.
  s.E = await storeSyntheticStudy(t, 'NEVERS', { patientName: 'DUPONT^Hélène', patientId: 'N-1', studyDateTime: new Date(2026, 0, 15, 11, 0) });
  ward = new ApiClient(t.url);
  expect((await ward.login(DEMO.wardMacon)).status).toBe(200);
  neuro = new ApiClient(t.url);
  expect((await neuro.login(DEMO.neurologist)).status).toBe(200);
});
afterAll(() => t.close());

describe('QIDO-RS GET /dicom-web/studies matching', () => {
  const cases: Array<[string, Array<'A' | 'B' | 'C' | 'MR'>]> = [
    ['PatientName=dupont', ['A']],
    ['PatientName=DUP*', ['A', 'B']],
    ['PatientName=dupon%3F', ['A', 'B']],
    ['PatientName=helene', ['A']],
    ['PatientName=H%C3%A9L%C3%88NE', ['A']],
    ['PatientName=*%C3%A9lo%C3%AFse', ['C']],
    ['PatientName=DUPONT%5EHELENE', ['A']],
    ['PatientName=DUPONT%5EJEAN', []],
    ['PatientName=*', ['A', 'B', 'C', 'MR']],
    ['PatientID=SYN-000002', ['B']],
    ['00100020=SYN-000002', ['B']],
    ['PatientID=SYN-*', ['A', 'B']],
    ['PatientID=syn-000002', []],
    ['StudyDate=20260115', ['A']],
    ['StudyDate=20260101-20260131', ['A', 'B']],
    ['StudyDate=-20251231', ['C', 'MR']],
    ['StudyDate=20260116-', ['B']],
    ['00080020=20251201-20251231', ['C']],
    ['StudyTime=10-11', ['A']],
    ['AccessionNumber=ACC2', ['B']],
    ['ModalitiesInStudy=MR', ['MR']],
    ['ModalitiesInStudy=CT,MR', ['A', 'B', 'C', 'MR']],
    ['ModalitiesInStudy=CT%5CMR', ['A', 'B', 'C', 'MR']],
    ['ModalitiesInStudy=US', []],
    ['StudyDescription=*ANGIO*', []],
    ['StudyDescription=*avec injection*', ['A']],
    ['PatientName=dup*&StudyDate=20260120-', ['B']],
  ];
  for (const [query, want] of cases) {
    it(`?${decodeURIComponent(query)} by the Mâcon ward doctor answers ${want.length ? want.join(', ') : 'nothing'}`, async () => {
      const res = await ward.get(`/dicom-web/studies?${query}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/dicom\+json/);
      expect(uids(res.body)).toEqual(sortedUids(...want));
    });
  }

  it('?StudyInstanceUID=a,b and repeated StudyInstanceUID keys both answer the two studies', async () => {
    const listed = await ward.get(`/dicom-web/studies?StudyInstanceUID=${s.A.studyUid},${s.B.studyUid}`);
    expect(uids(listed.body)).toEqual(sortedUids('A', 'B'));
    const repeated = await ward.get(`/dicom-web/studies?StudyInstanceUID=${s.A.studyUid}&StudyInstanceUID=${s.C.studyUid}`);
    expect(uids(repeated.body)).toEqual(sortedUids('A', 'C'));
  });

  it('?PatientName=dupont by the hub neurologist finds both sites’ patients', async () => {
    const res = await neuro.get('/dicom-web/studies?PatientName=dupont');
    expect(uids(res.body)).toEqual(sortedUids('A', 'E'));
  });

  it('?limit and ?offset page through the studies, most recently received first', async () => {
    const all = (await ward.get('/dicom-web/studies')).body as Dataset[];
    expect(all.map((d) => d['0020000D']!.Value![0])).toEqual([s.A.studyUid, s.B.studyUid, MR_SMALL_STUDY, s.C.studyUid]);
    const first = (await ward.get('/dicom-web/studies?limit=2')).body as Dataset[];
    const second = (await ward.get('/dicom-web/studies?limit=2&offset=2')).body as Dataset[];
    const beyond = await ward.get('/dicom-web/studies?offset=10');
    expect([...first, ...second]).toEqual(all);
    expect(beyond.status).toBe(200);
    expect(beyond.body).toEqual([]);
  });

  it('a study answer carries ModalitiesInStudy, the related counts and RetrieveURL', async () => {
    const [a] = (await ward.get(`/dicom-web/studies?StudyInstanceUID=${s.A.studyUid}`)).body as Dataset[];
    expect(a!['00080061']).toEqual({ vr: 'CS', Value: ['CT'] });
    expect(a!['00201206']).toEqual({ vr: 'IS', Value: [2] });
    expect(a!['00201208']).toEqual({ vr: 'IS', Value: [6] });
    expect(a!['00081190']!.Value![0]).toBe(`${t.url}/dicom-web/studies/${s.A.studyUid}`);
    expect(a!['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'DUPONT^Hélène' }] });
  });

  it('?includefield=PatientAge,00181030 and an empty InstitutionName= add attributes read from an instance', async () => {
    const [a] = (await ward.get(`/dicom-web/studies?StudyInstanceUID=${s.A.studyUid}&includefield=PatientAge,00181030&InstitutionName=`)).body as Dataset[];
    expect(a!['00101010']?.vr).toBe('AS');
    expect(a!['00181030']).toEqual({ vr: 'LO', Value: ['AVC urgence'] });
    expect(a!['00080080']).toEqual({ vr: 'LO', Value: ['CH Mâcon'] });
  });

  const refused: Array<[string, string]> = [
    ['Foo=1', 'an unknown key'],
    ['PatientNmae=x', 'a misspelt keyword'],
    ['0010002=x', 'a 7-digit tag'],
    ['StudyDate=2026-01-01', 'a dashed date'],
    ['StudyDate=20261301', 'month 13'],
    ['StudyDate=-', 'a range without bounds'],
    ['limit=0', 'limit 0'],
    ['limit=abc', 'a non-numeric limit'],
    ['offset=-1', 'a negative offset'],
    ['SeriesInstanceUID=1.2.3', 'a series attribute at the study level'],
    ['InstitutionName=CH', 'an attribute that cannot be matched'],
    ['StudyInstanceUID=1.2.x', 'an invalid UID'],
    ['includefield=NotAKeyword', 'an unknown includefield'],
    ['PatientID=a&PatientID=b', 'a repeated single-valued key'],
  ];
  for (const [query, what] of refused) {
    it(`?${query} (${what}) answers 400 VALIDATION_FAILED naming the key`, async () => {
      const res = await ward.get(`/dicom-web/studies?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    });
  }

  it('with Accept: application/dicom+xml answers 406 NOT_ACCEPTABLE', async () => {
    const res = await ward.request('GET', '/dicom-web/studies', { headers: { accept: 'application/dicom+xml' } });
    expect(res.status).toBe(406);
    expect(res.body.error.code).toBe('NOT_ACCEPTABLE');
  });
});

describe('QIDO-RS series and instances', () => {
  it('GET /studies/{A}/series lists both series in SeriesNumber order with their instance counts', async () => {
    const res = await ward.get(`/dicom-web/studies/${s.A.studyUid}/series`);
    expect(res.status).toBe(200);
    const body = res.body as Dataset[];
    expect(body.map((d) => d['0020000E']!.Value![0])).toEqual(s.A.series.map((x) => x.uid));
    expect(body.map((d) => d['00200011']!.Value![0])).toEqual([2, 3]);
    expect(body.map((d) => d['00201209']!.Value![0])).toEqual([3, 3]);
    expect(body[1]!['00081190']!.Value![0]).toBe(`${t.url}/dicom-web/studies/${s.A.studyUid}/series/${s.A.series[1]!.uid}`);
  });

  it('GET /studies/{A}/series?SeriesNumber=3, ?SeriesDescription=*angio* and ?Modality=CT select as asked', async () => {
    const one = async (q: string) => ((await ward.get(`/dicom-web/studies/${s.A.studyUid}/series?${q}`)).body as Dataset[]).map((d) => d['0020000E']!.Value![0]);
    expect(await one('SeriesNumber=3')).toEqual([s.A.series[1]!.uid]);
    expect(await one('SeriesDescription=*angio*')).toEqual([s.A.series[1]!.uid]);
    expect(await one('Modality=CT')).toEqual(s.A.series.map((x) => x.uid));
    expect(await one('Modality=MR')).toEqual([]);
  });

  it('GET /studies/{A}/series/{cta}/instances answers Rows, Columns, NumberOfFrames… and pages with limit/offset', async () => {
    const series = s.A.series[1]!;
    const res = await ward.get(`/dicom-web/studies/${s.A.studyUid}/series/${series.uid}/instances`);
    const body = res.body as Dataset[];
    expect(body.map((d) => d['00080018']!.Value![0])).toEqual(series.instances.map((i) => i.sopInstanceUid));
    expect(body[0]).toMatchObject({
      '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
      '00200013': { vr: 'IS', Value: [1] },
      '00280010': { vr: 'US', Value: [32] },
      '00280011': { vr: 'US', Value: [32] },
      '00280100': { vr: 'US', Value: [16] },
      '00083002': { vr: 'UI', Value: ['1.2.840.10008.1.2.1'] },
    });
    expect(body[0]!['00081190']!.Value![0]).toBe(
      `${t.url}/dicom-web/studies/${s.A.studyUid}/series/${series.uid}/instances/${series.instances[0]!.sopInstanceUid}`,
    );
    const paged = (await ward.get(`/dicom-web/studies/${s.A.studyUid}/series/${series.uid}/instances?limit=1&offset=1`)).body as Dataset[];
    expect(paged.map((d) => d['00200013']!.Value![0])).toEqual([2]);
    const byNumber = (await ward.get(`/dicom-web/studies/${s.A.studyUid}/series/${series.uid}/instances?InstanceNumber=3`)).body as Dataset[];
    expect(byNumber.map((d) => d['00080018']!.Value![0])).toEqual([series.instances[2]!.sopInstanceUid]);
  });

  it('GET /studies/{A}/instances answers the instances of both series, with their series attributes', async () => {
    const res = await ward.get(`/dicom-web/studies/${s.A.studyUid}/instances?SOPInstanceUID=${s.A.series[1]!.instances[0]!.sopInstanceUid}`);
    const body = res.body as Dataset[];
    expect(body).toHaveLength(1);
    expect(body[0]!['00080060']).toEqual({ vr: 'CS', Value: ['CT'] });
    expect(body[0]!['0020000E']!.Value![0]).toBe(s.A.series[1]!.uid);
    const all = (await ward.get(`/dicom-web/studies/${s.A.studyUid}/instances`)).body as Dataset[];
    expect(all).toHaveLength(6);
  });

  it('GET /studies/{A}/instances?includefield=all carries the whole instance metadata', async () => {
    const body = (await ward.get(`/dicom-web/studies/${s.A.studyUid}/instances?limit=1&includefield=all`)).body as Dataset[];
    expect(body[0]!['00180050']?.vr).toBe('DS');
    expect(body[0]!['00281050']?.vr).toBe('DS');
    expect(body[0]!['7FE00010']).toBeUndefined();
  });

  it('GET /studies/{unknown}/series and /studies/{A}/series/{unknown}/instances answer 404 NOT_FOUND', async () => {
    const study = await ward.get('/dicom-web/studies/1.2.3.999/series');
    expect(study.status).toBe(404);
    expect(study.body.error.code).toBe('NOT_FOUND');
    const series = await ward.get(`/dicom-web/studies/${s.A.studyUid}/series/1.2.3.999/instances`);
    expect(series.status).toBe(404);
  });

  it('GET /studies/{A}/series?Modality=MR answers 200 [] for a visible study', async () => {
    const res = await ward.get(`/dicom-web/studies/${s.A.studyUid}/series?Modality=MR`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it('GET /studies/{bad uid}/series answers 400 VALIDATION_FAILED', async () => {
    const res = await ward.get('/dicom-web/studies/1.2.03/series');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('QidoService limits', () => {
  it('search() past the server maximum without a limit answers the maximum and says it was truncated', async () => {
    const qido = new QidoService(t.server.db, { maxResults: { instance: 4 } });
    const macon = (await t.server.db.query<{ id: string }>("SELECT id FROM sites WHERE code = 'MACON'")).rows[0]!.id;
    const scope = { siteIds: [macon], studyUid: s.A.studyUid, base: 'http://x/dicom-web' };
    const cut = await qido.search(parseQidoQuery('instance', {}), scope);
    expect([cut.results.length, cut.truncated]).toEqual([4, true]);
    const asked = await qido.search(parseQidoQuery('instance', { limit: '3' }), scope);
    expect([asked.results.length, asked.truncated]).toEqual([3, false]);
    const all = await qido.search(parseQidoQuery('instance', {}), { ...scope, studyUid: s.B.studyUid });
    expect([all.results.length, all.truncated]).toEqual([3, false]);
  });
});

describe('QIDO-RS audit', () => {
  it('every query leaves a dicom.query entry with its level, matched keywords and count, never the values', async () => {
    const before = Number((await t.server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'dicom.query'")).rows[0]!.n);
    await ward.get('/dicom-web/studies?PatientName=H%C3%A9l%C3%A8ne&PatientID=SYN-000001');
    await ward.get(`/dicom-web/studies/${s.A.studyUid}/series`);
    const { rows } = await t.server.db.query<{ actor_id: string; details: Record<string, unknown>; resource_id: string | null }>(
      "SELECT actor_id, details, resource_id FROM audit_log WHERE action = 'dicom.query' ORDER BY seq",
    );
    expect(rows.length).toBe(before + 2);
    const [search, series] = rows.slice(-2);
    expect(search!.details).toEqual({ level: 'study', matchedOn: ['PatientName', 'PatientID'], results: 1 });
    expect(series!.details).toMatchObject({ level: 'series', studyUid: s.A.studyUid, results: 2 });
    expect(series!.resource_id).toBe(s.A.studyUid);
    const all = JSON.stringify(rows);
    for (const secret of ['DUPONT', 'Hélène', 'elene', 'SYN-000001', 'MARTIN']) expect(all).not.toContain(secret);
  });
});
