import { XSRF_COOKIE, XSRF_HEADER } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../auth/password';
import { insertUser } from '../../auth/user.repository';
import { findSiteByCode } from '../../sites/site.repository';
import { ApiClient, DEMO, startTestServer, TEST_DEMO_PASSWORD, type TestServer } from '../../testing';
import { generateStudy } from '../synthetic/synthetic';
import { createGatewayToken, multipartBody, postStow, stowContentType } from './stow.testing';

/**
 * The role × site matrix of STOW-RS, written out by hand. Instances go to a site the caller belongs to: a gateway
 * token's site, a user's only site, or the one named with ?site= among the user's own sites. Hub staff see the
 * remote sites (naming one answers 403, since they know it exists) but do not send for them; a site the caller
 * cannot see answers 404 like a site that does not exist.
 */
type Where = 'none' | 'DIJON' | 'MACON' | 'NEVERS' | 'NOWHERE';
const WHERE: Where[] = ['none', 'DIJON', 'MACON', 'NEVERS', 'NOWHERE'];

interface Caller {
  name: string;
  email?: string;
  token?: 'MACON' | 'NEVERS';
  /** Per ?site= value: the site the instance is stored under, or the refusal status. */
  expect: Record<Where, string | number>;
}

const ALL = (status: number): Record<Where, number> => ({ none: status, DIJON: status, MACON: status, NEVERS: status, NOWHERE: status });

const CALLERS: Caller[] = [
  { name: 'ward doctor at Mâcon', email: DEMO.wardMacon, expect: { none: 'MACON', DIJON: 404, MACON: 'MACON', NEVERS: 404, NOWHERE: 404 } },
  { name: 'ward doctor at Nevers', email: DEMO.wardNevers, expect: { none: 'NEVERS', DIJON: 404, MACON: 404, NEVERS: 'NEVERS', NOWHERE: 404 } },
  { name: 'ward doctor at Mâcon and Nevers', email: 'two.sites@test.invalid', expect: { none: 400, DIJON: 404, MACON: 'MACON', NEVERS: 'NEVERS', NOWHERE: 404 } },
  { name: 'radiologist at the Dijon hub', email: DEMO.radiologist, expect: { none: 'DIJON', DIJON: 'DIJON', MACON: 403, NEVERS: 403, NOWHERE: 404 } },
  { name: 'neurologist at the Dijon hub', email: DEMO.neurologist, expect: ALL(403) },
  { name: 'scheduler at the Dijon hub', email: DEMO.scheduler, expect: ALL(403) },
  { name: 'admin at the Dijon hub', email: DEMO.admin, expect: ALL(403) },
  { name: 'Mâcon gateway token', token: 'MACON', expect: { none: 'MACON', DIJON: 404, MACON: 'MACON', NEVERS: 404, NOWHERE: 404 } },
  { name: 'Nevers gateway token', token: 'NEVERS', expect: { none: 'NEVERS', DIJON: 404, MACON: 404, NEVERS: 'NEVERS', NOWHERE: 404 } },
  { name: 'anonymous', expect: ALL(401) },
];

describe('STOW-RS access matrix', () => {
  let t: TestServer;
  const headersOf = new Map<string, () => Record<string, string>>();

  beforeAll(async () => {
    t = await startTestServer();
    await insertUser(t.server.db, {
      email: 'two.sites@test.invalid',
      name: 'Dr Two Sites',
      role: 'ward_doctor',
      passwordHash: await hashPassword(TEST_DEMO_PASSWORD),
      siteIds: [(await findSiteByCode(t.server.db, 'MACON'))!.id, (await findSiteByCode(t.server.db, 'NEVERS'))!.id],
      isDemo: false,
    });
    for (const c of CALLERS) {
      if (c.token) {
        const token = await createGatewayToken(t.server.db, c.token);
        headersOf.set(c.name, () => ({ 'content-type': stowContentType(), authorization: `Bearer ${token}` }));
      } else if (c.email) {
        const client = new ApiClient(t.url);
        expect((await client.login(c.email)).status).toBe(200);
        headersOf.set(c.name, () => ({
          'content-type': stowContentType(),
          cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          [XSRF_HEADER]: client.cookies.get(XSRF_COOKIE)!,
        }));
      } else {
        headersOf.set(c.name, () => ({ 'content-type': stowContentType() }));
      }
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  async function siteOf(sop: string): Promise<string | null> {
    const { rows } = await t.server.db.query<{ code: string }>(
      `SELECT s.code FROM dicom_instances i JOIN dicom_series se ON se.id = i.series_ref
         JOIN dicom_studies st ON st.id = se.study_ref JOIN sites s ON s.id = st.site_id
        WHERE i.sop_instance_uid = $1`,
      [sop],
    );
    return rows[0]?.code ?? null;
  }

  for (const path of ['/dicom-web/studies', '/dicom-web/studies/{study}']) {
    for (const c of CALLERS) {
      it(`POST ${path} as ${c.name}: ${WHERE.map((w) => `${w}→${c.expect[w]}`).join(', ')}`, async () => {
        for (const where of WHERE) {
          const [instance] = [...generateStudy({ slices: 1, rows: 32, columns: 32 })];
          const url = `${t.url}${path.replace('{study}', instance!.studyInstanceUid)}${where === 'none' ? '' : `?site=${where}`}`;
          const res = await postStow(url, [multipartBody([instance!.bytes])], headersOf.get(c.name)!());
          const expected = c.expect[where];
          const got = res.status === 200 ? await siteOf(instance!.sopInstanceUid) : res.status;
          expect(got, `?site=${where}: ${JSON.stringify(res.body).slice(0, 200)}`).toBe(expected);
          if (res.status !== 200) {
            expect(typeof res.body?.error?.code, `?site=${where}`).toBe('string');
            expect(await siteOf(instance!.sopInstanceUid)).toBeNull();
          }
        }
      });
    }
  }

  it('POST as a ward doctor without the X-XSRF-Token header answers 403 CSRF_FAILED and stores nothing', async () => {
    const headers = headersOf.get('ward doctor at Mâcon')!();
    delete headers[XSRF_HEADER];
    const [instance] = [...generateStudy({ slices: 1, rows: 32, columns: 32 })];
    const res = await postStow(`${t.url}/dicom-web/studies`, [multipartBody([instance!.bytes])], headers);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('CSRF_FAILED');
    expect(await siteOf(instance!.sopInstanceUid)).toBeNull();
  });

  it('POST ?site= with a malformed site code answers 400 VALIDATION_FAILED', async () => {
    const [instance] = [...generateStudy({ slices: 1, rows: 32, columns: 32 })];
    const res = await postStow(`${t.url}/dicom-web/studies?site=macon`, [multipartBody([instance!.bytes])], headersOf.get('Mâcon gateway token')!());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});
