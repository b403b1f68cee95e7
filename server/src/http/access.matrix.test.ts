import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password';
import { insertUser } from '../auth/user.repository';
import { insertAeTitle } from '../gateways/ae-title.repository';
import { insertToken } from '../gateways/token.repository';
import { findSiteByCode, insertSite } from '../sites/site.repository';
import { ApiClient, DEMO, startTestServer, TEST_DEMO_PASSWORD, type TestServer } from '../testing';

/**
 * The role × site matrix for every route of the foundation, written out by hand rather than derived from the
 * policy table, so that a change of policy shows up here as a failing expectation.
 */
const SITES = ['DIJON', 'MACON', 'NEVERS', 'LYON', 'BOURG', 'NOWHERE'] as const;
type Site = (typeof SITES)[number];

interface Caller {
  name: string;
  email?: string;
  role?: string;
  /** Sites this caller may see. */
  visible: Site[];
}

const CALLERS: Caller[] = [
  { name: 'ward doctor at Mâcon', email: DEMO.wardMacon, role: 'ward_doctor', visible: ['MACON'] },
  { name: 'ward doctor at Nevers', email: DEMO.wardNevers, role: 'ward_doctor', visible: ['NEVERS'] },
  { name: 'neurologist at the Dijon hub', email: DEMO.neurologist, role: 'neurologist', visible: ['DIJON', 'MACON', 'NEVERS'] },
  { name: 'radiologist at the Dijon hub', email: DEMO.radiologist, role: 'radiologist', visible: ['DIJON', 'MACON', 'NEVERS'] },
  { name: 'scheduler at the Dijon hub', email: DEMO.scheduler, role: 'scheduler', visible: ['DIJON', 'MACON', 'NEVERS'] },
  { name: 'admin at the Dijon hub', email: DEMO.admin, role: 'admin', visible: ['DIJON', 'MACON', 'NEVERS'] },
  { name: 'admin at Mâcon only', email: 'admin.macon@test.invalid', role: 'admin', visible: ['MACON'] },
  { name: 'admin at the Lyon hub', email: 'admin.lyon@test.invalid', role: 'admin', visible: ['LYON', 'BOURG'] },
  { name: 'Mâcon gateway token', role: 'gateway', visible: ['MACON'] },
  { name: 'anonymous', visible: [] },
];

interface SiteRoute {
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI path. */
  path: string;
  roles: string[];
  success: number;
  request: (site: Site) => Promise<{ method: string; url: string; json?: unknown; after?: () => Promise<boolean> }>;
}

let t: TestServer;
const clients = new Map<string, ApiClient>();
const siteIds = new Map<string, string>();

async function freshToken(site: Site) {
  const row = await insertToken(t.server.db, { siteId: siteIds.get(site)!, name: 'matrix', tokenHash: Math.random().toString(36).repeat(4), createdBy: null });
  return row.id;
}

const SITE_ROUTES: SiteRoute[] = [
  { method: 'GET', path: '/api/sites/{code}', roles: ['ward_doctor', 'neurologist', 'radiologist', 'scheduler', 'admin'], success: 200, request: async (s) => ({ method: 'GET', url: `/api/sites/${s}` }) },
  { method: 'GET', path: '/api/sites/{code}/users', roles: ['scheduler', 'admin'], success: 200, request: async (s) => ({ method: 'GET', url: `/api/sites/${s}/users` }) },
  { method: 'GET', path: '/api/sites/{code}/tokens', roles: ['admin'], success: 200, request: async (s) => ({ method: 'GET', url: `/api/sites/${s}/tokens` }) },
  {
    method: 'POST', path: '/api/sites/{code}/tokens', roles: ['admin'], success: 201,
    request: async (s) => ({ method: 'POST', url: `/api/sites/${s}/tokens`, json: { name: 'm' } }),
  },
  {
    method: 'DELETE', path: '/api/tokens/{id}', roles: ['admin'], success: 204,
    request: async (s) => {
      if (s === 'NOWHERE') return { method: 'DELETE', url: '/api/tokens/00000000-0000-4000-8000-000000000000' };
      const id = await freshToken(s);
      const revoked = async () =>
        (await t.server.db.query('SELECT 1 FROM api_tokens WHERE id = $1 AND revoked_at IS NOT NULL', [id])).rows.length === 1;
      return { method: 'DELETE', url: `/api/tokens/${id}`, after: revoked };
    },
  },
  { method: 'GET', path: '/api/sites/{code}/ae-titles', roles: ['admin'], success: 200, request: async (s) => ({ method: 'GET', url: `/api/sites/${s}/ae-titles` }) },
  {
    method: 'POST', path: '/api/sites/{code}/ae-titles', roles: ['admin'], success: 201,
    request: async (s) => ({ method: 'POST', url: `/api/sites/${s}/ae-titles`, json: { aeTitle: `M${Math.random().toString(36).slice(2, 12)}` } }),
  },
  {
    method: 'DELETE', path: '/api/ae-titles/{id}', roles: ['admin'], success: 204,
    request: async (s) => {
      if (s === 'NOWHERE') return { method: 'DELETE', url: '/api/ae-titles/00000000-0000-4000-8000-000000000000' };
      const ae = await insertAeTitle(t.server.db, siteIds.get(s)!, `D${Math.random().toString(36).slice(2, 12)}`);
      const gone = async () => (await t.server.db.query('SELECT 1 FROM ae_titles WHERE id = $1', [ae.id])).rows.length === 0;
      return { method: 'DELETE', url: `/api/ae-titles/${ae.id}`, after: gone };
    },
  },
  { method: 'GET', path: '/api/audit', roles: ['admin'], success: 200, request: async (s) => ({ method: 'GET', url: `/api/audit?siteCode=${s}` }) },
];

/** Routes that name no site: who gets in, by role. */
const GLOBAL_ROUTES: { method: string; path: string; roles: string[] | 'public'; success: number }[] = [
  { method: 'GET', path: '/healthz', roles: 'public', success: 200 },
  { method: 'GET', path: '/api/openapi.json', roles: 'public', success: 200 },
  { method: 'GET', path: '/api/me', roles: ['ward_doctor', 'neurologist', 'radiologist', 'scheduler', 'admin'], success: 200 },
  { method: 'GET', path: '/api/sites', roles: ['ward_doctor', 'neurologist', 'radiologist', 'scheduler', 'admin'], success: 200 },
  { method: 'GET', path: '/api/audit', roles: ['admin'], success: 200 },
];
/** Routes exercised by their own tests (auth.routes.test.ts), listed so the coverage check below knows them. */
const SCHEDULING_PATHS = ['/api/bookings', '/api/specialists', '/api/availability', '/api/rota', '/api/ics', '/ics/'];
const COVERED_ELSEWHERE = ['POST /api/auth/login', 'POST /api/auth/logout', 'POST /api/auth/totp/setup', 'POST /api/auth/totp/enable', 'POST /api/auth/totp/disable'];

function expected(caller: Caller, roles: string[], site: Site | null, success: number): number {
  if (!caller.role) return 401;
  if (!roles.includes(caller.role)) return 403;
  if (site !== null && !caller.visible.includes(site)) return 404;
  return success;
}

beforeAll(async () => {
  t = await startTestServer();
  const db = t.server.db;
  const dijon = (await findSiteByCode(db, 'DIJON'))!;
  const lyon = await insertSite(db, { code: 'LYON', name: 'HCL Lyon', kind: 'hub', hubId: null });
  await insertSite(db, { code: 'BOURG', name: 'CH Bourg', kind: 'remote', hubId: lyon });
  for (const code of SITES) {
    const site = await findSiteByCode(db, code);
    if (site) siteIds.set(code, site.id);
  }
  const passwordHash = await hashPassword(TEST_DEMO_PASSWORD);
  await insertUser(db, { email: 'admin.macon@test.invalid', name: 'Admin Mâcon', role: 'admin', passwordHash, siteIds: [siteIds.get('MACON')!] });
  await insertUser(db, { email: 'admin.lyon@test.invalid', name: 'Admin Lyon', role: 'admin', passwordHash, siteIds: [lyon] });
  expect(dijon.kind).toBe('hub');

  const admin = new ApiClient(t.url);
  await admin.login(DEMO.admin);
  const token = (await admin.post('/api/sites/MACON/tokens', { name: 'matrix gateway' })).body.token;
  for (const caller of CALLERS) {
    const c = new ApiClient(t.url);
    if (caller.email) expect((await c.login(caller.email)).status).toBe(200);
    if (caller.role === 'gateway') c.bearer = token;
    clients.set(caller.name, c);
  }
});
afterAll(() => t.close());

describe('role × site access matrix', () => {
  for (const route of SITE_ROUTES) {
    for (const caller of CALLERS) {
      it(`${route.method} ${route.path} by the ${caller.name} answers as the policy says for every site`, async () => {
        const c = clients.get(caller.name)!;
        for (const site of SITES) {
          const req = await route.request(site);
          const res = await c.request(req.method, req.url, req.json === undefined ? {} : { json: req.json });
          const want = expected(caller, route.roles, site, route.success);
          expect({ site, status: res.status }).toEqual({ site, status: want });
          if (want >= 400) expect(res.body.error.code).toBeTypeOf('string');
          // A refused change must leave the data as it was; an accepted one must have happened.
          if (req.after) expect({ site, changed: await req.after() }).toEqual({ site, changed: want < 400 });
        }
      });
    }
  }

  for (const route of GLOBAL_ROUTES) {
    for (const caller of CALLERS) {
      it(`${route.method} ${route.path} by the ${caller.name} answers as the policy says`, async () => {
        const res = await clients.get(caller.name)!.request(route.method, route.path);
        const want = route.roles === 'public' ? route.success : expected(caller, route.roles, null, route.success);
        expect(res.status).toBe(want);
      });
    }
  }

  it('GET /api/sites lists exactly the visible sites of each user', async () => {
    for (const caller of CALLERS.filter((c) => c.email)) {
      const res = await clients.get(caller.name)!.get('/api/sites');
      expect({ who: caller.name, sites: res.body.map((s: { code: string }) => s.code).sort() }).toEqual({
        who: caller.name,
        sites: [...caller.visible].sort(),
      });
    }
  });

  it('GET /api/audit without a site returns entries of visible sites only', async () => {
    const res = await clients.get('admin at Mâcon only')!.get('/api/audit?limit=500');
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(0);
    expect(new Set(res.body.map((e: { siteCode: string }) => e.siteCode))).toEqual(new Set(['MACON']));
  });

  it('every route in the OpenAPI document outside /dicom-web and /api/consults is covered by this matrix', async () => {
    const doc = (await new ApiClient(t.url).get('/api/openapi.json')).body;
    // DICOMweb routes are scoped by study rather than by a site in the path: dicom/**/*.access.test.ts covers them.
    // Consult routes are scoped by consult and participant: consult/consult.access.test.ts covers them.
    // Worklist routes are scoped by read request and claim: worklist/worklist.access.test.ts covers them.
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([p]) => !p.startsWith('/dicom-web') && !p.startsWith('/api/consults') && !p.startsWith('/api/worklist'))
      // Scheduling routes are scoped by booking, specialist and hub: scheduling/scheduling.access.test.ts covers them.
      .filter(([p]) => !SCHEDULING_PATHS.some((prefix) => p.startsWith(prefix)))
      // Stroke case routes are scoped by case and participant: cases/case.access.test.ts covers them.
      .filter(([p]) => !p.startsWith('/api/cases'))
      // Thrombolysis and metrics routes: thrombolysis/thrombolysis.routes.test.ts and metrics/metrics.routes.test.ts.
      .filter(([p]) => !p.startsWith('/api/thrombolysis') && !p.startsWith('/api/metrics'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const covered = new Set([
      ...SITE_ROUTES.map((r) => `${r.method} ${r.path}`),
      ...GLOBAL_ROUTES.map((r) => `${r.method} ${r.path}`),
      ...COVERED_ELSEWHERE,
    ]);
    expect(documented.filter((r) => !covered.has(r))).toEqual([]);
  });
});
