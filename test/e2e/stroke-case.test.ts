import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseRecordDto, MetricsDto, ThrombolysisOrderDto } from '@telestroke/shared';
import { DEMO, startTestServer, type TestServer } from '@telestroke/server/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './browser';
import { type Clinician, requestConsult, signIn } from './consult.platform';
import { localInput, nihssSeenAt, pdfPageCount, tapNihss, watchNihss } from './stroke-case.platform';
import { overflowing } from './worklist.platform';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots for people to look at; not compared. */
const SHOTS = process.env.E2E_SCREENSHOTS ?? path.join(root, 'test/build/screenshots');

/** The neurologist's scoring: every item, one untestable, a total of 20. */
const SCORES: Array<[item: string, value: number | 'untestable']> = [
  ['1a', 1],
  ['1b', 2],
  ['1c', 1],
  ['2', 1],
  ['3', 2],
  ['4', 2],
  ['5a', 0],
  ['5b', 4],
  ['6a', 0],
  ['6b', 3],
  ['7', 0],
  ['8', 1],
  ['9', 2],
  ['10', 'untestable'],
  ['11', 1],
];
const TOTAL = 20;
/** The bound for the ward doctor's screen to show the neurologist's answer. */
const LIVE_MS = 500;

async function apiGet<T>(page: Page, urlPath: string): Promise<T> {
  const res = await page.context().request.get(new URL(urlPath, page.url()).toString());
  if (res.status() !== 200) throw new Error(`GET ${urlPath} answered ${res.status()}`);
  return (await res.json()) as T;
}

async function openCaseTab(who: Clinician, tab: string): Promise<void> {
  await who.page.getByTestId(`case-tab-${tab}`).click();
}

/**
 * The proof in Debian's Chromium, at tablet size, without the video (the case screen carries the NIHSS over
 * the data path): the Mâcon ward doctor requests a consult and the Dijon neurologist accepts; the neurologist scores
 * the NIHSS and the ward doctor's screen shows each item within 500 ms; the assistant runs to a bolus confirmed by
 * the ward doctor; the case then counts in the network's dashboard and its summary PDF downloads.
 */
describe('stroke case in the browser', () => {
  let t: TestServer;
  let browser: Browser;
  let ward: Clinician;
  let neuro: Clinician;
  let consultId: string;
  let caseId: string;

  beforeAll(async () => {
    // CLIENT_DIST lets a developer point the test at a client built elsewhere; the suite uses client/dist.
    t = await startTestServer(process.env.CLIENT_DIST ? { CLIENT_DIST: process.env.CLIENT_DIST } : {});
    browser = await launchBrowser();
    ward = await signIn(browser, t.url, DEMO.wardMacon);
    neuro = await signIn(browser, t.url, DEMO.neurologist);
    await mkdir(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('the ward doctor requests a consult, the neurologist accepts; both open its stroke case from the consult', async () => {
    consultId = await requestConsult(ward.page, 'SEJ-2026-0707');
    await neuro.page.goto(`${t.url}/#/consults/${consultId}`);
    await neuro.page.getByTestId('consult-accept').click();
    await expect.poll(() => ward.page.getByTestId('consult-status').getAttribute('data-status'), { timeout: 10_000 }).toBe('accepted');

    for (const who of [ward, neuro]) {
      await who.page.getByTestId('consult-case-link').click();
      await who.page.getByTestId('case-page').waitFor();
      await expect.poll(() => who.page.getByTestId('case-live').getAttribute('data-state'), { timeout: 10_000 }).toBe('open');
    }
    caseId = (await ward.page.getByTestId('case-page').getAttribute('data-case-id'))!;
    expect(ward.page.url()).toMatch(new RegExp(`#/cases/${caseId}$`));
    expect(await ward.page.getByTestId('case-patient-ref').textContent()).toMatch(/SEJ-2026-0707/);

    // The consult's last-known-well (75 min ago) starts the case: its clock runs, the window is open.
    const lkw = ward.page.getByTestId('case-clock-lkw');
    expect(Number(await lkw.getAttribute('data-minutes'))).toBeGreaterThanOrEqual(74);
    expect(Number(await lkw.getAttribute('data-minutes'))).toBeLessThanOrEqual(77);
    expect(await ward.page.getByTestId('case-window').getAttribute('data-level')).toBe('open');
    expect(await ward.page.getByTestId('timeline-consult_requested').getAttribute('data-at')).not.toBe('');
    expect(await ward.page.getByTestId('timeline-consult_accepted').getAttribute('data-at')).not.toBe('');

    // The ward doctor enters the door time: the door-to-needle clock starts from it.
    await ward.page.getByTestId('timeline-edit-door').click();
    await ward.page.getByTestId('timeline-at-door').fill(localInput(new Date(Date.now() - 40 * 60_000)));
    await ward.page.getByTestId('timeline-save-door').click();
    await expect.poll(() => ward.page.getByTestId('timeline-door').getAttribute('data-at')).not.toBe('');
    const dtn = Number(await ward.page.getByTestId('case-clock-dtn').getAttribute('data-minutes'));
    expect(dtn).toBeGreaterThanOrEqual(39);
    expect(dtn).toBeLessThanOrEqual(41);
    expect(await ward.page.getByTestId('timeline-door').textContent()).toMatch(/Dr Démo Urgences Mâcon, le/);
    // The neurologist's screen follows (case.updated, then a refetch).
    await expect.poll(() => neuro.page.getByTestId('timeline-door').getAttribute('data-at'), { timeout: 5000 }).not.toBe('');
    // Once the identity is checked, the ward doctor adds the INS: a mistyped key cannot be saved; the right one shows on
    // both screens.
    await ward.page.getByTestId('case-ins-edit').click();
    await ward.page.getByTestId('case-ins-input').fill('185057800608436');
    expect(await ward.page.getByTestId('case-ins-save').isDisabled()).toBe(true);
    await ward.page.getByTestId('case-ins-input').fill('1 85 05 78 006 084 91');
    await ward.page.getByTestId('case-ins-save').click();
    await expect.poll(() => ward.page.getByTestId('case-ins').textContent()).toMatch(/185057800608491/);
    await expect.poll(() => neuro.page.getByTestId('case-ins').textContent(), { timeout: 5000 }).toMatch(/185057800608491/);
    expect(await overflowing(ward.page)).toEqual([]);
    await ward.page.screenshot({ path: path.join(SHOTS, 'case-timeline.png'), fullPage: true });
  });

  it('the neurologist scores the NIHSS; the ward doctor’s screen shows every item within 500 ms', async () => {
    await openCaseTab(neuro, 'nihss');
    await openCaseTab(ward, 'nihss');
    await neuro.page.getByTestId('nihss-label').fill('Initiale');
    await neuro.page.getByTestId('nihss-start').click();
    const form = neuro.page.getByTestId('nihss-form');
    await form.waitFor();
    const assessmentId = await form.getAttribute('data-assessment-id');
    await expect.poll(() => ward.page.getByTestId('nihss-form').getAttribute('data-assessment-id'), { timeout: 5000 }).toBe(assessmentId);
    await watchNihss(ward.page);

    const latencies: number[] = [];
    for (const [item, value] of SCORES) {
      const tappedAt = await tapNihss(neuro.page, item, value);
      let seenAt: number | null = null;
      await expect
        .poll(async () => (seenAt = await nihssSeenAt(ward.page, item, value)), { timeout: 5000, interval: 20 })
        .not.toBeNull();
      latencies.push(seenAt! - tappedAt);
    }
    // The neurologist's own PUTs, to tell the server's share of the delay from the push's.
    const puts = (await neuro.page.evaluate(
      `performance.getEntriesByType('resource').filter((e) => e.name.includes('/nihss/')).map((e) => Math.round(e.duration))`,
    )) as number[];
    console.log(
      `NIHSS item tapped by the neurologist -> shown to the ward doctor: ${latencies.map((l) => l.toFixed(0)).join(', ')} ms ` +
        `(the PUTs took ${puts.join(', ')} ms)`,
    );
    for (const latency of latencies) {
      expect(latency).toBeGreaterThan(0);
      expect(latency).toBeLessThan(LIVE_MS);
    }

    for (const who of [neuro, ward]) {
      await expect.poll(() => who.page.getByTestId('nihss-total').getAttribute('data-total')).toBe(String(TOTAL));
    }
    expect(await ward.page.getByTestId('nihss-total').textContent()).toMatch(/20 \/ 42.*Complet/);
    expect(await ward.page.getByTestId('nihss-item-10').getAttribute('data-value')).toBe('untestable');
    expect(await ward.page.getByTestId('nihss-item-5b').textContent()).toMatch(/Dr Démo Neurologue · \d\d:\d\d:\d\d/);

    // Stored as the series' first assessment, each change time-stamped with its author.
    const record = await apiGet<CaseRecordDto>(ward.page, `/api/cases/${caseId}`);
    expect(record.nihss).toHaveLength(1);
    expect(record.nihss[0]).toMatchObject({ label: 'Initiale', total: TOTAL, complete: true });
    expect(record.nihss[0]!.changes).toHaveLength(SCORES.length);
    expect(new Set(record.nihss[0]!.changes.map((c) => c.changedBy.name))).toEqual(new Set(['Dr Démo Neurologue']));

    await neuro.page.screenshot({ path: path.join(SHOTS, 'case-nihss-neurologist.png') });
    // The ward tablet held upright: the form still fits the width.
    await ward.page.setViewportSize({ width: 820, height: 1180 });
    expect(await overflowing(ward.page)).toEqual([]);
    await ward.page.screenshot({ path: path.join(SHOTS, 'case-nihss-ward-portrait.png') });
    await ward.page.setViewportSize({ width: 1180, height: 820 });
  });

  it('in the video room, the NIHSS side panel follows the scoring live even while the video cannot connect', async () => {
    // The SFU never answers: the room stays "connecting", as when the video fails; the data path carries the NIHSS.
    await ward.page.route('**/api/consults/*/join', () => undefined);
    await ward.page.goto(`${t.url}/#/consults/${consultId}/room`);
    await ward.page.getByTestId('room').waitFor();
    expect(await ward.page.getByTestId('room-state').getAttribute('data-state')).toBe('connecting');
    await ward.page.getByTestId('room-tab-nihss').click();
    const panel = ward.page.locator('.room-case-nihss');
    await expect.poll(() => panel.getByTestId('nihss-total').getAttribute('data-total'), { timeout: 5000 }).toBe(String(TOTAL));
    await watchNihss(ward.page);
    const tappedAt = await tapNihss(neuro.page, '1a', 2);
    let seenAt: number | null = null;
    await expect.poll(async () => (seenAt = await nihssSeenAt(ward.page, '1a', 2)), { timeout: 5000, interval: 20 }).not.toBeNull();
    console.log(`NIHSS item shown in the room's side panel ${(seenAt! - tappedAt).toFixed(0)} ms after the tap`);
    expect(seenAt! - tappedAt).toBeLessThan(LIVE_MS);
    expect(await panel.getByTestId('nihss-total').getAttribute('data-total')).toBe(String(TOTAL + 1));
    await ward.page.screenshot({ path: path.join(SHOTS, 'case-room-nihss.png') });
    // The chat is still there, one tap away.
    await ward.page.getByTestId('room-tab-chat').click();
    await ward.page.getByTestId('chat-input').waitFor();

    await ward.page.unroute('**/api/consults/*/join');
    await ward.page.goto(`${t.url}/#/cases/${caseId}`);
    await ward.page.getByTestId('case-page').waitFor();
    await expect.poll(() => ward.page.getByTestId('case-live').getAttribute('data-state'), { timeout: 10_000 }).toBe('open');
  });

  it('the assistant runs to a bolus: the neurologist prepares, the ward doctor checks and confirms, the bolus is timed', async () => {
    await openCaseTab(neuro, 'thrombolysis');
    await openCaseTab(ward, 'thrombolysis');
    const page = neuro.page;
    // Tenecteplase at the stroke dose: 0.25 mg/kg × 64 kg = 16 mg, 3.2 mL at 5 mg/mL, one bolus; never the STEMI dose.
    await page.getByTestId('throm-drug-tenecteplase').check();
    expect(await page.getByTestId('throm-stemi-guard').textContent()).toMatch(/0,5 mg\/kg\) est refusée/);
    expect(await page.getByTestId('throm-dose').getAttribute('data-total-mg')).toBe('16');
    expect(await page.getByTestId('throm-dose-bolus').textContent()).toMatch(/16 mg · 3,2 mL · bolus IV unique/);
    await page.getByTestId('throm-drug-alteplase').check();
    // A weight typed with the wrong unit is caught, not dosed.
    await page.getByTestId('throm-weight').fill('7');
    expect(await page.getByTestId('throm-refusal').textContent()).toMatch(/invraisemblable/);
    await page.getByTestId('throm-weight').fill('141');
    await page.getByTestId('throm-unit-lb').click();
    expect(await page.getByTestId('throm-lb-kg').textContent()).toMatch(/141 lb = 64 kg/);
    await page.getByTestId('throm-unit-kg').click();
    await page.getByTestId('throm-weight').fill('64');
    await page.getByTestId('throm-source-measured').check();

    // 0.9 mg/kg × 64 kg = 57.6 mg at 1 mg/mL: a 5.8 mg bolus over 1 min, 51.8 mg over 60 min.
    const dose = page.getByTestId('throm-dose');
    expect(await dose.getAttribute('data-total-mg')).toBe('57.6');
    expect(await dose.getAttribute('data-volume-ml')).toBe('57.6');
    expect(await page.getByTestId('throm-dose-bolus').textContent()).toMatch(/5,8 mg · 5,8 mL · en 1 min/);
    expect(await page.getByTestId('throm-dose-infusion').textContent()).toMatch(/51,8 mg · 51,8 mL · sur 60 min/);
    expect(await page.getByTestId('throm-prepare').isDisabled()).toBe(true);

    await page.getByTestId('throm-check-anticoagulant-present').click();
    await page.getByTestId('throm-systolic').fill('192');
    await page.getByTestId('throm-diastolic').fill('95');
    const failures = page.getByTestId('throm-failures');
    expect(await failures.locator('[data-code]').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))).toEqual([
      'CHECKLIST_INCOMPLETE',
      'CONTRAINDICATION_PRESENT',
      'BP_TOO_HIGH',
      'GLUCOSE_MISSING',
    ]);
    for (const button of await page.locator('[data-testid^="throm-check-"][data-testid$="-absent"]').all()) await button.click();
    await page.getByTestId('throm-systolic').fill('168');
    await page.getByTestId('throm-glucose').fill('6,2');
    expect(await failures.count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'case-thrombolysis-form.png'), fullPage: true });
    await page.getByTestId('throm-prepare').click();

    const order = page.getByTestId('throm-order');
    await expect.poll(() => order.getAttribute('data-status'), { timeout: 5000 }).toBe('prepared');
    await page.getByTestId('throm-waiting-second').waitFor();
    expect(await page.getByTestId('throm-confirm').count()).toBe(0);

    // The second person: the ward doctor at the bedside sees the prepared dose live, checks it, confirms.
    const wardOrder = ward.page.getByTestId('throm-order');
    await expect.poll(() => wardOrder.getAttribute('data-status'), { timeout: 5000 }).toBe('prepared');
    expect(await ward.page.getByTestId('throm-dose-total').textContent()).toMatch(/57,6 mg · 57,6 mL/);
    await ward.page.getByTestId('throm-confirm').click();
    await expect.poll(() => wardOrder.getAttribute('data-status'), { timeout: 5000 }).toBe('confirmed');
    expect(await ward.page.getByTestId('throm-confirmed-by').textContent()).toMatch(/Double contrôle par/);
    await expect.poll(() => order.getAttribute('data-status'), { timeout: 5000 }).toBe('confirmed');

    await ward.page.getByTestId('throm-bolus').click();
    await expect.poll(() => wardOrder.getAttribute('data-status'), { timeout: 5000 }).toBe('given');
    await expect.poll(() => order.getAttribute('data-status'), { timeout: 5000 }).toBe('given');
    // The bolus is the needle time: the door-to-needle clock stops, the window warning gives way.
    await expect.poll(() => page.getByTestId('case-clock-dtn').getAttribute('data-done'), { timeout: 5000 }).toBe('true');
    expect(await page.getByTestId('case-window').getAttribute('data-level')).toBe('given');

    const record = await apiGet<CaseRecordDto>(page, `/api/cases/${caseId}`);
    const [stored] = record.thrombolysisOrders as ThrombolysisOrderDto[];
    expect(stored).toMatchObject({
      status: 'given',
      drug: 'alteplase',
      weightKg: 64,
      weightSource: 'measured',
      dose: { totalMg: 57.6, bolusMg: 5.8, infusionMg: 51.8, volumeMl: 57.6 },
      preparedBy: { displayName: 'Dr Démo Neurologue' },
    });
    expect(stored!.confirmedBy?.id).not.toBe(stored!.preparedBy.id);
    expect(record.timeline.find((e) => e.kind === 'needle')?.at).toBe(stored!.bolusAt);
    await page.screenshot({ path: path.join(SHOTS, 'case-thrombolysis-given.png'), fullPage: true });
  });

  it('the neurologist decides and requests the transfer, the CHU acknowledges it; the case messages reach both sites', async () => {
    await openCaseTab(neuro, 'decision');
    await neuro.page.getByTestId('case-decision-thrombolysis_and_transfer').check();
    await neuro.page.getByTestId('case-decision-save').click();
    await neuro.page.getByTestId('case-decision-current').waitFor();
    await neuro.page.getByTestId('case-transfer-request').click();
    await expect.poll(() => neuro.page.getByTestId('case-transfer').getAttribute('data-state')).toBe('requested');
    await neuro.page.getByTestId('case-transfer-ack').click();
    await expect.poll(() => neuro.page.getByTestId('case-transfer').getAttribute('data-state')).toBe('acknowledged');
    await openCaseTab(ward, 'decision');
    await expect.poll(() => ward.page.getByTestId('case-transfer').getAttribute('data-state'), { timeout: 5000 }).toBe('acknowledged');
    await ward.page.screenshot({ path: path.join(SHOTS, 'case-decision.png'), fullPage: true });

    await openCaseTab(ward, 'messages');
    await openCaseTab(neuro, 'messages');
    await ward.page.getByTestId('case-message-input').fill('Patient prêt pour le transfert, ambulance à 11 h 40.');
    await ward.page.getByTestId('case-message-send').click();
    await neuro.page.getByTestId('case-message').filter({ hasText: 'ambulance à 11 h 40' }).waitFor({ timeout: 5000 });
  });

  it('the case counts in the network dashboard, and its summary PDF downloads', async () => {
    const record = await apiGet<CaseRecordDto>(neuro.page, `/api/cases/${caseId}`);
    const door = Date.parse(record.timeline.find((e) => e.kind === 'door')!.at);
    const needle = Date.parse(record.timeline.find((e) => e.kind === 'needle')!.at);
    const doorToNeedle = Math.round((needle - door) / 6000) / 10;

    const metrics = await apiGet<MetricsDto>(neuro.page, '/api/metrics?siteCode=MACON');
    const dtn = metrics.metrics.find((m) => m.metric === 'door_to_needle')!;
    expect(dtn.n).toBe(1);
    expect(dtn.median).toBeCloseTo(doorToNeedle, 0);

    await neuro.page.goto(`${t.url}/#/metrics`);
    const chart = neuro.page.getByTestId('metrics-chart-door_to_needle');
    await chart.waitFor({ timeout: 10_000 });
    await expect.poll(() => chart.getAttribute('data-n'), { timeout: 10_000 }).toBe('1');
    expect(await neuro.page.getByTestId('metrics-dashboard').count()).toBe(1);
    expect(await chart.locator('[data-testid="metrics-box"][data-site="MACON"]').getAttribute('data-n')).toBe('1');
    expect(Number(await neuro.page.getByTestId('metrics-median-door_to_needle').getAttribute('data-value'))).toBeCloseTo(dtn.median!, 1);
    await neuro.page.screenshot({ path: path.join(SHOTS, 'case-metrics.png'), fullPage: true });

    const href = await ward.page.getByTestId('case-pdf').getAttribute('href');
    expect(href).toBe(`/api/cases/${caseId}/summary.pdf?lang=fr`);
    const pdf = await ward.page.context().request.get(new URL(href!, ward.page.url()).toString());
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toMatch(/^application\/pdf/);
    const bytes = await pdf.body();
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdfPageCount(bytes)).toBeGreaterThan(0);
  });
});
