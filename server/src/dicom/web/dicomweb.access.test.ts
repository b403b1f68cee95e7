import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../../testing';
import { storeSyntheticStudy, type StoredStudy } from './dicomweb.fixtures';

/**
 * The role × site matrix of every QIDO-RS, WADO-RS and WADO-URI route, written out by hand: a study of each site,
 * and each caller must see exactly the studies of their visible sites; any other study answers 404 exactly as a
 * study that does not exist.
 */
const SITES = ['DIJON', 'MACON', 'NEVERS'] as const;
type Site = (typeof SITES)[number] | 'MISSING';

interface Caller {
  name: string;
  email?: string;
  token?: 'MACON' | 'NEVERS';
  /** null: refused before any study is looked at (401, 403). */
  visible: Site[] | null;
  refusal?: 401 | 403;
}

const CALLERS: Caller[] = [
  { name: 'ward doctor at Mâcon', email: DEMO.wardMacon, visible: ['MACON'] },
  { name: 'ward doctor at Nevers', email: DEMO.wardNevers, visible: ['NEVERS'] },
  { name: 'neurologist at the Dijon hub', email: DEMO.neurologist, visible: ['DIJON', 'MACON', 'NEVERS'] },
  { name: 'radiologist at the Dijon hub', email: DEMO.radiologist, visible: ['DIJON', 'MACON', 'NEVERS'] },
  { name: 'scheduler at the Dijon hub', email: DEMO.scheduler, visible: null, refusal: 403 },
  { name: 'admin at the Dijon hub', email: DEMO.admin, visible: null, refusal: 403 },
  { name: 'Mâcon gateway token', token: 'MACON', visible: ['MACON'] },
  { name: 'Nevers gateway token', token: 'NEVERS', visible: ['NEVERS'] },
  { name: 'anonymous', visible: null, refusal: 401 },
];

const MISSING = { studyUid: '1.2.3.4.5.6.7.8.9', seriesUid: '1.2.3.4.5.6.7.8.10', sopInstanceUid: '1.2.3.4.5.6.7.8.11' };

interface Target {
  studyUid: string;
  seriesUid: string;
  sopInstanceUid: string;
}

/** Every /dicom-web route but STOW-RS, by its OpenAPI path, with a request against one study. */
const STUDY_ROUTES: Array<{ path: string; url: (t: Target) => string; accept?: string }> = [
  { path: '/dicom-web/studies/{study}/series', url: (t) => `/dicom-web/studies/${t.studyUid}/series` },
  { path: '/dicom-web/studies/{study}/series/{series}/instances', url: (t) => `/dicom-web/studies/${t.studyUid}/series/${t.seriesUid}/instances` },
  { path: '/dicom-web/studies/{study}/instances', url: (t) => `/dicom-web/studies/${t.studyUid}/instances` },
  { path: '/dicom-web/studies/{study}', url: (t) => `/dicom-web/studies/${t.studyUid}` },
  { path: '/dicom-web/studies/{study}/series/{series}', url: (t) => `/dicom-web/studies/${t.studyUid}/series/${t.seriesUid}` },
  {
    path: '/dicom-web/studies/{study}/series/{series}/instances/{instance}',
    url: (t) => `/dicom-web/studies/${t.studyUid}/series/${t.seriesUid}/instances/${t.sopInstanceUid}`,
  },
  { path: '/dicom-web/studies/{study}/metadata', url: (t) => `/dicom-web/studies/${t.studyUid}/metadata` },
  { path: '/dicom-web/studies/{study}/series/{series}/metadata', url: (t) => `/dicom-web/studies/${t.studyUid}/series/${t.seriesUid}/metadata` },
  {
    path: '/dicom-web/studies/{study}/series/{series}/instances/{instance}/metadata',
    url: (t) => `/dicom-web/studies/${t.studyUid}/series/${t.seriesUid}/instances/${t.sopInstanceUid}/metadata`,
  },
  {
    path: '/dicom-web/studies/{study}/series/{series}/instances/{instance}/frames/{frames}',
    url: (t) => `/dicom-web/studies/${t.studyUid}/series/${t.seriesUid}/instances/${t.sopInstanceUid}/frames/1`,
  },
  {
    path: '/dicom-web/studies/{study}/series/{series}/instances/{instance}/rendered',
    url: (t) => `/dicom-web/studies/${t.studyUid}/series/${t.seriesUid}/instances/${t.sopInstanceUid}/rendered`,
  },
  {
    path: '/dicom-web/studies/{study}/series/{series}/instances/{instance}/frames/{frames}/rendered',
    url: (t) => `/dicom-web/studies/${t.studyUid}/series/${t.seriesUid}/instances/${t.sopInstanceUid}/frames/1/rendered`,
  },
  {
    path: '/dicom-web/wado',
    url: (t) => `/dicom-web/wado?requestType=WADO&studyUID=${t.studyUid}&seriesUID=${t.seriesUid}&objectUID=${t.sopInstanceUid}`,
  },
];

let t: TestServer;
const clients = new Map<string, ApiClient>();
const targets = new Map<Site, Target>();
const studies = new Map<Site, StoredStudy>();

beforeAll(async () => {
  t = await startTestServer();
  for (const site of SITES) {
    const study = await storeSyntheticStudy(t, site, { slices: 2, rows: 16, columns: 16 });
    studies.set(site, study);
    const series = study.series[0]!;
    targets.set(site, { studyUid: study.studyUid, seriesUid: series.uid, sopInstanceUid: series.instances[0]!.sopInstanceUid });
  }
  targets.set('MISSING', MISSING);
  const admin = new ApiClient(t.url);
  expect((await admin.login(DEMO.admin)).status).toBe(200);
  const tokens = {
    MACON: (await admin.post('/api/sites/MACON/tokens', { name: 'dicomweb matrix' })).body.token as string,
    NEVERS: (await admin.post('/api/sites/NEVERS/tokens', { name: 'dicomweb matrix' })).body.token as string,
  };
  for (const caller of CALLERS) {
    const c = new ApiClient(t.url);
    if (caller.email) expect((await c.login(caller.email)).status).toBe(200);
    if (caller.token) c.bearer = tokens[caller.token];
    clients.set(caller.name, c);
  }
});
afterAll(() => t.close());

describe('DICOMweb role × site access matrix', () => {
  for (const route of STUDY_ROUTES) {
    for (const caller of CALLERS) {
      it(`GET ${route.path} by the ${caller.name} answers as the policy says for each site's study`, async () => {
        const c = clients.get(caller.name)!;
        const missing = await c.get(route.url(targets.get('MISSING')!));
        for (const site of [...SITES, 'MISSING'] as const) {
          const res = await c.get(route.url(targets.get(site)!));
          const want = caller.visible === null ? caller.refusal! : caller.visible.includes(site as Site) ? 200 : 404;
          expect({ site, status: res.status }).toEqual({ site, status: want });
          if (want === 404) {
            // Outside the caller's sites answers byte for byte as a study that does not exist.
            expect({ site, body: res.body }).toEqual({ site, body: missing.body });
            expect(res.body.error.code).toBe('NOT_FOUND');
          } else if (want >= 400) {
            expect(res.body.error.code).toBe(want === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
          }
        }
      });
    }
  }

  for (const caller of CALLERS) {
    it(`GET /dicom-web/studies by the ${caller.name} lists exactly the studies of the visible sites`, async () => {
      const res = await clients.get(caller.name)!.get('/dicom-web/studies');
      if (caller.visible === null) {
        expect(res.status).toBe(caller.refusal);
        return;
      }
      expect(res.status).toBe(200);
      const uids = (res.body as Array<Record<string, { Value: string[] }>>).map((s) => s['0020000D']!.Value[0]).sort();
      expect(uids).toEqual(caller.visible.map((s) => studies.get(s)!.studyUid).sort());
    });
  }

  it('GET /dicom-web/studies?StudyInstanceUID= naming an invisible study by the Mâcon ward doctor answers []', async () => {
    const res = await clients.get('ward doctor at Mâcon')!.get(`/dicom-web/studies?StudyInstanceUID=${studies.get('NEVERS')!.studyUid}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it('GET on a series of a visible study but through another visible study answers 404', async () => {
    const macon = targets.get('MACON')!;
    const nevers = targets.get('NEVERS')!;
    const res = await clients.get('neurologist at the Dijon hub')!.get(`/dicom-web/studies/${macon.studyUid}/series/${nevers.seriesUid}/metadata`);
    expect(res.status).toBe(404);
  });

  it('every /dicom-web path of the OpenAPI document except STOW-RS is covered by this matrix', async () => {
    const doc = (await new ApiClient(t.url).get('/api/openapi.json')).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([p]) => p.startsWith('/dicom-web'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      // STOW-RS is the only POST under /dicom-web; its own tests cover its access.
      .filter((r) => !r.startsWith('POST '));
    const covered = new Set(['GET /dicom-web/studies', ...STUDY_ROUTES.map((r) => `GET ${r.path}`)]);
    expect(documented.filter((r) => !covered.has(r))).toEqual([]);
    expect(documented.length).toBe(covered.size);
  });
});
