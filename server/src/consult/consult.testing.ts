import { SESSION_COOKIE, ServerEventSchema, type ConsultDto, type CreateConsultRequest, type Role, type ServerEvent } from '@telestroke/shared';
import WebSocket from 'ws';
import { hashPassword } from '../auth/password';
import { insertUser } from '../auth/user.repository';
import { findSiteByCode } from '../sites/site.repository';
import { ApiClient, TEST_DEMO_PASSWORD, type TestServer } from '../testing';

/** Test helpers of the consult tests. */

/** A valid consult request: last known well an hour ago. */
export function consultRequest(overrides: Partial<CreateConsultRequest> = {}): CreateConsultRequest {
  return {
    patientRef: 'IPP-000123',
    ageYears: 72,
    sex: 'F',
    weightKg: 68.5,
    lastKnownWellAt: new Date(Date.now() - 3600_000).toISOString(),
    reason: 'Aphasie et hémiplégie droite brutales',
    ...overrides,
  };
}

export async function login(t: TestServer, email: string): Promise<ApiClient> {
  const c = new ApiClient(t.url);
  const res = await c.login(email);
  if (res.status !== 200) throw new Error(`login of ${email} answered ${res.status}`);
  return c;
}

/** Adds a user with the test password to sites given by code. */
export async function addUser(t: TestServer, user: { email: string; name: string; role: Role; sites: string[] }): Promise<string> {
  const db = t.server.db;
  const siteIds = await Promise.all(user.sites.map(async (code) => (await findSiteByCode(db, code))!.id));
  return insertUser(db, { ...user, passwordHash: await hashPassword(TEST_DEMO_PASSWORD), siteIds });
}

/** Starts a consult as `ward` and returns it; fails the test when that does not answer 201. */
export async function startConsult(ward: ApiClient, overrides: Partial<CreateConsultRequest> = {}): Promise<ConsultDto> {
  const res = await ward.post<ConsultDto>('/api/consults', consultRequest(overrides));
  if (res.status !== 201) throw new Error(`POST /api/consults answered ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A consult started by `ward` and accepted by `neuro`. */
export async function acceptedConsult(ward: ApiClient, neuro: ApiClient, overrides: Partial<CreateConsultRequest> = {}) {
  const consult = await startConsult(ward, overrides);
  const res = await neuro.post<ConsultDto>(`/api/consults/${consult.id}/accept`);
  if (res.status !== 200) throw new Error(`accept answered ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A browser's live channel: every event it received, validated with the shared schema. */
export interface EventSocket {
  events: ServerEvent[];
  /** Resolves with the first event (already received or to come) that matches. */
  next(match: (e: ServerEvent) => boolean, timeoutMs?: number): Promise<ServerEvent>;
  close(): void;
}

export async function openEvents(t: TestServer, client: ApiClient): Promise<EventSocket> {
  const ws = new WebSocket(t.url.replace('http', 'ws') + '/ws', {
    headers: { cookie: `${SESSION_COOKIE}=${client.cookies.get(SESSION_COOKIE)}`, origin: t.url },
  });
  const events: ServerEvent[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    events.push(ServerEventSchema.parse(JSON.parse(String(data))));
    for (const w of waiters) w();
  });
  // The hello comes once the hub registered the socket: from then on, events reach it.
  await new Promise<void>((resolve, reject) => {
    const check = () => events.some((e) => e.type === 'hello') && resolve();
    waiters.add(check);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`websocket refused: ${res.statusCode}`)));
  });
  waiters.clear();
  return {
    events,
    next: (match, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${events.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => ws.close(),
  };
}

/** The audit entries of one consult, oldest first. */
export async function auditOf(t: TestServer, consultId: string) {
  const { rows } = await t.server.db.query<{ action: string; actor_id: string; site_id: string; details: Record<string, unknown> }>(
    `SELECT action, actor_id, site_id, details FROM audit_log WHERE resource_type = 'consult' AND resource_id = $1 ORDER BY seq`,
    [consultId],
  );
  return rows;
}
