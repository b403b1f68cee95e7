import { MetricsDtoSchema, type MetricDto, type MetricsDto } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, login } from '../consult/consult.testing';
import { findSiteByCode, insertSite } from '../sites/site.repository';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';

let t: TestServer;
let neuro: ApiClient;

const min = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000);

interface Fixture {
  site: 'MACON' | 'NEVERS';
  door: string;
  /** Minutes after the door of each timeline event entered on the case. */
  events: Partial<Record<'ct_start' | 'images_received' | 'read_signed' | 'needle' | 'transfer_departed', number>>;
  /** Minutes after the door: consult requested, and accepted (none: still requested). */
  requested: number;
  accepted?: number;
}

/** Inserts a consult (which opens its case), then the case's timeline rows, straight into the tables. */
async function insertCase(f: Fixture): Promise<string> {
  const db = t.server.db;
  const site = (await findSiteByCode(db, f.site))!;
  const hub = (await findSiteByCode(db, 'DIJON'))!;
  const email = f.site === 'MACON' ? DEMO.wardMacon : DEMO.wardNevers;
  const { rows: users } = await db.query<{ id: string }>('SELECT id FROM users WHERE email = $1 OR email = $2 ORDER BY email = $1 DESC', [
    email,
    DEMO.neurologist,
  ]);
  const [ward, neurologist] = [users[0]!.id, users[1]!.id];
  const accepted = f.accepted !== undefined;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO consults (status, site_id, hub_id, patient_ref, age_years, sex, weight_kg, last_known_well_at, reason,
                           requested_by, requested_at, accepted_by, accepted_at)
     VALUES ($1, $2, $3, 'IPP-METRICS', 70, 'M', 80, $4, 'test', $5, $6, $7, $8) RETURNING id`,
    [
      accepted ? 'accepted' : 'requested',
      site.id,
      hub.id,
      min(f.door, -60),
      ward,
      min(f.door, f.requested),
      accepted ? neurologist : null,
      accepted ? min(f.door, f.accepted!) : null,
    ],
  );
  await db.query(
    `INSERT INTO stroke_cases (consult_id, site_id, hub_id, patient_ref)
     SELECT id, site_id, hub_id, patient_ref FROM consults WHERE id = $1 ON CONFLICT (consult_id) DO NOTHING`,
    [rows[0]!.id],
  );
  const { rows: cases } = await db.query<{ id: string }>('SELECT id FROM stroke_cases WHERE consult_id = $1', [rows[0]!.id]);
  const caseId = cases[0]!.id;
  const entries: [string, Date][] = [['door', new Date(f.door)], ...Object.entries(f.events).map(([k, m]) => [k, min(f.door, m!)] as [string, Date])];
  for (const [kind, at] of entries) {
    await db.query('INSERT INTO case_events (case_id, kind, at, entered_by) VALUES ($1, $2, $3, $4)', [caseId, kind, at, ward]);
  }
  return caseId;
}

const byId = (dto: MetricsDto, id: string): MetricDto => dto.metrics.find((m) => m.metric === id)!;
const RANGE = 'from=2024-03-01&to=2024-04-30';

beforeAll(async () => {
  t = await startTestServer();
  neuro = await login(t, DEMO.neurologist);
  // Mâcon: A (with a needle corrected from 50 to 45 min), B, and C transferred. Nevers: D, E (door late on
  // 31 March UTC, already 1 April in Paris), F (CT typed before the door: left out). G is after the range.
  const a = await insertCase({ site: 'MACON', door: '2024-03-10T10:00:00Z', requested: 5, accepted: 9, events: { ct_start: 20, needle: 50, images_received: 22, read_signed: 40 } });
  await t.server.db.query(`INSERT INTO case_events (case_id, kind, at, entered_by) SELECT $1, 'needle', $2, entered_by FROM case_events WHERE case_id = $1 LIMIT 1`, [a, min('2024-03-10T10:00:00Z', 45)]);
  await insertCase({ site: 'MACON', door: '2024-03-20T08:00:00Z', requested: 10, accepted: 12, events: { ct_start: 30, needle: 65 } });
  await insertCase({ site: 'MACON', door: '2024-04-05T12:00:00Z', requested: 2, accepted: 8, events: { ct_start: 10, transfer_departed: 100 } });
  await insertCase({ site: 'NEVERS', door: '2024-03-15T09:00:00Z', requested: 10, accepted: 30, events: { ct_start: 40, needle: 90 } });
  await insertCase({ site: 'NEVERS', door: '2024-03-31T22:30:00Z', requested: 1, events: { ct_start: 25 } });
  await insertCase({ site: 'NEVERS', door: '2024-04-10T10:00:00Z', requested: 1, events: { ct_start: -10 } });
  await insertCase({ site: 'NEVERS', door: '2024-06-01T10:00:00Z', requested: 1, accepted: 3, events: { ct_start: 5, needle: 30 } });
});

afterAll(async () => {
  await t?.close();
});

describe('GET /api/metrics', () => {
  it('GET /api/metrics over March-April 2024 answers the medians, quartiles and histograms of the fixture cases', async () => {
    const res = await neuro.get<MetricsDto>(`/api/metrics?${RANGE}`);
    expect(res.status).toBe(200);
    expect(MetricsDtoSchema.safeParse(res.body).success).toBe(true);
    expect(res.body.metrics.map((m) => m.metric)).toEqual(['door_to_ct', 'image_to_read', 'request_to_accept', 'door_to_needle', 'door_in_door_out']);

    const dtn = byId(res.body, 'door_to_needle');
    expect(dtn).toMatchObject({ unit: 'min', n: 3, median: 65, min: 45, max: 90 });
    expect(dtn.bySite.map((s) => [s.siteCode, s.n, s.median, s.values])).toEqual([
      ['MACON', 2, 55, [45, 65]],
      ['NEVERS', 1, 90, [90]],
    ]);
    expect(dtn.byMonth).toEqual([{ month: '2024-03', n: 3, median: 65, p25: 55, p75: 77.5, min: 45, max: 90 }]);

    const ct = byId(res.body, 'door_to_ct');
    expect(ct).toMatchObject({ n: 5, median: 25, p25: 20, p75: 30 });
    expect(ct.histogram).toEqual([1, 2, 2, 0, 0, 0, 0, 0, 0]);
    expect(ct.byMonth.map((m) => [m.month, m.n, m.median])).toEqual([
      ['2024-03', 3, 30],
      ['2024-04', 2, 17.5],
    ]);
    expect(ct.bySiteMonth.map((m) => [m.siteCode, m.month, m.n])).toEqual(
      expect.arrayContaining([['NEVERS', '2024-04', 1], ['NEVERS', '2024-03', 1], ['MACON', '2024-03', 2], ['MACON', '2024-04', 1]]),
    );

    expect(byId(res.body, 'request_to_accept')).toMatchObject({ n: 4, median: 5 });
    expect(byId(res.body, 'image_to_read')).toMatchObject({ n: 1, median: 18 });
    const dido = byId(res.body, 'door_in_door_out');
    expect(dido).toMatchObject({ n: 1, median: 100 });
    expect(dido.bySite[0]!.histogram[6]).toBe(1);
  });

  it('GET /api/metrics?siteCode=NEVERS counts Nevers only; an unknown site answers 404', async () => {
    const res = await neuro.get<MetricsDto>(`/api/metrics?${RANGE}&siteCode=NEVERS`);
    expect(res.status).toBe(200);
    expect(res.body.siteCodes).toEqual(['NEVERS']);
    expect(byId(res.body, 'door_to_ct')).toMatchObject({ n: 2, median: 32.5 });
    expect((await neuro.get(`/api/metrics?${RANGE}&siteCode=NOWHERE`)).status).toBe(404);
  });

  it('GET /api/metrics with from after to answers 400', async () => {
    expect((await neuro.get('/api/metrics?from=2024-05-01&to=2024-04-01')).status).toBe(400);
    expect((await neuro.get('/api/metrics?from=2024-02-30')).status).toBe(400);
  });

  it('GET /api/metrics is for hub staff, schedulers and admins of the sites they see', async () => {
    expect((await (await login(t, DEMO.scheduler)).get(`/api/metrics?${RANGE}`)).status).toBe(200);
    expect((await (await login(t, DEMO.admin)).get(`/api/metrics?${RANGE}`)).status).toBe(200);
    expect((await (await login(t, DEMO.wardMacon)).get(`/api/metrics?${RANGE}`)).status).toBe(403);
    expect((await new ApiClient(t.url).get(`/api/metrics?${RANGE}`)).status).toBe(401);

    const lyon = await insertSite(t.server.db, { code: 'LYON', name: 'CHU Lyon', kind: 'hub', hubId: null });
    await insertSite(t.server.db, { code: 'BOURG', name: 'CH Bourg', kind: 'remote', hubId: lyon });
    await addUser(t, { email: 'admin.lyon@test.invalid', name: 'Admin Lyon', role: 'admin', sites: ['LYON'] });
    const other = await login(t, 'admin.lyon@test.invalid');
    const res = await other.get<MetricsDto>(`/api/metrics?${RANGE}`);
    expect(res.body.siteCodes).toEqual(['BOURG']);
    expect(res.body.metrics.every((m) => m.n === 0 && m.median === null)).toBe(true);
    expect((await other.get(`/api/metrics?${RANGE}&siteCode=MACON`)).status).toBe(404);
  });
});

describe('GET /api/metrics.csv', () => {
  it('GET /api/metrics.csv answers one row per metric and grouping, with units in the header', async () => {
    const res = await neuro.request('GET', `/api/metrics.csv?${RANGE}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="metrics_2024-03-01_2024-04-30.csv"');
    const lines = String(res.body).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('metric,site_code,month,n,median_min,p25_min,p75_min,min_min,max_min');
    expect(lines).toContain('door_to_needle,,,3,65,55,77.5,45,90');
    expect(lines).toContain('door_to_needle,MACON,,2,55,50,60,45,65');
    expect(lines).toContain('door_to_ct,NEVERS,2024-04,1,25,25,25,25,25');
    expect(lines).toContain('door_in_door_out,,,1,100,100,100,100,100');
  });
});
