import type { ReadRequestDto } from '@telestroke/shared';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSite } from '../sites/site.repository';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';
import { addUser, createGatewayToken, login, requestOfStudy, stowStudy, strokeFindings } from './worklist.testing';

/**
 * The role × site × claim matrix of every worklist route, written out by hand rather than derived from the policy, so
 * that a change of policy shows up here as a failing expectation:
 *
 * - roles: ward doctors read (their own site), neurologists and radiologists read, claim and report; schedulers,
 *   admins and gateway tokens get 403, anonymous callers 401;
 * - sites: a request of a site the caller does not see answers 404, exactly like one that does not exist;
 * - claim: releasing, saving and signing the report are for the reader holding the request (409 NOT_CLAIMED_BY_YOU).
 */
type Target = 'MACON' | 'NEVERS' | 'MISSING';
const TARGETS: Target[] = ['MACON', 'NEVERS', 'MISSING'];
type Role = 'ward_doctor' | 'neurologist' | 'radiologist' | 'scheduler' | 'admin' | 'gateway';

interface Caller {
  name: string;
  email?: string;
  role?: Role;
  /** Sites whose requests the caller sees. */
  visible: string[];
  /** Holds every claimed test request. */
  claimer?: boolean;
}

const CALLERS: Caller[] = [
  { name: 'ward doctor at Mâcon', email: DEMO.wardMacon, role: 'ward_doctor', visible: ['MACON'] },
  { name: 'ward doctor at Nevers', email: DEMO.wardNevers, role: 'ward_doctor', visible: ['NEVERS'] },
  { name: 'claiming neurologist at the Dijon hub', email: DEMO.neurologist, role: 'neurologist', visible: ['MACON', 'NEVERS'], claimer: true },
  { name: 'other neurologist at the Dijon hub', email: 'neurologue.2@test.invalid', role: 'neurologist', visible: ['MACON', 'NEVERS'] },
  { name: 'radiologist at the Dijon hub', email: DEMO.radiologist, role: 'radiologist', visible: ['MACON', 'NEVERS'] },
  { name: 'neurologist at the Lyon hub', email: 'neurologue.lyon@test.invalid', role: 'neurologist', visible: ['BOURG'] },
  { name: 'scheduler at the Dijon hub', email: DEMO.scheduler, role: 'scheduler', visible: ['MACON', 'NEVERS'] },
  { name: 'admin at the Dijon hub', email: DEMO.admin, role: 'admin', visible: ['MACON', 'NEVERS'] },
  { name: 'Mâcon gateway token', role: 'gateway', visible: ['MACON'] },
  { name: 'anonymous', visible: [] },
];

const READ: Role[] = ['ward_doctor', 'neurologist', 'radiologist'];
const READERS: Role[] = ['neurologist', 'radiologist'];

interface WorklistRoute {
  method: 'GET' | 'POST' | 'PUT';
  /** OpenAPI path. */
  path: string;
  roles: Role[];
  /** Beyond seeing the request: 'claimer' routes are for the reader holding it. */
  scope: 'viewer' | 'claimer';
  state: 'open' | 'claimed' | 'reported';
  success: number;
  call: (id: string) => { method: string; url: string; json?: unknown };
  changed?: (id: string) => Promise<boolean>;
}

let t: TestServer;
const clients = new Map<string, ApiClient>();
const tokens = new Map<string, string>();
let claimer: ApiClient;
let radiologistId: string;

const one = async (sql: string, id: string) => (await t.server.db.query(sql, [id])).rows.length === 1;

const ROUTES: WorklistRoute[] = [
  { method: 'GET', path: '/api/worklist/{id}', roles: READ, scope: 'viewer', state: 'open', success: 200, call: (id) => ({ method: 'GET', url: `/api/worklist/${id}` }) },
  {
    method: 'POST', path: '/api/worklist/{id}/claim', roles: READERS, scope: 'viewer', state: 'open', success: 200,
    call: (id) => ({ method: 'POST', url: `/api/worklist/${id}/claim` }),
    changed: (id) => one(`SELECT 1 FROM read_requests WHERE id = $1 AND status = 'claimed'`, id),
  },
  {
    method: 'POST', path: '/api/worklist/{id}/release', roles: READERS, scope: 'claimer', state: 'claimed', success: 200,
    call: (id) => ({ method: 'POST', url: `/api/worklist/${id}/release` }),
    changed: (id) => one(`SELECT 1 FROM read_requests WHERE id = $1 AND claimed_by IS NULL`, id),
  },
  {
    method: 'POST', path: '/api/worklist/{id}/reassign', roles: READERS, scope: 'viewer', state: 'claimed', success: 200,
    call: (id) => ({ method: 'POST', url: `/api/worklist/${id}/reassign`, json: { userId: radiologistId } }),
    changed: (id) => one(`SELECT 1 FROM read_requests r JOIN users u ON u.id = r.claimed_by WHERE r.id = $1 AND u.role = 'radiologist'`, id),
  },
  {
    method: 'PUT', path: '/api/worklist/{id}/report', roles: READERS, scope: 'claimer', state: 'claimed', success: 200,
    call: (id) => ({ method: 'PUT', url: `/api/worklist/${id}/report`, json: { lvo: 'M1' } }),
    changed: (id) => one('SELECT 1 FROM read_reports WHERE request_id = $1', id),
  },
  {
    method: 'POST', path: '/api/worklist/{id}/report/sign', roles: READERS, scope: 'claimer', state: 'claimed', success: 200,
    call: (id) => ({ method: 'POST', url: `/api/worklist/${id}/report/sign`, json: strokeFindings() }),
    changed: (id) => one(`SELECT 1 FROM read_requests WHERE id = $1 AND status = 'reported'`, id),
  },
  {
    method: 'POST', path: '/api/worklist/{id}/report/addenda', roles: READERS, scope: 'viewer', state: 'reported', success: 201,
    call: (id) => ({ method: 'POST', url: `/api/worklist/${id}/report/addenda`, json: { text: 'matrice' } }),
    changed: (id) => one('SELECT 1 FROM read_report_addenda WHERE request_id = $1', id),
  },
  { method: 'GET', path: '/api/worklist/{id}/report.pdf', roles: READ, scope: 'viewer', state: 'reported', success: 200, call: (id) => ({ method: 'GET', url: `/api/worklist/${id}/report.pdf` }) },
];

function expected(caller: Caller, route: WorklistRoute, target: Target): number {
  if (!caller.role) return 401;
  if (!route.roles.includes(caller.role)) return 403;
  if (target === 'MISSING' || !caller.visible.includes(target)) return 404;
  if (route.scope === 'claimer' && !caller.claimer) return 409;
  return route.success;
}

/** A fresh request of the target site in the state the route needs. */
async function requestFor(target: Target, state: WorklistRoute['state']): Promise<string> {
  if (target === 'MISSING') return randomUUID();
  const { id } = await requestOfStudy(t.server.db, await stowStudy(t, { token: tokens.get(target)! }));
  if (state !== 'open') expect((await claimer.post(`/api/worklist/${id}/claim`)).status).toBe(200);
  if (state === 'reported') expect((await claimer.post(`/api/worklist/${id}/report/sign`, strokeFindings())).status).toBe(200);
  return id;
}

beforeAll(async () => {
  t = await startTestServer({ STUDY_QUIET_SECONDS: '0.3' });
  const lyon = await insertSite(t.server.db, { code: 'LYON', name: 'HCL Lyon', kind: 'hub', hubId: null });
  await insertSite(t.server.db, { code: 'BOURG', name: 'CH Bourg', kind: 'remote', hubId: lyon });
  await addUser(t, { email: 'neurologue.2@test.invalid', name: 'Dr Neurologue 2', role: 'neurologist', sites: ['DIJON'] });
  await addUser(t, { email: 'neurologue.lyon@test.invalid', name: 'Dr Neurologue Lyon', role: 'neurologist', sites: ['LYON'] });
  for (const site of ['MACON', 'NEVERS', 'BOURG']) tokens.set(site, await createGatewayToken(t.server.db, site));
  for (const caller of CALLERS) {
    const c = caller.email ? await login(t, caller.email) : new ApiClient(t.url);
    if (caller.role === 'gateway') c.bearer = tokens.get('MACON')!;
    clients.set(caller.name, c);
  }
  claimer = clients.get('claiming neurologist at the Dijon hub')!;
  radiologistId = (await clients.get('radiologist at the Dijon hub')!.get('/api/me')).body.user.id;
  // Every site has requests for the list checks.
  for (const site of ['MACON', 'NEVERS', 'BOURG']) await requestOfStudy(t.server.db, await stowStudy(t, { token: tokens.get(site)! }));
});
afterAll(() => t?.close());

describe('worklist role × site × claim access matrix', () => {
  for (const route of ROUTES) {
    for (const caller of CALLERS) {
      it(`${route.method} ${route.path} by the ${caller.name} answers as the policy says for every request`, async () => {
        const c = clients.get(caller.name)!;
        for (const target of TARGETS) {
          const id = await requestFor(target, route.state);
          const req = route.call(id);
          const res = await c.request(req.method, req.url, req.json === undefined ? {} : { json: req.json });
          const want = expected(caller, route, target);
          expect({ target, status: res.status }).toEqual({ target, status: want });
          if (want >= 400) expect(res.body.error.code).toBeTypeOf('string');
          if (want === 409) expect(res.body.error.code).toBe('NOT_CLAIMED_BY_YOU');
          // A refused call reveals nothing of the request; a refused change leaves it as it was.
          if (want >= 400) expect(JSON.stringify(res.body)).not.toMatch(/SYN-\d/);
          if (route.changed && target !== 'MISSING') {
            expect({ target, changed: await route.changed(id) }).toEqual({ target, changed: want < 400 });
          }
        }
      });
    }
  }

  for (const caller of CALLERS) {
    it(`GET /api/worklist by the ${caller.name} lists exactly the requests of the sites they see`, async () => {
      const res = await clients.get(caller.name)!.get<ReadRequestDto[]>('/api/worklist?limit=500');
      const want = !caller.role ? 401 : READ.includes(caller.role) ? 200 : 403;
      expect(res.status).toBe(want);
      if (want !== 200) return;
      expect(new Set(res.body.map((x) => x.siteCode))).toEqual(new Set(caller.visible));
    });

    it(`GET /api/worklist/readers by the ${caller.name} lists the readers of their own hub only`, async () => {
      const res = await clients.get(caller.name)!.get<{ hubCode: string }[]>('/api/worklist/readers');
      const want = !caller.role ? 401 : READERS.includes(caller.role) ? 200 : 403;
      expect(res.status).toBe(want);
      if (want !== 200) return;
      expect(new Set(res.body.map((x) => x.hubCode))).toEqual(new Set([caller.visible.includes('BOURG') ? 'LYON' : 'DIJON']));
    });
  }

  it('every worklist route in the OpenAPI document is covered by this matrix', async () => {
    const doc = (await new ApiClient(t.url).get('/api/openapi.json')).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([p]) => p.startsWith('/api/worklist'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const covered = new Set([...ROUTES.map((r) => `${r.method} ${r.path}`), 'GET /api/worklist', 'GET /api/worklist/readers']);
    expect(documented.filter((r) => !covered.has(r))).toEqual([]);
    expect(documented.length).toBe(covered.size);
  });
});
