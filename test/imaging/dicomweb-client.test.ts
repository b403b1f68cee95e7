import { api } from 'dicomweb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, DEMO, startTestServer, type TestServer } from '@telestroke/server/testing';
import { pixelDataOf, storeSyntheticStudy, type StoredStudy } from '../../server/src/dicom/web/dicomweb.fixtures';

/**
 * dicomweb-client, the DICOMweb client of OHIF and dcmjs, as a third party against the server. It speaks through
 * XMLHttpRequest, which Node lacks: the adapter below carries its requests over fetch. It is a transport, not a
 * stand-in for the server: every answer is the server's own, parsed by dicomweb-client's own code.
 */
class FetchXMLHttpRequest {
  readyState = 0;
  status = 0;
  response: unknown = null;
  responseType: '' | 'arraybuffer' | 'json' | 'text' = '';
  withCredentials = false;
  onreadystatechange: (() => void) | null = null;
  onloadstart: (() => void) | null = null;
  onloadend: (() => void) | null = null;
  onprogress: (() => void) | null = null;
  #method = 'GET';
  #url = '';
  #headers: Record<string, string> = {};
  #responseHeaders = new Headers();

  open(method: string, url: string): void {
    this.#method = method.toUpperCase();
    this.#url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.#headers[name] = value;
  }

  getResponseHeader(name: string): string | null {
    return this.#responseHeaders.get(name);
  }

  getAllResponseHeaders(): string {
    return [...this.#responseHeaders].map(([k, v]) => `${k}: ${v}\r\n`).join('');
  }

  send(body?: RequestInit['body']): void {
    this.onloadstart?.();
    void (async () => {
      try {
        const res = await fetch(this.#url, { method: this.#method, headers: this.#headers, ...(body ? { body } : {}) });
        this.status = res.status;
        this.#responseHeaders = res.headers;
        const bytes = await res.arrayBuffer();
        if (this.responseType === 'arraybuffer') this.response = bytes;
        else if (this.responseType === 'json') {
          try {
            this.response = JSON.parse(Buffer.from(bytes).toString('utf8'));
          } catch {
            // A browser answers null for a body that is not JSON.
            this.response = null;
          }
        } else this.response = Buffer.from(bytes).toString('utf8');
      } catch {
        this.status = 0;
      }
      this.readyState = 4;
      this.onreadystatechange?.();
      this.onloadend?.();
    })();
  }
}
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = FetchXMLHttpRequest;

type Dataset = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>;

let t: TestServer;
let study: StoredStudy;
let maconToken: string;
let neversToken: string;
let cookie: string;

/**
 * The calls used here, with their options as dicomweb-client's JavaScript documents them: its bundled types mark
 * optional options (request, mediaTypes, singlepart…) as required.
 */
interface DicomwebClient {
  searchForStudies(options?: { queryParams?: Record<string, string> }): Promise<unknown>;
  searchForSeries(options: { studyInstanceUID: string }): Promise<unknown>;
  searchForInstances(options: { studyInstanceUID: string; seriesInstanceUID: string }): Promise<unknown>;
  retrieveStudyMetadata(options: { studyInstanceUID: string }): Promise<unknown>;
  retrieveInstanceMetadata(options: { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string }): Promise<unknown>;
  retrieveInstance(options: { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string }): Promise<unknown>;
  retrieveInstanceFrames(options: { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string; frameNumbers: number[] }): Promise<unknown>;
  retrieveBulkData(options: { BulkDataURI: string }): Promise<unknown>;
}

const client = (headers: Record<string, string>): DicomwebClient =>
  new api.DICOMwebClient({ url: `${t.url}/dicom-web`, headers, verbose: false } as ConstructorParameters<typeof api.DICOMwebClient>[0]) as unknown as DicomwebClient;

beforeAll(async () => {
  t = await startTestServer();
  study = await storeSyntheticStudy(t, 'MACON', { kind: 'ct+cta', slices: 3, rows: 64, columns: 64, patientId: 'DWC-1' });
  const admin = new ApiClient(t.url);
  expect((await admin.login(DEMO.admin)).status).toBe(200);
  maconToken = (await admin.post('/api/sites/MACON/tokens', { name: 'dicomweb-client' })).body.token;
  neversToken = (await admin.post('/api/sites/NEVERS/tokens', { name: 'dicomweb-client' })).body.token;
  const ward = new ApiClient(t.url);
  expect((await ward.login(DEMO.wardMacon)).status).toBe(200);
  cookie = [...ward.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
});
afterAll(() => t?.close());

describe('dicomweb-client against /dicom-web with the Mâcon gateway token', () => {
  const dw = () => client({ Authorization: `Bearer ${maconToken}` });

  it('searchForStudies({ PatientID }) finds the study with its RetrieveURL', async () => {
    const studies = (await dw().searchForStudies({ queryParams: { PatientID: 'DWC-1' } })) as Dataset[];
    expect(studies).toHaveLength(1);
    expect(studies[0]!['0020000D']!.Value).toEqual([study.studyUid]);
    expect(studies[0]!['00081190']!.Value).toEqual([`${t.url}/dicom-web/studies/${study.studyUid}`]);
  });

  it('searchForStudies() with no match answers []', async () => {
    expect(await dw().searchForStudies({ queryParams: { PatientID: 'nobody' } })).toEqual([]);
  });

  it('searchForSeries() and searchForInstances() list the two series and their three instances', async () => {
    const series = (await dw().searchForSeries({ studyInstanceUID: study.studyUid })) as Dataset[];
    expect(series.map((s) => s['0020000E']!.Value![0])).toEqual(study.series.map((s) => s.uid));
    const instances = (await dw().searchForInstances({ studyInstanceUID: study.studyUid, seriesInstanceUID: study.series[1]!.uid })) as Dataset[];
    expect(instances.map((i) => i['00080018']!.Value![0])).toEqual(study.series[1]!.instances.map((i) => i.sopInstanceUid));
  });

  it('retrieveStudyMetadata() answers six instances, each with a BulkDataURI for its pixel data', async () => {
    const metadata = (await dw().retrieveStudyMetadata({ studyInstanceUID: study.studyUid })) as Dataset[];
    expect(metadata).toHaveLength(6);
    for (const m of metadata) expect(m['7FE00010']!.BulkDataURI).toMatch(new RegExp(`/instances/${m['00080018']!.Value![0]}/frames/1$`));
  });

  it('retrieveInstance() answers the stored Part 10 file byte for byte', async () => {
    const i = study.series[0]!.instances[1]!;
    const file = await dw().retrieveInstance({ studyInstanceUID: study.studyUid, seriesInstanceUID: study.series[0]!.uid, sopInstanceUID: i.sopInstanceUid });
    expect(Buffer.from(file as ArrayBuffer).equals(i.bytes)).toBe(true);
  });

  it('retrieveInstanceFrames([1]) answers the native pixel bytes of the slice', async () => {
    const i = study.series[1]!.instances[2]!;
    const frames = (await dw().retrieveInstanceFrames({
      studyInstanceUID: study.studyUid,
      seriesInstanceUID: study.series[1]!.uid,
      sopInstanceUID: i.sopInstanceUid,
      frameNumbers: [1],
    })) as ArrayBuffer[];
    expect(frames).toHaveLength(1);
    expect(Buffer.from(frames[0]!).equals(pixelDataOf(i.bytes))).toBe(true);
  });

  it('retrieveBulkData() of a BulkDataURI answers the same frame', async () => {
    const i = study.series[0]!.instances[0]!;
    const [m] = (await dw().retrieveInstanceMetadata({
      studyInstanceUID: study.studyUid,
      seriesInstanceUID: study.series[0]!.uid,
      sopInstanceUID: i.sopInstanceUid,
    })) as Dataset[];
    const bulk = (await dw().retrieveBulkData({ BulkDataURI: m!['7FE00010']!.BulkDataURI! })) as ArrayBuffer[];
    expect(Buffer.from(bulk[0]!).equals(pixelDataOf(i.bytes))).toBe(true);
  });
});

describe('dicomweb-client with other credentials', () => {
  it('searchForStudies() with the Mâcon ward doctor’s session cookie finds the study', async () => {
    const studies = (await client({ cookie }).searchForStudies({ queryParams: { StudyInstanceUID: study.studyUid } })) as Dataset[];
    expect(studies).toHaveLength(1);
  });

  it('with the Nevers gateway token, searchForStudies() answers [] and retrieveStudyMetadata() rejects with 404', async () => {
    const nevers = client({ Authorization: `Bearer ${neversToken}` });
    expect(await nevers.searchForStudies({ queryParams: { StudyInstanceUID: study.studyUid } })).toEqual([]);
    await expect(nevers.retrieveStudyMetadata({ studyInstanceUID: study.studyUid })).rejects.toMatchObject({ status: 404 });
  });

  it('without credentials, searchForStudies() rejects with 401', async () => {
    await expect(client({}).searchForStudies()).rejects.toMatchObject({ status: 401 });
  });
});
