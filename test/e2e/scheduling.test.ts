import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, TEST_DEMO_PASSWORD } from '@telestroke/server/testing';
import { toLocal } from '@telestroke/shared';
import { openAllWeek, siteUserId } from '../../server/src/scheduling/scheduling.testing';
import { launchBrowser } from './browser';
import { DEMO, framesDecoded, signIn, type Clinician, type ConsultPlatform, startConsultPlatform } from './consult.platform';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots of the calendar, for people to look at; not compared. */
const SHOTS = process.env.E2E_SCREENSHOTS ?? path.join(root, 'test/build/screenshots');

const DESKTOP = { width: 1366, height: 900 };
const TABLET_PORTRAIT = { width: 820, height: 1180 };

/**
 * The scenario in Debian's Chromium: a scheduler books a session through the calendar; the Mâcon ward doctor
 * and the Dijon neurologist see it in their calendars; at its time both join its room and are connected. "At its time"
 * is reachable without waiting: the session is booked to start three minutes from now, and a room opens
 * BOOKING_JOIN_OPENS_MINUTES (10) before the start. Being within 15 minutes, it also gets its in-app reminder.
 */
describe('planned teleconsultation in the browser', () => {
  let platform: ConsultPlatform;
  let browser: Browser;
  let scheduler: Clinician;
  let ward: Clinician;
  let neuro: Clinician;
  let bookingId: string;
  let startsLocal: { date: string; time: string };

  beforeAll(async () => {
    platform = await startConsultPlatform({ rtcMinPort: 46600, rtcMaxPort: 46799 });
    // The neurologist's availability (every day, all day) is set through the API: the browser part is the booking.
    const api = new ApiClient(platform.server.url);
    expect((await api.login(DEMO.scheduler, TEST_DEMO_PASSWORD)).status).toBe(200);
    await openAllWeek(api, await siteUserId(api, 'DIJON', DEMO.neurologist));
    browser = await launchBrowser();
    scheduler = await signIn(browser, platform.server.url, DEMO.scheduler, DESKTOP);
    ward = await signIn(browser, platform.server.url, DEMO.wardMacon);
    neuro = await signIn(browser, platform.server.url, DEMO.neurologist);
    await mkdir(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
  });

  it('the scheduler books a session for the neurologist, requested by the Mâcon ward doctor, through the calendar', async () => {
    const { page } = scheduler;
    await page.goto(`${platform.server.url}/#/schedule`);
    await page.getByTestId('calendar').waitFor();
    // No shift in the rota: the gaps of the next 14 days are flagged to the scheduler.
    await page.getByTestId('rota-gaps-banner').waitFor();
    await page.getByTestId('booking-new').click();
    const form = page.getByTestId('booking-form');
    await form.waitFor();
    // Three minutes from now, in whole minutes, Paris wall clock (the form's time zone).
    startsLocal = toLocal(Math.ceil((Date.now() + 3 * 60_000) / 60_000) * 60_000);
    await page.getByTestId('booking-specialist').selectOption({ label: 'Dr Démo Neurologue (Neurologue)' });
    await page.getByTestId('booking-site').selectOption('MACON');
    await expect.poll(() => page.getByTestId('booking-requester').locator('option').count()).toBeGreaterThan(1);
    await page.getByTestId('booking-requester').selectOption({ label: 'Dr Démo Urgences Mâcon' });
    await page.getByTestId('booking-date').fill(startsLocal.date);
    await page.getByTestId('booking-time-input').fill(startsLocal.time);
    await page.getByTestId('booking-duration').selectOption('30');
    await page.getByTestId('booking-patient').fill('SEJ-2026-0815');
    await page.getByTestId('booking-reason').fill('Avis neurologique : suivi à 3 mois post-thrombolyse');
    await page.screenshot({ path: path.join(SHOTS, 'schedule-booking-form.png'), fullPage: true });
    await page.getByTestId('booking-submit').click();

    const card = page.getByTestId('booking').filter({ hasText: 'SEJ-2026-0815' });
    await card.waitFor({ timeout: 10_000 });
    bookingId = (await card.getAttribute('data-booking-id'))!;
    expect(bookingId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await card.getByTestId('booking-time').textContent()).toContain(startsLocal.time);
    expect(await card.textContent()).toMatch(/CH Mâcon/);
    await page.screenshot({ path: path.join(SHOTS, 'schedule-week-desktop.png'), fullPage: true });
  });

  it('shows the calendar by day and week at desktop and tablet sizes', async () => {
    const { page } = scheduler;
    await page.getByTestId('cal-view-day').click();
    await expect.poll(() => page.getByTestId('calendar').getAttribute('data-view')).toBe('day');
    await page.getByTestId('booking').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'schedule-day-desktop.png'), fullPage: true });
    await page.setViewportSize(TABLET_PORTRAIT);
    await page.getByTestId('cal-view-week').click();
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, 'schedule-week-tablet.png'), fullPage: true });
    await page.goto(`${platform.server.url}/#/schedule/rota`);
    await page.getByTestId('rota-gap').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'schedule-rota-tablet.png'), fullPage: true });
    await page.setViewportSize(DESKTOP);
  });

  it('the ward doctor and the neurologist see the session in their calendars, its room already open', async () => {
    for (const who of [ward, neuro]) {
      await who.page.goto(`${platform.server.url}/#/schedule`);
      const card = who.page.locator(`[data-testid="booking"][data-booking-id="${bookingId}"]`);
      await card.waitFor({ timeout: 10_000 });
      expect(await card.getByTestId('booking-time').textContent()).toContain(startsLocal.time);
      // A link, not a disabled button: the room opens 10 minutes before the start.
      await expect.poll(() => card.getByTestId('booking-join').evaluate((el) => el.tagName)).toBe('A');
    }
    await ward.page.setViewportSize(TABLET_PORTRAIT);
    await ward.page.screenshot({ path: path.join(SHOTS, 'schedule-ward-tablet.png'), fullPage: true });
    await ward.page.setViewportSize({ width: 1180, height: 820 });
  });

  it('the participants get the in-app reminder, the session starting within 15 minutes', async () => {
    // The server looks for due reminders every 30 s.
    for (const who of [ward, neuro]) await who.page.getByTestId('booking-reminder').waitFor({ timeout: 45_000 });
    expect(await ward.page.getByTestId('booking-reminder').textContent()).toMatch(/Téléconsultation à .*CH Mâcon/);
    expect(await scheduler.page.getByTestId('booking-reminder').count()).toBe(0);
  });

  it('both join the room and are connected to each other', async () => {
    for (const who of [ward, neuro]) {
      await who.page.locator(`[data-testid="booking"][data-booking-id="${bookingId}"]`).getByTestId('booking-join').click();
    }
    for (const { page } of [ward, neuro]) {
      await page.waitForURL(`**/#/schedule/bookings/${bookingId}/room`);
      await expect.poll(() => page.getByTestId('room-state').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected');
      await page.getByTestId('room-remote-video').waitFor({ timeout: 30_000 });
      // Connected means media: each side decodes the other's video.
      await expect.poll(() => framesDecoded(page), { timeout: 30_000 }).toBeGreaterThan(0);
    }
    expect(await ward.page.getByTestId('room-remote-tile').textContent()).toMatch(/Neurolog/);
    await neuro.page.screenshot({ path: path.join(SHOTS, 'schedule-room-neurologist.png') });
  });
});
