import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './browser';
import {
  type Clinician,
  type ConsultPlatform,
  cutNetwork,
  DEMO,
  framesDecoded,
  requestConsult,
  signIn,
  startConsultPlatform,
} from './consult.platform';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots of the room, for people to look at; not compared. */
const SHOTS = process.env.E2E_SCREENSHOTS ?? path.join(root, 'test/build/screenshots');

/**
 * Resolves once the page has decoded `count` more remote video frames than when called. The count is read from the
 * open peer connections, so it starts again from 0 when a recovery replaces them: the lowest value seen is the base.
 */
async function newFrames(page: Page, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let base = await framesDecoded(page);
  for (;;) {
    const n = await framesDecoded(page);
    base = Math.min(base, n);
    if (n - base >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${n - base} new frames decoded in ${timeoutMs} ms (wanted ${count})`);
    await page.waitForTimeout(100);
  }
}

/**
 * The scenario, in Debian's Chromium with fake cameras: the Mâcon ward doctor asks for an urgent opinion, the
 * Dijon neurologist is alerted and accepts, both join the room and see each other, chat, survive a 3 s network cut,
 * and the neurologist ends the consult with its outcome.
 */
describe('urgent video consult in the browser', () => {
  let platform: ConsultPlatform;
  let browser: Browser;
  let ward: Clinician;
  let neuro: Clinician;
  let consultId: string;

  beforeAll(async () => {
    platform = await startConsultPlatform({ rtcMinPort: 46000, rtcMaxPort: 46199 });
    browser = await launchBrowser();
    ward = await signIn(browser, platform.server.url, DEMO.wardMacon);
    neuro = await signIn(browser, platform.server.url, DEMO.neurologist);
    await mkdir(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
  });

  it('the ward doctor requests a consult; the neurologist is alerted and accepts it', async () => {
    await neuro.page.goto(`${platform.server.url}/#/consults`);
    await neuro.page.getByTestId('consult-list-empty').waitFor();

    consultId = await requestConsult(ward.page, 'SEJ-2024-0042', (page) =>
      page.screenshot({ path: path.join(SHOTS, 'request-form.png'), fullPage: true }),
    );
    await ward.page.screenshot({ path: path.join(SHOTS, 'waiting.png') });
    await expect.poll(() => ward.page.getByTestId('consult-status').getAttribute('data-status')).toBe('requested');

    // The alert reaches the neurologist live, on whatever screen they are.
    const banner = neuro.page.getByTestId('alert-banner');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.getAttribute('data-consult-id')).toBe(consultId);
    expect(await banner.textContent()).toMatch(/Mâcon|MACON/);
    await neuro.page.screenshot({ path: path.join(SHOTS, 'alert-and-list.png') });

    // Nobody answers in time: the request is made older than CONSULT_ESCALATE_MINUTES (3), and the server's own
    // deadline timer escalates it. The ward doctor is told, the neurologist's alert comes back as still unanswered.
    await platform.server.server.db.query(`UPDATE consults SET requested_at = requested_at - interval '4 minutes' WHERE id = $1`, [consultId]);
    await ward.page.getByTestId('consult-escalated').waitFor({ timeout: 10_000 });
    expect(await ward.page.getByTestId('consult-escalated').textContent()).toMatch(/Toujours sans réponse .*élargie à l’astreinte de secours/);
    await expect.poll(() => banner.textContent()).toMatch(/toujours sans réponse/);
    await ward.page.screenshot({ path: path.join(SHOTS, 'waiting-escalated.png') });

    const item = neuro.page.locator(`[data-testid="consult-item"][data-consult-id="${consultId}"]`);
    await item.getByTestId('consult-accept').click();
    await neuro.page.waitForURL(`**/#/consults/${consultId}`);
    await expect.poll(() => neuro.page.getByTestId('consult-status').getAttribute('data-status')).toBe('accepted');
    // Once taken, the alert goes away by itself.
    await expect.poll(() => neuro.page.getByTestId('alert-banner').count()).toBe(0);

    // The ward doctor's waiting screen turns to "accepted by Dr …" without a reload.
    await expect.poll(() => ward.page.getByTestId('consult-status').getAttribute('data-status')).toBe('accepted');
    expect(await ward.page.getByTestId('consult-status').textContent()).toMatch(/Accepté par .*Neurolog/i);
  });

  it('both join the room and each decodes the other’s video', async () => {
    await Promise.all([ward.page.getByTestId('consult-join').click(), neuro.page.getByTestId('consult-join').click()]);
    for (const { page } of [ward, neuro]) {
      await page.getByTestId('room-remote-video').waitFor({ timeout: 20_000 });
      await expect.poll(() => page.getByTestId('room-state').getAttribute('data-state'), { timeout: 20_000 }).toBe(
        'connected',
      );
    }
    await Promise.all([newFrames(ward.page, 1, 20_000), newFrames(neuro.page, 1, 20_000)]);
    expect(await framesDecoded(ward.page)).toBeGreaterThan(0);
    expect(await framesDecoded(neuro.page)).toBeGreaterThan(0);
    // Tiles are named with roles.
    expect(await ward.page.getByTestId('room-remote-tile').textContent()).toMatch(/Neurologue/);
    expect(await neuro.page.getByTestId('room-remote-tile').textContent()).toMatch(/Médecin requérant/);
  });

  it('a chat message arrives on the other side', async () => {
    await ward.page.getByTestId('chat-input').fill('Scanner fait, pas de saignement.');
    await ward.page.getByTestId('chat-send').click();
    const received = neuro.page.getByTestId('chat-message').filter({ hasText: 'Scanner fait, pas de saignement.' });
    await received.waitFor({ timeout: 10_000 });
    expect(await received.getAttribute('data-mine')).toBe('false');
  });

  it('shows the room at tablet width', async () => {
    await neuro.page.waitForTimeout(2500); // a qualityStats round, for the indicator
    await neuro.page.screenshot({ path: path.join(SHOTS, 'room-neurologist-landscape.png') });
    await ward.page.setViewportSize({ width: 820, height: 1180 });
    await ward.page.waitForTimeout(500);
    await ward.page.screenshot({ path: path.join(SHOTS, 'room-ward-portrait.png') });
    await ward.page.setViewportSize({ width: 1180, height: 820 });
  });

  it('media flows again after the ward’s network is cut for 3 s', async () => {
    // The neurologist's decode rate with the network up, over the same one-second window as the one measured during
    // the cut.
    const before = await framesDecoded(neuro.page);
    await neuro.page.waitForTimeout(1000);
    const flowing = (await framesDecoded(neuro.page)) - before;
    expect(flowing).toBeGreaterThan(5);
    const cutAt = Date.now();
    const cut = cutNetwork(platform, ward, 3000);
    const since = (ms: number) => neuro.page.waitForTimeout(Math.max(0, cutAt + ms - Date.now()));
    // The ward sees the banner while cut off; awaited below, so that it does not push the frame count past the cut.
    const banner = ward.page
      .getByTestId('room-reconnecting')
      .waitFor({ timeout: 5000 })
      .then(() => ward.page.screenshot({ path: path.join(SHOTS, 'room-ward-reconnecting.png') }));
    banner.catch(() => undefined);
    // The cut is real: the relay drops the ward's media both ways, the neurologist's picture all but stops, and the
    // ward sees the banner. A loaded machine still decodes a few frames it had buffered, and a few late ones were
    // seen getting through now and then (see the video consult issue), so the check is a rate, not zero. The
    // second it is measured over ends well before the network comes back at 3 s.
    await since(1300);
    const frozen = await framesDecoded(neuro.page);
    const droppedBefore = await platform.relay.dropped();
    await since(2300);
    const during = (await framesDecoded(neuro.page)) - frozen;
    const measuredBy = Date.now() - cutAt;
    console.log(`frames the neurologist decoded: ${flowing} in a second before the cut, ${during} in one during it (by ${measuredBy} ms)`);
    expect(measuredBy).toBeLessThan(3000);
    expect(during).toBeLessThan(flowing / 2);
    expect(await platform.relay.dropped()).toBeGreaterThan(droppedBefore);
    await banner;
    await cut;
    const restoredAt = Date.now();
    await Promise.all([newFrames(ward.page, 15, 20_000), newFrames(neuro.page, 15, 20_000)]);
    console.log(`media back on both sides ${Date.now() - restoredAt} ms after the network came back`);
    await expect.poll(() => ward.page.getByTestId('room-state').getAttribute('data-state'), { timeout: 20_000 }).toBe(
      'connected',
    );
    expect(await ward.page.getByTestId('room-reconnecting').count()).toBe(0);
    expect(await platform.relay.dropped()).toBeGreaterThan(0);
  });

  it('the neurologist ends the consult with its outcome; the ward doctor sees it ended', async () => {
    await neuro.page.getByTestId('room-end').click();
    await neuro.page.getByTestId('end-outcome-thrombolysis').check();
    await neuro.page.getByTestId('end-confirm').click();
    await neuro.page.waitForURL(`**/#/consults/${consultId}`);
    await expect.poll(() => neuro.page.getByTestId('consult-status').getAttribute('data-status')).toBe('ended');
    await ward.page.getByTestId('room-ended').waitFor({ timeout: 10_000 });
    expect(await ward.page.getByTestId('room-ended').textContent()).toMatch(/Thrombolyse/);
  });
});
