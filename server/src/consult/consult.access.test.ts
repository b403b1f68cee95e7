import { randomUUID } from 'node:crypto';
import type { ConsultDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSite } from '../sites/site.repository';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';
import { addUser, consultRequest, login } from './consult.testing';

/**
 * The role × site × participant matrix of every consult route, written out by hand rather than derived from the
 * policy, so that a change of policy shows up here as a failing expectation:
 *
 * - roles: ward doctors and neurologists work with consults; radiologists, schedulers, admins and gateway tokens
 *   get 403, anonymous callers 401;
 * - sites: a consult of a site the caller does not see answers 404, exactly like one that does not exist;
 * - participants: joining, ending and the chat are for the requesting ward doctor and the accepting neurologist; the
 *   others who see the consult get 403. Cancelling is for the requester.
 */
type Target = 'MACON' | 'NEVERS' | 'MISSING';
const TARGETS: Target[] = ['MACON', 'NEVERS', 'MISSING'];
type Role = 'ward_doctor' | 'neurologist' | 'radiologist' | 'scheduler' | 'admin' | 'gateway';

interface Caller {
  name: string;
  email?: string;
  role?: Role;
  /** Sites whose consults the caller sees. */
  visible: string[];
  /** The remote sites the caller belongs to, where a ward doctor starts consults. */
  ownRemote?: string[];
  /** The caller requested the test consults of these sites. */
  requesterOf?: Target[];
  /** The caller accepted every accepted test consult. */
  accepter?: boolean;
}

const CALLERS: Caller[] = [
  { name: 'requesting ward doctor at Mâcon', email: DEMO.wardMacon, role: 'ward_doctor', visible: ['MACON'], ownRemote: ['MACON'], requesterOf: ['MACON'] },
  { name: 'other ward doctor at Mâcon', email: 'urgences.macon.2@test.invalid', role: 'ward_doctor', visible: ['MACON'], ownRemote: ['MACON'] },
  { name: 'requesting ward doctor at Nevers', email: DEMO.wardNevers, role: 'ward_doctor', visible: ['NEVERS'], ownRemote: ['NEVERS'], requesterOf: ['NEVERS'] },
  { name: 'accepting neurologist at the Dijon hub', email: DEMO.neurologist, role: 'neurologist', visible: ['MACON', 'NEVERS'], accepter: true },
  { name: 'other neurologist at the Dijon hub', email: 'neurologue.2@test.invalid', role: 'neurologist', visible: ['MACON', 'NEVERS'] },
  { name: 'neurologist at the Lyon hub', email: 'neurologue.lyon@test.invalid', role: 'neurologist', visible: ['BOURG'] },
  { name: 'ward doctor at Bourg (Lyon hub)', email: 'urgences.bourg@test.invalid', role: 'ward_doctor', visible: ['BOURG'], ownRemote: ['BOURG'] },
  { name: 'radiologist at the Dijon hub', email: DEMO.radiologist, role: 'radiologist', visible: ['MACON', 'NEVERS'] },
  { name: 'scheduler at the Dijon hub', email: DEMO.scheduler, role: 'scheduler', visible: ['MACON', 'NEVERS'] },
  { name: 'admin at the Dijon hub', email: DEMO.admin, role: 'admin', visible: ['MACON', 'NEVERS'] },
  { name: 'Mâcon gateway token', role: 'gateway', visible: ['MACON'] },
  { name: 'anonymous', visible: [] },
];

const CLINICAL: Role[] = ['ward_doctor', 'neurologist'];

interface ConsultRoute {
  method: 'GET' | 'POST';
  /** OpenAPI path. */
  path: string;
  roles: Role[];
  /** Beyond seeing the consult: who among those who see it may. */
  scope: 'viewer' | 'participant' | 'requester' | 'hub neurologist';
  /** The state the target consult is in when the call is made. */
  state: 'requested' | 'accepted';
  success: number;
  call: (id: string) => { method: string; url: string; json?: unknown };
  /** Whether the call changed the consult, read back from the database. */
  changed?: (id: string) => Promise<boolean>;
}

let t: TestServer;
const clients = new Map<string, ApiClient>();
const requesters = new Map<Target, ApiClient>();
let accepter: ApiClient;

const one = async (sql: string, id: string) => (await t.server.db.query(sql, [id])).rows.length === 1;

const CONSULT_ROUTES: ConsultRoute[] = [
  { method: 'GET', path: '/api/consults/{id}', roles: CLINICAL, scope: 'viewer', state: 'requested', success: 200, call: (id) => ({ method: 'GET', url: `/api/consults/${id}` }) },
  {
    method: 'POST', path: '/api/consults/{id}/accept', roles: ['neurologist'], scope: 'hub neurologist', state: 'requested', success: 200,
    call: (id) => ({ method: 'POST', url: `/api/consults/${id}/accept` }),
    changed: (id) => one(`SELECT 1 FROM consults WHERE id = $1 AND status = 'accepted'`, id),
  },
  {
    method: 'POST', path: '/api/consults/{id}/join', roles: CLINICAL, scope: 'participant', state: 'accepted', success: 200,
    call: (id) => ({ method: 'POST', url: `/api/consults/${id}/join` }),
    changed: (id) => one('SELECT 1 FROM consults WHERE id = $1 AND (requester_joined_at IS NOT NULL OR accepter_joined_at IS NOT NULL)', id),
  },
  {
    method: 'POST', path: '/api/consults/{id}/end', roles: CLINICAL, scope: 'participant', state: 'accepted', success: 200,
    call: (id) => ({ method: 'POST', url: `/api/consults/${id}/end`, json: { outcome: 'other' } }),
    changed: (id) => one(`SELECT 1 FROM consults WHERE id = $1 AND status = 'ended'`, id),
  },
  {
    method: 'POST', path: '/api/consults/{id}/cancel', roles: ['ward_doctor'], scope: 'requester', state: 'requested', success: 200,
    call: (id) => ({ method: 'POST', url: `/api/consults/${id}/cancel` }),
    changed: (id) => one(`SELECT 1 FROM consults WHERE id = $1 AND status = 'cancelled'`, id),
  },
  { method: 'GET', path: '/api/consults/{id}/messages', roles: CLINICAL, scope: 'participant', state: 'accepted', success: 200, call: (id) => ({ method: 'GET', url: `/api/consults/${id}/messages` }) },
  {
    method: 'POST', path: '/api/consults/{id}/messages', roles: CLINICAL, scope: 'participant', state: 'accepted', success: 201,
    call: (id) => ({ method: 'POST', url: `/api/consults/${id}/messages`, json: { text: 'matrice' } }),
    changed: (id) => one('SELECT 1 FROM consult_messages WHERE consult_id = $1', id),
  },
];

function expected(caller: Caller, route: ConsultRoute, target: Target): number {
  if (!caller.role) return 401;
  if (!route.roles.includes(caller.role)) return 403;
  if (target === 'MISSING' || !caller.visible.includes(target)) return 404;
  const requester = caller.requesterOf?.includes(target) ?? false;
  if (route.scope === 'participant' && !requester && !caller.accepter) return 403;
  if (route.scope === 'requester' && !requester) return 403;
  // Every neurologist who sees the demo sites belongs to their hub.
  if (route.scope === 'hub neurologist' && caller.role !== 'neurologist') return 403;
  return route.success;
}

/** A fresh consult of the target site in the state the route needs. */
async function consultFor(target: Target, state: 'requested' | 'accepted'): Promise<string> {
  if (target === 'MISSING') return randomUUID();
  const created = await requesters.get(target)!.post<ConsultDto>('/api/consults', consultRequest());
  expect(created.status).toBe(201);
  if (state === 'accepted') expect((await accepter.post(`/api/consults/${created.body.id}/accept`)).status).toBe(200);
  return created.body.id;
}

beforeAll(async () => {
  t = await startTestServer({ SFU_TOKEN_SECRET: 'consult-access-test-secret-0123456789' });
  const lyon = await insertSite(t.server.db, { code: 'LYON', name: 'HCL Lyon', kind: 'hub', hubId: null });
  await insertSite(t.server.db, { code: 'BOURG', name: 'CH Bourg', kind: 'remote', hubId: lyon });
  await addUser(t, { email: 'urgences.macon.2@test.invalid', name: 'Dr Urgences Mâcon 2', role: 'ward_doctor', sites: ['MACON'] });
  await addUser(t, { email: 'neurologue.2@test.invalid', name: 'Dr Neurologue 2', role: 'neurologist', sites: ['DIJON'] });
  await addUser(t, { email: 'neurologue.lyon@test.invalid', name: 'Dr Neurologue Lyon', role: 'neurologist', sites: ['LYON'] });
  await addUser(t, { email: 'urgences.bourg@test.invalid', name: 'Dr Urgences Bourg', role: 'ward_doctor', sites: ['BOURG'] });

  const admin = await login(t, DEMO.admin);
  const token = (await admin.post('/api/sites/MACON/tokens', { name: 'consult matrix gateway' })).body.token;
  for (const caller of CALLERS) {
    const c = caller.email ? await login(t, caller.email) : new ApiClient(t.url);
    if (caller.role === 'gateway') c.bearer = token;
    clients.set(caller.name, c);
  }
  requesters.set('MACON', clients.get('requesting ward doctor at Mâcon')!);
  requesters.set('NEVERS', clients.get('requesting ward doctor at Nevers')!);
  accepter = clients.get('accepting neurologist at the Dijon hub')!;
  expect((await clients.get('ward doctor at Bourg (Lyon hub)')!.post('/api/consults', consultRequest())).status).toBe(201);
});
afterAll(() => t.close());

describe('consult role × site × participant access matrix', () => {
  for (const route of CONSULT_ROUTES) {
    for (const caller of CALLERS) {
      it(`${route.method} ${route.path} by the ${caller.name} answers as the policy says for every consult`, async () => {
        const c = clients.get(caller.name)!;
        for (const target of TARGETS) {
          const id = await consultFor(target, route.state);
          const req = route.call(id);
          const res = await c.request(req.method, req.url, req.json === undefined ? {} : { json: req.json });
          const want = expected(caller, route, target);
          expect({ target, status: res.status }).toEqual({ target, status: want });
          if (want >= 400) expect(res.body.error.code).toBeTypeOf('string');
          // A refused call reveals nothing of the consult; a refused change leaves it as it was.
          if (want >= 400) expect(JSON.stringify(res.body)).not.toContain('IPP-000123');
          if (route.changed && target !== 'MISSING') {
            expect({ target, changed: await route.changed(id) }).toEqual({ target, changed: want < 400 });
          }
        }
      });
    }
  }

  for (const caller of CALLERS) {
    it(`POST /api/consults by the ${caller.name} starts a consult only at one of their own remote sites`, async () => {
      const c = clients.get(caller.name)!;
      for (const siteCode of ['MACON', 'NEVERS', 'BOURG', 'NOWHERE']) {
        const res = await c.post('/api/consults', consultRequest({ siteCode }));
        const want = !caller.role ? 401 : caller.role !== 'ward_doctor' ? 403 : caller.ownRemote?.includes(siteCode) ? 201 : 404;
        expect({ siteCode, status: res.status }).toEqual({ siteCode, status: want });
      }
    });

    it(`GET /api/consults by the ${caller.name} lists exactly the consults of the sites they see`, async () => {
      const res = await clients.get(caller.name)!.get<ConsultDto[]>('/api/consults?limit=500');
      const want = !caller.role ? 401 : CLINICAL.includes(caller.role) ? 200 : 403;
      expect(res.status).toBe(want);
      if (want !== 200) return;
      // Each site they see has consults (the matrix above created some at the demo sites, beforeAll one at Bourg).
      expect(new Set(res.body.map((x) => x.siteCode))).toEqual(new Set(caller.visible));
    });
  }

  it('every consult route in the OpenAPI document is covered by this matrix', async () => {
    const doc = (await new ApiClient(t.url).get('/api/openapi.json')).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([p]) => p.startsWith('/api/consults'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const covered = new Set([...CONSULT_ROUTES.map((r) => `${r.method} ${r.path}`), 'POST /api/consults', 'GET /api/consults']);
    expect(documented.filter((r) => !covered.has(r))).toEqual([]);
    expect(documented.length).toBe(covered.size);
  });
});
