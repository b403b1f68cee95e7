import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO, startTestServer, type TestServer } from '@telestroke/server/testing';
import { toLocal } from '@telestroke/shared';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './browser';
import { signIn, type Clinician } from './consult.platform';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots for people to look at; not compared. */
const SHOTS = process.env.E2E_SCREENSHOTS ?? path.join(root, 'test/build/screenshots');

const DESKTOP = { width: 1366, height: 900 };
const TABLET_PORTRAIT = { width: 820, height: 1180 };

/** Minutes after the door of each timestamp of a fixture case; absent: not entered. */
interface FixtureCase {
  site: 'MACON' | 'NEVERS';
  /** Which of the three fixture months (oldest first). */
  month: 0 | 1 | 2;
  ct: number;
  needle?: number;
  departed?: number;
  /** Consult request → accepted, in minutes. */
  accept: number;
}

/**
 * Seven cases over three months at two sites, with delays chosen so that every median and quartile is known:
 * door-to-needle at Mâcon 30, 35, 40, 50 and 300 (an outlier: Q3 50 + 1.5 × IQR 15 = 72.5) and at Nevers 45 and
 * 65; door-in-door-out at Nevers only. No image was received, so image-to-read has no case.
 */
const CASES: FixtureCase[] = [
  { site: 'MACON', month: 0, ct: 12, needle: 30, accept: 3 },
  { site: 'MACON', month: 0, ct: 15, needle: 35, accept: 4 },
  { site: 'NEVERS', month: 0, ct: 19, needle: 45, departed: 80, accept: 5 },
  { site: 'MACON', month: 1, ct: 18, needle: 40, accept: 6 },
  { site: 'MACON', month: 2, ct: 22, needle: 50, accept: 7 },
  { site: 'MACON', month: 2, ct: 25, needle: 300, accept: 8 },
  { site: 'NEVERS', month: 2, ct: 31, needle: 65, departed: 110, accept: 9 },
];

/** The three months before the current one (Paris calendar), as YYYY-MM: inside the dashboard's default range. */
function fixtureMonths(now = Date.now()): [string, string, string] {
  const [y, m] = toLocal(now).date.split('-').map(Number) as [number, number];
  const month = (back: number) => {
    const d = new Date(Date.UTC(y, m - 1 - back, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  };
  return [month(3), month(2), month(1)];
}

/**
 * Inserts the cases straight into the database, as consults accepted long ago with their stroke case and timeline:
 * the API only takes timestamps of cases in progress, and metrics are about past months.
 */
async function insertCases(t: TestServer, months: readonly string[]): Promise<void> {
  const db = t.server.db;
  const id = async (sql: string, value: string) => {
    const { rows } = await db.query<{ id: string }>(sql, [value]);
    if (!rows[0]) throw new Error(`fixture: nothing for ${value}`);
    return rows[0].id;
  };
  const site = { MACON: await id('SELECT id FROM sites WHERE code = $1', 'MACON'), NEVERS: await id('SELECT id FROM sites WHERE code = $1', 'NEVERS') };
  const hub = await id('SELECT id FROM sites WHERE code = $1', 'DIJON');
  const ward = { MACON: await id('SELECT id FROM users WHERE email = $1', DEMO.wardMacon), NEVERS: await id('SELECT id FROM users WHERE email = $1', DEMO.wardNevers) };
  const neuro = await id('SELECT id FROM users WHERE email = $1', DEMO.neurologist);
  const minute = 60_000;
  for (const [i, c] of CASES.entries()) {
    // Mid-month, mid-day: far from any month boundary in Paris time.
    const door = Date.parse(`${months[c.month]}-${String(10 + i).padStart(2, '0')}T10:00:00Z`);
    const at = (minutes: number) => new Date(door + minutes * minute).toISOString();
    const requested = c.ct + 2;
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO consults (status, site_id, hub_id, patient_ref, age_years, sex, weight_kg, last_known_well_at, reason,
                             requested_by, accepted_by, requested_at, accepted_at)
       VALUES ('accepted', $1, $2, $3, 70, 'F', 70, $4, 'Déficit brutal (test des indicateurs)', $5, $6, $7, $8)
       RETURNING id`,
      [site[c.site], hub, `METRICS-${i}`, at(-60), ward[c.site], neuro, at(requested), at(requested + c.accept)],
    );
    const consultId = rows[0]!.id;
    // The server may already have opened the consult's case (it does so for every urgent consult): keep that one.
    await db.query(
      `INSERT INTO stroke_cases (consult_id, site_id, hub_id, patient_ref, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (consult_id) DO NOTHING`,
      [consultId, site[c.site], hub, `METRICS-${i}`, at(requested)],
    );
    const caseId = await id('SELECT id FROM stroke_cases WHERE consult_id = $1', consultId);
    const events: Array<[string, number]> = [['door', 0], ['ct_start', c.ct]];
    if (c.needle !== undefined) events.push(['needle', c.needle]);
    if (c.departed !== undefined) events.push(['transfer_departed', c.departed]);
    for (const [kind, minutes] of events) {
      await db.query(`INSERT INTO case_events (case_id, kind, at, entered_by) VALUES ($1, $2, $3, $4)`, [
        caseId,
        kind,
        at(minutes),
        ward[c.site],
      ]);
    }
  }
}

const chart = (page: Page, metric: string) => page.getByTestId(`metrics-chart-${metric}`);

async function openDashboard(page: Page, baseUrl: string): Promise<Locator> {
  await page.goto(`${baseUrl}/#/metrics`);
  const dashboard = page.getByTestId('metrics-dashboard');
  await expect.poll(() => dashboard.getAttribute('data-state'), { timeout: 10_000 }).toBe('ready');
  return dashboard;
}

async function attributes(locator: Locator, name: string): Promise<Array<string | null>> {
  return locator.evaluateAll((elements, attr) => elements.map((e) => e.getAttribute(attr)), name);
}

/** Line segments drawn by the path: the "L" commands (an "M" lifts the pen at a month without a case). */
async function segments(line: Locator): Promise<number> {
  return ((await line.getAttribute('d')) ?? '').split(' ').filter((c) => c.startsWith('L')).length;
}

/**
 * The network dashboard in Debian's Chromium, on cases inserted in the database: the medians, one box per site and
 * one dot per month with cases, the site and date filters, the CSV export, at desktop and tablet width.
 */
describe('network metrics dashboard in the browser', () => {
  let t: TestServer;
  let browser: Browser;
  let neuro: Clinician;
  let months: [string, string, string];

  beforeAll(async () => {
    // CLIENT_DIST lets a developer point the test at a client built elsewhere; the suite uses client/dist.
    t = await startTestServer(process.env.CLIENT_DIST ? { CLIENT_DIST: process.env.CLIENT_DIST } : {});
    months = fixtureMonths();
    await insertCases(t, months);
    browser = await launchBrowser();
    neuro = await signIn(browser, t.url, DEMO.neurologist, DESKTOP);
    await mkdir(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('the home tile opens the dashboard with the median of each metric, in minutes', async () => {
    const { page } = neuro;
    await page.getByTestId('tile-metrics').click();
    await expect.poll(() => page.getByTestId('metrics-dashboard').getAttribute('data-state'), { timeout: 10_000 }).toBe('ready');
    expect(page.url()).toMatch(/#\/metrics$/);
    expect(await page.title()).toMatch(/^Indicateurs du réseau/);
    const median = (metric: string) => page.getByTestId(`metrics-median-${metric}`);
    // All seven door-to-needle delays: 30 35 40 45 50 65 300.
    expect(await median('door_to_needle').getAttribute('data-value')).toBe('45');
    expect(await median('door_to_needle').textContent()).toMatch(/^45 min · 7 cas$/);
    expect(await median('door_to_ct').getAttribute('data-value')).toBe('19');
    expect(await median('request_to_accept').getAttribute('data-value')).toBe('6');
    expect(await median('door_in_door_out').getAttribute('data-value')).toBe('95');
    expect(await median('door_in_door_out').textContent()).toMatch(/^1 h 35/);
    expect(await median('image_to_read').getAttribute('data-value')).toBe('');
    expect(await median('image_to_read').textContent()).toBe('Aucun cas');
  });

  it('door-to-needle draws a box per site, the outlier apart, and a dot per month joined by one line', async () => {
    const { page } = neuro;
    const dtn = chart(page, 'door_to_needle');
    const boxes = dtn.getByTestId('metrics-box');
    expect(await attributes(boxes, 'data-site')).toEqual(['MACON', 'NEVERS']);
    expect(await attributes(boxes, 'data-median')).toEqual(['40', '55']);
    expect(await attributes(boxes, 'data-n')).toEqual(['5', '2']);
    expect(await dtn.getByTestId('metrics-outlier').count()).toBe(1);
    // Higher on screen is longer: Nevers' median line sits above Mâcon's, and the 300-minute case above both.
    const medianY = async (site: string) => (await dtn.locator(`[data-site="${site}"] .mx-median`).boundingBox())!.y;
    const outlierY = (await dtn.getByTestId('metrics-outlier').boundingBox())!.y;
    expect(await medianY('NEVERS')).toBeLessThan(await medianY('MACON'));
    expect(outlierY).toBeLessThan(await medianY('NEVERS'));

    const points = dtn.getByTestId('metrics-point');
    expect(await attributes(points, 'data-month')).toEqual(months);
    expect(await attributes(points, 'data-value')).toEqual(['35', '40', '65']);
    expect(await segments(dtn.getByTestId('metrics-line'))).toBe(2);
    // Each month's middle half: the oldest month (30, 35, 45) spans 32.5 to 40 minutes, around its 35.
    expect(await attributes(dtn.getByTestId('metrics-month-iqr'), 'data-month')).toEqual(months);
    // The charts are named for assistive technology, with the figures in their description.
    const svg = dtn.getByTestId('metrics-sites-door_to_needle');
    expect(await svg.getAttribute('role')).toBe('img');
    expect(await svg.locator('desc').textContent()).toMatch(/CH Mâcon[^:;]* : médiane 40 min, quartiles 35 min à 50 min, 5 cas/);
  });

  it('door-in-door-out shows Nevers alone, its two months unjoined across the empty one; image-to-read says it has no case', async () => {
    const { page } = neuro;
    const didi = chart(page, 'door_in_door_out');
    expect(await attributes(didi.getByTestId('metrics-box'), 'data-site')).toEqual(['NEVERS']);
    expect(await attributes(didi.getByTestId('metrics-point'), 'data-month')).toEqual([months[0], months[2]]);
    expect(await segments(didi.getByTestId('metrics-line'))).toBe(0);

    const itr = chart(page, 'image_to_read');
    expect(await itr.getByTestId('metrics-box').count()).toBe(0);
    expect(await itr.getByTestId('metrics-none').textContent()).toBe('Aucun cas sur cette période.');
  });

  it('fits a desktop and a tablet held upright without sideways scrolling, text at its real size', async () => {
    // The figures behind the charts, for whoever needs the numbers (and for screen readers).
    await chart(neuro.page, 'door_to_needle').locator('summary').click();
    const siteRows = chart(neuro.page, 'door_to_needle').locator('.mx-data table').first().locator('tbody tr');
    expect(await siteRows.count()).toBe(2);
    expect(await siteRows.first().textContent()).toMatch(/CH Mâcon.*5.*35 min.*40 min.*50 min/);
    for (const [name, viewport] of [['desktop', DESKTOP], ['tablet', TABLET_PORTRAIT]] as const) {
      await neuro.page.setViewportSize(viewport);
      const svg = chart(neuro.page, 'door_to_needle').getByTestId('metrics-months-door_to_needle');
      // The drawing follows its container: once resized, its viewBox is as wide as it is on screen (no shrunk text).
      await expect
        .poll(async () => {
          const box = await svg.boundingBox();
          const viewBoxWidth = Number((await svg.getAttribute('viewBox'))!.split(' ')[2]);
          return Math.abs(box!.width - viewBoxWidth);
        })
        .toBeLessThan(2);
      const overflow = await neuro.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow).toBe(0);
      await neuro.page.screenshot({ path: path.join(SHOTS, `metrics-${name}.png`), fullPage: true });
    }
    await neuro.page.setViewportSize(DESKTOP);
  });

  it('the site filter redraws the charts for Nevers and the CSV export carries the same filter', async () => {
    const { page } = neuro;
    await page.getByTestId('metrics-site').selectOption('NEVERS');
    const dashboard = page.getByTestId('metrics-dashboard');
    await expect.poll(() => dashboard.getAttribute('data-state')).toBe('ready');
    await expect.poll(() => page.getByTestId('metrics-median-door_to_needle').getAttribute('data-value')).toBe('55');
    const dtn = chart(page, 'door_to_needle');
    expect(await attributes(dtn.getByTestId('metrics-box'), 'data-site')).toEqual(['NEVERS']);
    expect(await attributes(dtn.getByTestId('metrics-point'), 'data-value')).toEqual(['45', '65']);

    const href = await page.getByTestId('metrics-csv').getAttribute('href');
    expect(href).toMatch(/^\/api\/metrics\.csv\?/);
    const query = new URLSearchParams(href!.split('?')[1]);
    expect(query.get('siteCode')).toBe('NEVERS');
    expect(query.get('from')).toBe(await page.getByTestId('metrics-from').inputValue());
    expect(query.get('to')).toBe(await page.getByTestId('metrics-to').inputValue());
    // Clicking it downloads the file the server names.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('metrics-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^metrics_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/);
    const res = await page.context().request.get(new URL(href!, t.url).toString());
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toMatch(/^text\/csv/);
    const csv = await res.text();
    expect(csv).toMatch(/\r\ndoor_to_needle,,,2,55,/);
    expect(csv).not.toMatch(/MACON/);
  });

  it('the date range narrows to the last fixture month, and a reversed range is refused before any request', async () => {
    const { page } = neuro;
    await page.getByTestId('metrics-from').fill(`${months[2]}-01`);
    const dashboard = page.getByTestId('metrics-dashboard');
    await expect.poll(() => page.getByTestId('metrics-median-door_to_needle').getAttribute('data-value')).toBe('65');
    expect(await dashboard.getAttribute('data-state')).toBe('ready');
    expect(await attributes(chart(page, 'door_to_needle').getByTestId('metrics-point'), 'data-month')).toEqual([months[2]]);

    const asked: string[] = [];
    const record = (request: { url(): string }) => {
      if (request.url().includes('/api/metrics')) asked.push(request.url());
    };
    page.on('request', record);
    await page.getByTestId('metrics-from').fill('2999-01-01');
    await page.getByTestId('metrics-range-problem').waitFor();
    await page.waitForTimeout(300);
    page.off('request', record);
    expect(asked).toEqual([]);
    expect(await page.getByTestId('metrics-range-problem').textContent()).toBe('La date de début est après la date de fin.');
    expect(await dashboard.getAttribute('data-state')).toBe('error');
    expect(await page.getByTestId('metrics-csv').getAttribute('href')).toBeNull();

    await page.getByTestId('metrics-reset').click();
    await expect.poll(() => page.getByTestId('metrics-median-door_to_needle').getAttribute('data-value')).toBe('45');
    expect(await page.getByTestId('metrics-site').inputValue()).toBe('');
  });

  it('in English the dashboard speaks English', async () => {
    const { page } = neuro;
    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Network metrics');
    expect(await page.getByTestId('metrics-median-door_to_needle').textContent()).toMatch(/^45 min · 7 case/);
    await page.getByTestId('lang-fr').click();
  });

  it('a failed load says so and its retry brings the charts back', async () => {
    const { page } = neuro;
    await page.route('**/api/metrics?*', (route) => route.abort('connectionrefused'));
    await page.reload();
    const dashboard = page.getByTestId('metrics-dashboard');
    await expect.poll(() => dashboard.getAttribute('data-state'), { timeout: 10_000 }).toBe('error');
    expect(await page.getByTestId('metrics-error').textContent()).toMatch(/\S/);
    await page.unroute('**/api/metrics?*');
    await page.getByTestId('metrics-retry').click();
    await expect.poll(() => dashboard.getAttribute('data-state'), { timeout: 10_000 }).toBe('ready');
    expect(await chart(page, 'door_to_needle').getByTestId('metrics-box').count()).toBe(2);
  });

  it('a ward doctor has no tile, and the address alone shows the refusal with a way back', async () => {
    const ward = await signIn(browser, t.url, DEMO.wardMacon, TABLET_PORTRAIT);
    try {
      expect(await ward.page.getByTestId('tile-metrics').count()).toBe(0);
      await ward.page.goto(`${t.url}/#/metrics`);
      const dashboard = ward.page.getByTestId('metrics-dashboard');
      await expect.poll(() => dashboard.getAttribute('data-state'), { timeout: 10_000 }).toBe('error');
      expect(await ward.page.getByTestId('metrics-error').textContent()).toMatch(/\S/);
      expect(await ward.page.getByTestId('metrics-box').count()).toBe(0);
      // Asking again would be refused again: no retry is offered.
      expect(await ward.page.getByTestId('metrics-retry').count()).toBe(0);
      expect(await ward.page.locator('a[href="#/"]').first().isVisible()).toBe(true);
    } finally {
      await ward.context.close();
    }
  });
});
