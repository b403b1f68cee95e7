import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadRequestDetailDto, ReadRequestDto } from '@telestroke/shared';
import { ApiClient, DEMO, startTestServer, type TestServer } from '@telestroke/server/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createGatewayToken } from '../../server/src/worklist/worklist.testing';
import { launchBrowser } from './browser';
import { type Clinician, signIn } from './consult.platform';
import {
  canvasStats,
  gridDifference,
  midtoneContrast,
  overflowing,
  RECORD_ALERTS,
  recordedAlerts,
  rowSeenAt,
  stowAsGateway,
  syntheticCt,
  watchForRow,
} from './worklist.platform';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots for people to look at; not compared. */
const SHOTS = process.env.E2E_SCREENSHOTS ?? path.join(root, 'test/build/screenshots');

const SECOND_NEURO = { email: 'neurologue2@test.invalid', name: 'Dr Seconde Neurologue' };

const rowOf = (page: Page, studyUid: string) =>
  page.locator(`[data-testid="worklist-row"][data-study-uid="${studyUid}"]`);

/** Reads the API as the page's user, with its session cookie. */
async function apiGet<T>(page: Page, urlPath: string): Promise<T> {
  const res = await page.context().request.get(new URL(urlPath, page.url()).toString());
  if (res.status() !== 200) throw new Error(`GET ${urlPath} answered ${res.status()}`);
  return (await res.json()) as T;
}

async function openWorklist(who: Clinician, baseUrl: string): Promise<void> {
  await who.page.goto(`${baseUrl}/#/worklist`);
  await who.page.locator('[data-testid="worklist-list"], [data-testid="worklist-empty"]').first().waitFor();
  // Rows arrive over the WebSocket: it must be open before the study is sent.
  await expect.poll(() => who.page.getByTestId('worklist-live').getAttribute('data-state'), { timeout: 10_000 }).toBe('open');
}

/**
 * The acceptance scenario in Debian's Chromium: CH Mâcon's gateway STOWs a CT; the Dijon neurologist's open
 * worklist shows it within a second of its first image; they claim it, read it in the viewer (scroll, stroke preset:
 * checked on the canvas pixels), fill and sign the structured report; the Mâcon ward doctor sees it live.
 */
describe('urgent-read worklist in the browser', () => {
  let t: TestServer;
  let browser: Browser;
  let gatewayToken: string;
  let neuro: Clinician;
  let ward: Clinician;
  let studyUid: string;
  let requestId: string;

  beforeAll(async () => {
    // A short quiet period, so that a study turns "ready" within the test rather than after 10 s.
    t = await startTestServer({ STUDY_QUIET_SECONDS: '2' });
    gatewayToken = await createGatewayToken(t.server.db, 'MACON');
    await addUser(t, { ...SECOND_NEURO, role: 'neurologist', sites: ['DIJON'] });
    browser = await launchBrowser();
    neuro = await signIn(browser, t.url, DEMO.neurologist);
    await neuro.context.grantPermissions(['notifications'], { origin: t.url });
    await neuro.context.addInitScript(RECORD_ALERTS);
    await neuro.page.reload(); // init scripts run on new documents only
    await neuro.page.getByTestId('user-name').waitFor();
    ward = await signIn(browser, t.url, DEMO.wardMacon);
    await mkdir(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('a CT STOWed by CH Mâcon’s gateway shows on the open worklist within 1 s of its first image', async () => {
    await openWorklist(neuro, t.url);
    await openWorklist(ward, t.url);
    // At the start of duty the neurologist turns the alerts on (a tap: browsers allow sound only after one).
    await neuro.page.getByTestId('alerts-enable').click();
    await neuro.page.getByTestId('alerts-enabled').waitFor();
    await neuro.page.evaluate('window.__tones = 0');
    const instances = syntheticCt();
    studyUid = instances[0]!.studyInstanceUid;
    await watchForRow(neuro.page, studyUid);

    let firstStoredAt = 0;
    const { sentAt } = await stowAsGateway(t.url, gatewayToken, instances, () => (firstStoredAt = Date.now()));
    const row = rowOf(neuro.page, studyUid);
    await row.waitFor({ timeout: 10_000 });
    const seenAt = await rowSeenAt(neuro.page);
    expect(seenAt).not.toBeNull();

    const list = await apiGet<ReadRequestDto[]>(neuro.page, '/api/worklist');
    const request = list.find((r) => r.studyInstanceUid === studyUid);
    expect(request).toMatchObject({ siteCode: 'MACON', priority: 'P1', modalities: ['CT'] });
    requestId = request!.id;
    const firstImageAt = Date.parse(request!.firstImageAt);
    const latency = seenAt! - firstImageAt;
    console.log(
      `worklist row visible ${latency.toFixed(0)} ms after the first image was stored ` +
        `(${(seenAt! - sentAt).toFixed(0)} ms after its STOW was sent, STOW answered after ${firstStoredAt - sentAt} ms)`,
    );
    // The server stamps the image before the browser can see its row; a few ms of clock granularity aside.
    expect(latency).toBeGreaterThan(-20);
    expect(latency).toBeLessThan(1000);

    expect(await row.getAttribute('data-request-id')).toBe(requestId);
    // A new P1 study: the tone and a system notification naming the sending site.
    await expect.poll(async () => (await recordedAlerts(neuro.page)).notifications.length, { timeout: 5000 }).toBe(1);
    const alerts = await recordedAlerts(neuro.page);
    expect(alerts.notifications[0]).toMatchObject({ title: 'Nouvel examen urgent à lire', tag: `worklist-${requestId}` });
    expect(alerts.notifications[0]!.body).toMatch(/^CH Mâcon.* · P1 · Alerte AVC · CT/);
    expect(alerts.tones).toBeGreaterThan(0);
    expect(await row.textContent()).toMatch(/CH Mâcon/);
    expect(await row.getByTestId('worklist-priority').textContent()).toMatch(/P1/);
    // A live countdown: 15 minutes from the first image, ticking.
    const sla = row.getByTestId('worklist-sla');
    expect(await sla.getAttribute('data-level')).toBe('ok');
    const before = await sla.textContent();
    await expect.poll(() => sla.textContent(), { timeout: 3000 }).not.toBe(before);
    expect(before).toMatch(/1[45]:\d\d/);
    // The thumbnail is the middle slice rendered by our DICOMweb.
    await expect.poll(() => row.getByTestId('worklist-thumb').getAttribute('data-loaded'), { timeout: 10_000 }).toBe('true');
    await expect
      .poll(() => row.locator('img').evaluate((img) => {
        const image = img as unknown as { complete: boolean; naturalWidth: number };
        return image.complete ? image.naturalWidth : 0;
      }), { timeout: 10_000 })
      .toBeGreaterThan(0);

    // The sending site sees its study too, read only.
    const wardRow = rowOf(ward.page, studyUid);
    await wardRow.waitFor({ timeout: 5000 });
    expect(await wardRow.getByTestId('worklist-claim').count()).toBe(0);

    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('ready');
    await neuro.page.screenshot({ path: path.join(SHOTS, 'worklist-desktop.png'), fullPage: true });
  });

  it('the neurologist claims it, scrolls the viewer to another slice and applies the stroke preset: the pixels change', async () => {
    const { page } = neuro;
    await rowOf(page, studyUid).getByTestId('worklist-claim').click();
    await page.waitForURL(`**/#/worklist/${requestId}`);
    await expect.poll(() => page.getByTestId('report-panel').getAttribute('data-status')).toBe('claimed');
    await expect.poll(() => page.getByTestId('viewer').getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    const slice = page.getByTestId('viewer-slice');
    await expect.poll(() => slice.getAttribute('data-count'), { timeout: 20_000 }).toBe('24');
    // Every image of the series cached, so that what follows measures drawing, not loading.
    await expect
      .poll(async () => {
        const p = page.getByTestId('viewer-progress');
        return (await p.getAttribute('data-loaded')) === (await p.getAttribute('data-total'));
      }, { timeout: 30_000 })
      .toBe(true);

    const first = await canvasStats(page);
    expect(first.width).toBeGreaterThan(100);
    expect(first.std).toBeGreaterThan(10); // a head, not a blank canvas

    const startIndex = Number(await slice.getAttribute('data-index'));
    await page.getByTestId('viewer-canvas-0').hover();
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(async () => Math.abs(Number(await slice.getAttribute('data-index')) - startIndex)).toBeGreaterThanOrEqual(5);
    await page.waitForTimeout(300);
    const scrolled = await canvasStats(page);
    // Another level of the head: the anatomy moved under the same window.
    expect(gridDifference(first, scrolled)).toBeGreaterThan(2);

    await page.getByTestId('viewer-preset-stroke').click();
    await expect.poll(() => page.getByTestId('viewer-wl').getAttribute('data-ww')).toBe('40');
    expect(await page.getByTestId('viewer-wl').getAttribute('data-wc')).toBe('40');
    await page.waitForTimeout(300);
    const stroke = await canvasStats(page);
    const before = midtoneContrast(scrolled, scrolled);
    const after = midtoneContrast(scrolled, stroke);
    console.log(
      `canvas: brain ${(before.share * 100).toFixed(0)} % of the picture; brain window median ${before.median}, ` +
        `IQR ${before.iqr}; stroke window median ${after.median}, IQR ${after.iqr}, ` +
        `${(after.clipped * 100).toFixed(1)} % clipped`,
    );
    // Halving the window width around the same 40 HU centre, on the same slice: the brain's grey levels spread over
    // twice the range (W80 -> W40), and tissue below 40 HU (white matter, about 28 HU here) turns darker.
    expect(before.share).toBeGreaterThan(0.05);
    expect(gridDifference(scrolled, stroke)).toBeGreaterThan(2);
    expect(after.iqr / before.iqr).toBeGreaterThan(1.6);
    expect(after.iqr / before.iqr).toBeLessThan(2.6);
    expect(after.median).toBeLessThan(before.median - 15);
    expect(after.clipped).toBeGreaterThan(before.clipped);
    await page.screenshot({ path: path.join(SHOTS, 'read-desktop.png') });
  });

  it('the neurologist fills and signs the report; the Mâcon ward doctor sees it live', async () => {
    const { page } = neuro;
    // The ward doctor follows the read from their own screen, waiting for the answer.
    await ward.page.goto(`${t.url}/#/worklist/${requestId}`);
    await ward.page.getByTestId('read-waiting').waitFor();
    expect(await ward.page.getByTestId('report-form').count()).toBe(0);

    const form = page.getByTestId('report-form');
    await form.getByTestId('report-sign').click();
    await expect.poll(() => form.getByTestId('report-missing').textContent()).toMatch(/Hémorragie/);

    await form.getByTestId('report-haemorrhage-none').check();
    await form.getByTestId('report-early-yes').check();
    await form.getByTestId('report-aspects-insula').click();
    await form.getByTestId('report-aspects-M2').click();
    await expect.poll(() => form.getByTestId('report-aspects-score').getAttribute('data-score')).toBe('8');
    expect(await form.getByTestId('report-aspects-M2').getAttribute('aria-pressed')).toBe('true');
    await form.getByTestId('report-hyperdense-yes').check();
    await form.getByTestId('report-lvo-M1').check();
    await form.getByTestId('report-recommendation-thrombectomy_transfer').check();
    await form.getByTestId('report-freetext').fill('Occlusion M1 gauche, ASPECTS 8. Transfert pour thrombectomie.');
    // The draft is saved as the reader goes.
    await expect.poll(() => form.getByTestId('report-draft-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('saved');
    await page.screenshot({ path: path.join(SHOTS, 'read-report-form.png') });

    await form.getByTestId('report-sign').click();
    const confirm = form.getByTestId('report-sign-confirm');
    expect(await confirm.textContent()).toMatch(/Signer en tant que Dr Démo Neurologue, le \d\d\/\d\d\/\d{4}/);
    await confirm.click();

    const signed = page.getByTestId('report-signed');
    await signed.waitFor({ timeout: 10_000 });
    expect(await signed.getAttribute('data-aspects')).toBe('8');
    expect(await page.getByTestId('report-signed-by').textContent()).toMatch(/Signé par Dr Démo Neurologue le/);
    expect(await page.getByTestId('report-form').count()).toBe(0);

    const detail = await apiGet<ReadRequestDetailDto>(page, `/api/worklist/${requestId}`);
    expect(detail.request.status).toBe('reported');
    expect(detail.report).toMatchObject({
      aspectsScore: 8,
      findings: { haemorrhage: 'none', lvo: 'M1', recommendation: 'thrombectomy_transfer', hyperdenseVesselSign: true },
    });

    // The ward doctor's screen turns to the signed report without a reload.
    const wardReport = ward.page.getByTestId('report-signed');
    await wardReport.waitFor({ timeout: 5000 });
    expect(await ward.page.getByTestId('report-signed-recommendation').textContent()).toBe('Transfert pour thrombectomie');
    expect(await ward.page.getByTestId('report-signed-aspects').textContent()).toMatch(/ASPECTS 8\/10/);
    expect(await ward.page.getByTestId('report-addendum-add').count()).toBe(0);
    const pdf = await ward.page.context().request.get(new URL(await ward.page.getByTestId('report-pdf').getAttribute('href') ?? '', ward.page.url()).toString());
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await ward.page.screenshot({ path: path.join(SHOTS, 'read-ward-signed.png') });
  });

  it('an addendum signed by the neurologist reaches the ward doctor; the signed findings stay as they were', async () => {
    await neuro.page.getByTestId('report-addendum-add').click();
    await neuro.page.getByTestId('report-addendum-text').fill('Relecture : pas de saignement sur les coupes fines.');
    await neuro.page.getByTestId('report-addendum-submit').click();
    await expect.poll(() => neuro.page.getByTestId('report-addendum').count()).toBe(1);
    await expect.poll(() => ward.page.getByTestId('report-addendum').count(), { timeout: 5000 }).toBe(1);
    expect(await ward.page.getByTestId('report-signed-aspects').textContent()).toMatch(/ASPECTS 8\/10/);

    await ward.page.goto(`${t.url}/#/worklist`);
    const wardRow = rowOf(ward.page, studyUid);
    await expect.poll(() => wardRow.getAttribute('data-status')).toBe('reported');
    expect(await wardRow.getByTestId('worklist-row-report').textContent()).toMatch(/ASPECTS 8.*Dr Démo Neurologue/);
    await expect.poll(() => wardRow.getByTestId('worklist-thumb').getAttribute('data-loaded'), { timeout: 10_000 }).toBe('true');
    await ward.page.waitForTimeout(300);
    await ward.page.screenshot({ path: path.join(SHOTS, 'worklist-ward.png'), fullPage: true });
  });

  it('two neurologists claim the same study at the same moment: exactly one wins, the other sees who has it', async () => {
    const second = await signIn(browser, t.url, SECOND_NEURO.email);
    try {
      await openWorklist(neuro, t.url);
      await openWorklist(second, t.url);
      const instances = syntheticCt({ slices: 2, rows: 64, columns: 64 });
      const uid = instances[0]!.studyInstanceUid;
      await stowAsGateway(t.url, gatewayToken, instances);
      const rows = [rowOf(neuro.page, uid), rowOf(second.page, uid)];
      await Promise.all(rows.map((r) => r.getByTestId('worklist-claim').waitFor({ timeout: 10_000 })));

      await Promise.all(rows.map((r) => r.getByTestId('worklist-claim').click()));

      // The winner lands on the read screen holding the claim; the loser stays on the list and is told who won.
      const outcome = async (who: Clinician, row: (typeof rows)[number]) => {
        for (const deadline = Date.now() + 10_000; Date.now() < deadline; await who.page.waitForTimeout(50)) {
          if (/#\/worklist\/[0-9a-f-]{36}$/.test(who.page.url())) return 'won';
          if ((await row.getByTestId('worklist-taken').count()) > 0) return 'lost';
        }
        return 'nothing';
      };
      const results = await Promise.all([outcome(neuro, rows[0]!), outcome(second, rows[1]!)]);
      expect([...results].sort()).toEqual(['lost', 'won']);
      const [winner, loserRow] = results[0] === 'won' ? [neuro, rows[1]!] : [second, rows[0]!];
      const winnerName = winner === neuro ? 'Dr Démo Neurologue' : SECOND_NEURO.name;
      expect(await loserRow.getByTestId('worklist-taken').textContent()).toBe(`Déjà pris par ${winnerName}`);
      // No dead end: the loser's row says who reads it and still opens the study.
      expect(await loserRow.getByTestId('worklist-claimed-by').textContent()).toBe(`Pris par ${winnerName}`);
      expect(await loserRow.getByTestId('worklist-claim').count()).toBe(0);
      expect(await loserRow.getByTestId('worklist-open').textContent()).toBe('Voir');
      const loserPage = winner === neuro ? second.page : neuro.page;
      await loserPage.screenshot({ path: path.join(SHOTS, 'worklist-claim-lost.png') });

      const list = await apiGet<ReadRequestDto[]>(winner.page, '/api/worklist');
      expect(list.find((r) => r.studyInstanceUid === uid)?.claimedBy?.name).toBe(winnerName);
    } finally {
      await second.context.close();
    }
  });

  it('shows the worklist and the read screen on a tablet in portrait and on a phone', async () => {
    const { page } = neuro;
    for (const [name, viewport] of [
      ['tablet', { width: 820, height: 1180 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      await page.setViewportSize(viewport);
      await page.goto(`${t.url}/#/worklist`);
      await page.getByTestId('worklist-list').waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(SHOTS, `worklist-${name}.png`), fullPage: true });
      // Nothing wider than the screen: no sideways scrolling on a ward tablet or a phone.
      expect(await overflowing(page)).toEqual([]);
      await page.goto(`${t.url}/#/worklist/${requestId}`);
      await page.getByTestId('report-signed').waitFor();
      await expect.poll(() => page.getByTestId('viewer').getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, `read-${name}.png`), fullPage: true });
      expect(await overflowing(page)).toEqual([]);
    }
    await page.setViewportSize({ width: 1180, height: 820 });
  });
});
