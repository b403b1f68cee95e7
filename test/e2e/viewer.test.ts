import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateStudy } from '@telestroke/server/dicom/synthetic';
import { startTestServer, TEST_DEMO_PASSWORD, type TestServer } from '@telestroke/server/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayToken, multipartBody, postStow, stowContentType, stowResultItems } from '../../server/src/dicom/stow/stow.testing';
import { launchBrowser } from './browser';
import { DEMO, signIn, type Clinician } from './consult.platform';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots of the viewer, for people to look at; not compared. */
const SHOTS = process.env.E2E_SCREENSHOTS ?? path.join(root, 'test/build/screenshots');

const SLICES = 40;
const MATRIX = 256;
/** 2 mm apart: the stack runs from z = -39 to +39 mm and the M1 segments (z = -22) fall on slices 8 and 9. */
const SLICE_MM = 2;
const M1_SLICE = 8;

/** A square of the patient's axial plane: centre (x to the patient's left, y posterior) and half side, mm. */
interface Region {
  x: number;
  y: number;
  half: number;
}

/**
 * Grey-level statistics of the cornerstone canvas of viewport `n`, over `region` (default: the whole canvas), once
 * the slice on screen is the one the overlay announces (and the slab, when `mipMm` is given). The image is fitted
 * to the canvas and centred, so patient millimetres map to canvas pixels by the fitted scale.
 */
async function canvasStats(page: Page, n: 0 | 1, region?: Region, options: { mipMm?: number; brightAbove?: number } = {}) {
  const slice = page.getByTestId(`viewer-viewport-${n}`).getByTestId('viewer-slice');
  await expect
    .poll(async () => [await slice.getAttribute('data-drawn-index'), await slice.getAttribute('data-drawn-mip')])
    .toEqual([await slice.getAttribute('data-index'), String(options.mipMm ?? 0)]);
  // Two frames: cornerstone draws on the next animation frame after a change.
  await page.evaluate(() => {
    const raf = (globalThis as any).requestAnimationFrame as (f: () => void) => void;
    return new Promise<void>((r) => raf(() => raf(r)));
  });
  return page.evaluate(
    ({ n, region, brightAbove, matrix, spacing }) => {
      // The test project has no DOM types: this runs in the page.
      const canvas = (globalThis as any).document.querySelector(`[data-testid="viewer-canvas-${n}"] canvas`);
      const ctx = canvas.getContext('2d');
      let [x0, y0, w, h] = [0, 0, canvas.width, canvas.height];
      if (region) {
        const pxPerMm = Math.min(canvas.width, canvas.height) / matrix / spacing;
        const half = Math.round(region.half * pxPerMm);
        x0 = Math.round(canvas.width / 2 + region.x * pxPerMm) - half;
        y0 = Math.round(canvas.height / 2 + region.y * pxPerMm) - half;
        w = h = 2 * half;
      }
      const { data } = ctx.getImageData(x0, y0, w, h) as { data: Uint8ClampedArray };
      let sum = 0;
      let sumSq = 0;
      let bright = 0;
      const count = data.length / 4;
      for (let i = 0; i < data.length; i += 4) {
        const g = data[i]!;
        sum += g;
        sumSq += g * g;
        if (g >= brightAbove) bright++;
      }
      const mean = sum / count;
      return { mean, sd: Math.sqrt(Math.max(0, sumSq / count - mean * mean)), bright };
    },
    { n, region, brightAbove: options.brightAbove ?? 250, matrix: MATRIX, spacing: 230 / MATRIX },
  );
}

async function sliceIndex(page: Page, n: 0 | 1): Promise<number> {
  return Number(await page.getByTestId(`viewer-viewport-${n}`).getByTestId('viewer-slice').getAttribute('data-index'));
}

async function waitForWindow(page: Page, ww: number, wc: number): Promise<void> {
  await expect.poll(async () => [await page.getByTestId('viewer-wl').getAttribute('data-ww'), await page.getByTestId('viewer-wl').getAttribute('data-wc')]).toEqual([
    String(ww),
    String(wc),
  ]);
}

/**
 * The viewer in Debian's Chromium on a tablet-sized screen: a synthetic NCCT + CTA study STOWed by CH Mâcon's gateway
 * is opened by the Dijon neurologist; scrolling, presets, MIP, synchronised scroll and measurements are checked on
 * the pixels the canvas actually shows.
 */
describe('stroke DICOM viewer in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let neuro: Clinician;
  let studyUid = '';
  const seriesUids: Record<'ct' | 'cta', string> = { ct: '', cta: '' };

  beforeAll(async () => {
    server = await startTestServer();
    const token = await createGatewayToken(server.server.db, 'MACON');
    const files: Buffer[] = [];
    for (const instance of generateStudy({ kind: 'ct+cta', slices: SLICES, rows: MATRIX, columns: MATRIX, sliceSpacing: SLICE_MM })) {
      files.push(instance.bytes);
      studyUid = instance.studyInstanceUid;
      seriesUids[instance.series] = instance.seriesInstanceUid;
    }
    const res = await postStow(`${server.url}/dicom-web/studies`, [multipartBody(files)], {
      'content-type': stowContentType(),
      authorization: `Bearer ${token}`,
    });
    expect(res.status).toBe(200);
    expect(stowResultItems(res.body).referenced).toHaveLength(2 * SLICES);
    browser = await launchBrowser();
    neuro = await signIn(browser, server.url, DEMO.neurologist);
    await mkdir(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opening #/studies/{uid} shows the NCCT, its two series as thumbnails, and loads the whole series', async () => {
    const { page } = neuro;
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`${server.url}/#/studies/${studyUid}`);
    const viewer = page.getByTestId('viewer');
    await expect.poll(() => viewer.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready');
    const thumbs = page.getByTestId('viewer-series-thumb');
    expect(await thumbs.count()).toBe(2);
    expect(await thumbs.nth(0).getAttribute('data-series-uid')).toBe(seriesUids.ct);
    expect(await thumbs.nth(1).getAttribute('data-series-uid')).toBe(seriesUids.cta);
    // Thumbnails come from the rendered endpoint and actually decode.
    await expect.poll(() => thumbs.nth(1).locator('img').evaluate((img: any) => (img.complete ? (img.naturalWidth as number) : 0))).toBeGreaterThan(0);

    const progress = page.getByTestId('viewer-progress');
    await expect.poll(() => progress.getAttribute('data-loaded'), { timeout: 20_000 }).toBe(String(SLICES));
    expect(await progress.getAttribute('data-total')).toBe(String(SLICES));
    const slice = page.getByTestId('viewer-viewport-0').getByTestId('viewer-slice');
    expect(await slice.getAttribute('data-count')).toBe(String(SLICES));
    expect(await slice.getAttribute('data-index')).toBe(String((SLICES - 1) >> 1));
    // The slice on screen came alone; the rest with the series, in one retrieve.
    expect(requests.filter((p) => p === `/dicom-web/studies/${studyUid}/series/${seriesUids.ct}`)).toHaveLength(1);
    expect(requests.filter((p) => p.endsWith('/frames/1')).length).toBeLessThan(SLICES / 4);
    const timings = await page.evaluate(
      () => (globalThis as any).__viewer as { openedAt: number; firstImageAt?: number; allCachedAt?: number } | undefined,
    );
    expect(timings?.firstImageAt).toBeGreaterThan(timings!.openedAt);
    // A small series can be all in before the first slice is painted: each time counts from the opening, not in order.
    expect(timings?.allCachedAt).toBeGreaterThan(timings!.openedAt);
    // The name is on screen, in the overlay.
    expect(await page.getByTestId('viewer-viewport-0').textContent()).toContain('SYNTHETIQUE PATIENT');
    // The default window of a stroke read is the brain preset.
    await waitForWindow(page, 80, 40);
    const drawn = await canvasStats(page, 0);
    expect(drawn.sd).toBeGreaterThan(10);
    await page.screenshot({ path: path.join(SHOTS, 'viewer-tablet.png') });
  });

  it('scrolling by wheel, keys and drag moves through the stack and the canvas shows another slice', async () => {
    const { page } = neuro;
    const canvas = page.getByTestId('viewer-canvas-0');
    const start = await sliceIndex(page, 0);
    const before = await canvasStats(page, 0);

    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 120); // three notches of 40 px
    await expect.poll(() => sliceIndex(page, 0)).toBe(start + 3);
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(() => sliceIndex(page, 0)).toBe(start + 6);
    // Drag upwards with the default scroll tool: 6 px per slice.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 - 60, { steps: 6 });
    await page.mouse.up();
    await expect.poll(() => sliceIndex(page, 0)).toBe(start - 4);
    for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(() => sliceIndex(page, 0)).toBe(start + 8);

    // Higher in the head: a smaller section, so less of the canvas is lit and the statistics change.
    const after = await canvasStats(page, 0);
    expect(Math.abs(after.mean - before.mean)).toBeGreaterThan(1);
    expect(Math.abs(after.sd - before.sd)).toBeGreaterThan(0.5);

    // Cine runs through the slices by itself until stopped.
    await page.getByTestId('viewer-cine').click();
    await expect.poll(() => sliceIndex(page, 0)).not.toBe(start + 8);
    await page.getByTestId('viewer-cine').click();
    await expect.poll(() => page.getByTestId('viewer-cine').getAttribute('aria-pressed')).toBe('false');
    const stopped = await sliceIndex(page, 0);
    await page.waitForTimeout(300);
    expect(await sliceIndex(page, 0)).toBe(stopped);
    await page.keyboard.press('Home');
    for (let i = 0; i < start + 8; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(() => sliceIndex(page, 0)).toBe(start + 8);
  });

  it('the stroke preset narrows the window to W40/L40 and raises the contrast inside the brain', async () => {
    const { page } = neuro;
    await page.getByTestId('viewer-preset-brain').click();
    await waitForWindow(page, 80, 40);
    // Parenchyma of the right hemisphere, clear of ventricles, deep grey matter, skull and the left-sided lesion.
    const parenchyma = { x: -30, y: 0, half: 8 };
    const brain = await canvasStats(page, 0, parenchyma);
    await page.getByTestId('viewer-preset-stroke').click();
    await waitForWindow(page, 40, 40);
    const stroke = await canvasStats(page, 0, parenchyma);
    // Twice the grey levels per HU: the same tissue and noise spread twice as wide.
    expect(stroke.sd).toBeGreaterThan(brain.sd * 1.6);
    expect(Math.abs(stroke.mean - brain.mean)).toBeLessThan(40);
    await page.screenshot({ path: path.join(SHOTS, 'viewer-stroke-window.png') });
    expect(await page.getByTestId('viewer-preset-stroke').getAttribute('aria-pressed')).toBe('true');

    await page.getByTestId('viewer-preset-bone').click();
    await waitForWindow(page, 2000, 500);
    const bone = await canvasStats(page, 0, parenchyma);
    expect(bone.sd).toBeLessThan(brain.sd);
    await page.keyboard.press('3');
    await waitForWindow(page, 8, 32);
    await page.keyboard.press('1');
    await waitForWindow(page, 80, 40);
  });

  it('invert turns the grey levels over and reset brings the picture back', async () => {
    const { page } = neuro;
    const normal = await canvasStats(page, 0);
    await page.getByTestId('viewer-invert').click();
    await expect.poll(() => page.getByTestId('viewer-invert').getAttribute('aria-pressed')).toBe('true');
    const inverted = await canvasStats(page, 0);
    expect(inverted.mean).toBeGreaterThan(normal.mean + 50);
    await page.getByTestId('viewer-preset-stroke').click();
    await page.keyboard.press('+');
    await page.getByTestId('viewer-reset').click();
    await waitForWindow(page, 80, 40);
    const reset = await canvasStats(page, 0);
    expect(Math.abs(reset.mean - normal.mean)).toBeLessThan(0.5);
  });

  it('a length in mm and an HU ROI are measured from PixelSpacing and the rescale', async () => {
    const { page } = neuro;
    const canvas = page.getByTestId('viewer-canvas-0');
    const box = (await canvas.boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const scale = Math.min(box.width, box.height) / MATRIX;

    await page.getByTestId('viewer-measure-length').click();
    await page.mouse.move(cx - 50, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 50, cy, { steps: 5 });
    await page.mouse.up();
    const length = page.locator('[data-testid="viewer-measure-result"][data-kind="length"]');
    await length.waitFor();
    const expected = (100 / scale) * (230 / MATRIX);
    expect(Number(await length.getAttribute('data-value'))).toBeCloseTo(expected, 0);
    expect(await length.textContent()).toMatch(/mm/);

    await page.getByTestId('viewer-measure-roi').click();
    // A small ROI in the thalamus/white matter region near the midline, within the brain.
    await page.mouse.move(cx - 12, cy + 12);
    await page.mouse.down();
    await page.mouse.move(cx + 12, cy + 36, { steps: 4 });
    await page.mouse.up();
    const roi = page.locator('[data-testid="viewer-measure-result"][data-kind="roi"]');
    await roi.waitFor();
    const mean = Number(await roi.getAttribute('data-value'));
    // Brain tissue of the phantom is 5–40 HU (plus 3 HU noise): stored values would be above 1000.
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(45);
    expect(await roi.textContent()).toMatch(/UH/);
    await page.screenshot({ path: path.join(SHOTS, 'viewer-measures.png') });
    await page.getByTestId('viewer-tool-scroll').click();
  });

  it('a 10 mm MIP on the CTA brings out vessels the single slice does not show', async () => {
    const { page } = neuro;
    await page.getByTestId('viewer-series-thumb').nth(1).click();
    const slice = page.getByTestId('viewer-viewport-0').getByTestId('viewer-slice');
    await expect.poll(() => slice.getAttribute('data-count')).toBe(String(SLICES));
    await page.keyboard.press('Home');
    for (let i = 0; i < M1_SLICE; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(() => sliceIndex(page, 0)).toBe(M1_SLICE);
    await waitForWindow(page, 80, 40);
    // Inside the skull only: ±30 mm around the centre holds the carotid terminus, M1, A1 and basilar segments.
    const centre = { x: 0, y: 0, half: 30 };
    const single = await canvasStats(page, 0, centre);
    expect(single.bright).toBeGreaterThan(0);

    await page.getByTestId('viewer-mip-thickness').fill('10');
    await page.getByTestId('viewer-mip').click();
    await expect.poll(() => page.getByTestId('viewer-mip').getAttribute('aria-pressed')).toBe('true');
    const mip = await canvasStats(page, 0, centre, { mipMm: 10 });
    expect(mip.bright).toBeGreaterThan(single.bright * 1.2);
    expect(mip.mean).toBeGreaterThan(single.mean);
    await page.screenshot({ path: path.join(SHOTS, 'viewer-cta-mip.png') });

    // Thicker slab, more vessel.
    await page.getByTestId('viewer-mip-thickness').fill('30');
    const thick = await canvasStats(page, 0, centre, { mipMm: 30 });
    expect(thick.bright).toBeGreaterThan(mip.bright);
    // Out of the thickness field, so that the shortcut reaches the viewer.
    await page.getByTestId('viewer-canvas-0').click();
    await page.keyboard.press('m');
    await expect.poll(() => page.getByTestId('viewer-mip').getAttribute('aria-pressed')).toBe('false');
  });

  it('two series side by side scroll together, slice position for slice position', async () => {
    const { page } = neuro;
    await page.getByTestId('viewer-series-thumb').nth(0).click();
    await page.getByTestId('viewer-layout').click();
    await page.getByTestId('viewer-canvas-1').waitFor();
    const other = page.getByTestId('viewer-viewport-1').getByTestId('viewer-slice');
    await expect.poll(() => other.getAttribute('data-count')).toBe(String(SLICES));
    await page.getByTestId('viewer-canvas-0').click();
    const start = await sliceIndex(page, 0);
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowUp');
    await expect.poll(() => sliceIndex(page, 0)).toBe(start - 5);
    // Same frame of reference, same positions: the CTA follows to the same slice.
    await expect.poll(() => sliceIndex(page, 1)).toBe(start - 5);
    await expect.poll(async () => (await canvasStats(page, 1)).sd).toBeGreaterThan(5);
    await page.screenshot({ path: path.join(SHOTS, 'viewer-side-by-side.png') });

    await page.getByTestId('viewer-help').click();
    await page.getByTestId('viewer-help-overlay').waitFor();
    expect(await page.getByTestId('viewer-help-overlay').textContent()).toMatch(/MIP/);
    await page.screenshot({ path: path.join(SHOTS, 'viewer-help.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('viewer-help-overlay').count()).toBe(0);
  });

  it('on a phone the two viewports stack vertically; one finger scrolls, two fingers pinch-zoom', async () => {
    // A touch phone: Chromium turns the touches below into the pointer events the viewer listens to.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, locale: 'fr-FR' });
    const phone = { context, page: await context.newPage() };
    await phone.page.goto(`${server.url}/`);
    await phone.page.getByTestId('login-email').fill(DEMO.neurologist);
    await phone.page.getByTestId('login-password').fill(TEST_DEMO_PASSWORD);
    await phone.page.getByTestId('login-submit').click();
    await phone.page.getByTestId('user-name').waitFor();
    try {
      await phone.page.goto(`${server.url}/#/studies/${studyUid}`);
      await expect.poll(() => phone.page.getByTestId('viewer').getAttribute('data-state'), { timeout: 20_000 }).toBe('ready');
      await phone.page.getByTestId('viewer-layout').click();
      const a = (await phone.page.getByTestId('viewer-canvas-0').boundingBox())!;
      const b = (await phone.page.getByTestId('viewer-canvas-1').boundingBox())!;
      expect(b.y).toBeGreaterThanOrEqual(a.y + a.height - 1);
      expect(a.width).toBeGreaterThan(300);
      // Nothing pushes the page sideways: the tool row scrolls within itself.
      expect(await phone.page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number)).toBeLessThanOrEqual(390);
      await expect.poll(async () => (await canvasStats(phone.page, 1)).sd).toBeGreaterThan(5);
      await phone.page.screenshot({ path: path.join(SHOTS, 'viewer-phone.png'), fullPage: true });

      const cdp = await context.newCDPSession(phone.page);
      const touch = (type: string, touchPoints: Array<{ x: number; y: number; id: number }>) =>
        cdp.send('Input.dispatchTouchEvent', { type: type as 'touchStart', touchPoints });
      await phone.page.getByTestId('viewer-canvas-0').scrollIntoViewIfNeeded();
      const box = (await phone.page.getByTestId('viewer-canvas-0').boundingBox())!;
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      const start = await sliceIndex(phone.page, 0);
      await touch('touchStart', [{ x: cx, y: cy, id: 1 }]);
      for (let k = 1; k <= 5; k++) await touch('touchMove', [{ x: cx, y: cy + 6 * k, id: 1 }]);
      await touch('touchEnd', []);
      await expect.poll(() => sliceIndex(phone.page, 0)).toBe(start + 5);
      // Linked scroll follows on the CTA below.
      await expect.poll(() => sliceIndex(phone.page, 1)).toBe(start + 5);

      const zoom = phone.page.getByTestId('viewer-viewport-0').getByTestId('viewer-zoom');
      const before = Number(await zoom.getAttribute('data-scale'));
      await touch('touchStart', [
        { x: cx - 20, y: cy, id: 1 },
        { x: cx + 20, y: cy, id: 2 },
      ]);
      for (let k = 1; k <= 5; k++) {
        await touch('touchMove', [
          { x: cx - 20 - 8 * k, y: cy, id: 1 },
          { x: cx + 20 + 8 * k, y: cy, id: 2 },
        ]);
      }
      await touch('touchEnd', []);
      // The fingers went from 40 to 120 px apart: three times the scale, and no slice change on the way.
      await expect.poll(async () => Number(await zoom.getAttribute('data-scale'))).toBeGreaterThan(before * 2.5);
      expect(await sliceIndex(phone.page, 0)).toBe(start + 5);
    } finally {
      await phone.context.close();
    }
  });
});
