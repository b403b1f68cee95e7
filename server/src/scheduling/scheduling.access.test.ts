import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../consult/consult.testing';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';

/**
 * The role check of every scheduling route, written out by hand: a role outside the list gets 403 before anything
 * else happens, a gateway token 403, nobody 401. The scope (site, booking, participant) is tested with each route in
 * scheduling.routes.test.ts and rota.test.ts.
 */
const ID = '00000000-0000-4000-8000-000000000000';
const ALL = ['ward_doctor', 'neurologist', 'radiologist', 'scheduler'];
const ROUTES: { method: string; path: string; url: string; roles: string[]; json?: unknown }[] = [
  { method: 'GET', path: '/api/specialists', url: '/api/specialists', roles: ALL },
  { method: 'GET', path: '/api/specialists/{id}/availability', url: `/api/specialists/${ID}/availability`, roles: ALL },
  { method: 'POST', path: '/api/availability/slots', url: '/api/availability/slots', roles: ['neurologist', 'radiologist', 'scheduler'], json: {} },
  { method: 'DELETE', path: '/api/availability/slots/{id}', url: `/api/availability/slots/${ID}`, roles: ['neurologist', 'radiologist', 'scheduler'] },
  { method: 'POST', path: '/api/availability/exceptions', url: '/api/availability/exceptions', roles: ['neurologist', 'radiologist', 'scheduler'], json: {} },
  { method: 'DELETE', path: '/api/availability/exceptions/{id}', url: `/api/availability/exceptions/${ID}`, roles: ['neurologist', 'radiologist', 'scheduler'] },
  { method: 'POST', path: '/api/bookings', url: '/api/bookings', roles: ['scheduler'], json: {} },
  { method: 'GET', path: '/api/bookings', url: '/api/bookings', roles: ALL },
  { method: 'GET', path: '/api/bookings/{id}', url: `/api/bookings/${ID}`, roles: ALL },
  { method: 'PATCH', path: '/api/bookings/{id}', url: `/api/bookings/${ID}`, roles: ['scheduler'], json: {} },
  { method: 'DELETE', path: '/api/bookings/{id}', url: `/api/bookings/${ID}`, roles: ['scheduler'], json: {} },
  { method: 'POST', path: '/api/bookings/{id}/no-show', url: `/api/bookings/${ID}/no-show`, roles: ALL },
  { method: 'POST', path: '/api/bookings/{id}/join', url: `/api/bookings/${ID}/join`, roles: ['ward_doctor', 'neurologist', 'radiologist'] },
  { method: 'GET', path: '/api/rota', url: '/api/rota', roles: ['neurologist', 'radiologist', 'scheduler'] },
  { method: 'POST', path: '/api/rota/shifts', url: '/api/rota/shifts', roles: ['scheduler'], json: {} },
  { method: 'DELETE', path: '/api/rota/shifts/{id}', url: `/api/rota/shifts/${ID}`, roles: ['scheduler'] },
  { method: 'GET', path: '/api/rota/gaps', url: '/api/rota/gaps', roles: ['neurologist', 'radiologist', 'scheduler'] },
  { method: 'GET', path: '/api/ics', url: '/api/ics', roles: ALL },
  { method: 'POST', path: '/api/ics', url: '/api/ics', roles: ALL },
  { method: 'DELETE', path: '/api/ics', url: '/api/ics', roles: ALL },
  { method: 'GET', path: '/ics/{file}', url: '/ics/unknown.ics', roles: ['public'] },
];
const USERS: Record<string, string> = {
  ward_doctor: DEMO.wardMacon,
  neurologist: DEMO.neurologist,
  radiologist: DEMO.radiologist,
  scheduler: DEMO.scheduler,
  admin: DEMO.admin,
};

let t: TestServer;
const clients = new Map<string, ApiClient>();

beforeAll(async () => {
  t = await startTestServer();
  for (const [role, email] of Object.entries(USERS)) clients.set(role, await login(t, email));
  const admin = clients.get('admin')!;
  const gateway = new ApiClient(t.url);
  gateway.bearer = (await admin.post('/api/sites/MACON/tokens', { name: 'scheduling matrix' })).body.token;
  clients.set('gateway', gateway);
  clients.set('anonymous', new ApiClient(t.url));
});

afterAll(async () => {
  await t?.close();
});

describe('scheduling routes × roles', () => {
  it('every scheduling route of the OpenAPI document is in this table', async () => {
    const doc = (await new ApiClient(t.url).get('/api/openapi.json')).body;
    const prefixes = ['/api/bookings', '/api/specialists', '/api/availability', '/api/rota', '/api/ics', '/ics/'];
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([p]) => prefixes.some((x) => p.startsWith(x)))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  for (const route of ROUTES) {
    it(`${route.method} ${route.path} answers 403 to roles outside [${route.roles.join(', ')}], 401 to nobody`, async () => {
      for (const [who, client] of clients) {
        const res = await client.request(route.method, route.url, route.json === undefined ? {} : { json: route.json });
        const allowed = route.roles.includes('public') || route.roles.includes(who);
        if (allowed) expect([200, 201, 204, 400, 404, 409, 422], `${who}: ${JSON.stringify(res.body)}`).toContain(res.status);
        else if (who === 'anonymous') expect(res.status, who).toBe(401);
        else expect(res.status, `${who}: ${JSON.stringify(res.body)}`).toBe(403);
      }
    });
  }
});
