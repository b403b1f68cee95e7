import { generateStudy, type SyntheticInstance, type SyntheticStudyOptions } from '@telestroke/server/dicom/synthetic';
import type { Page } from 'playwright-core';
import { multipartBody, postStow, stowContentType } from '../../server/src/dicom/stow/stow.testing';

/**
 * STOWs a synthetic study as a site gateway: the first instance in a request of its own (as a modality streams the
 * first slice while it reconstructs the others), then the rest in one request. Resolves when every instance is
 * stored, with the time (epoch ms) the first request was sent.
 */
export async function stowAsGateway(
  baseUrl: string,
  token: string,
  instances: SyntheticInstance[],
  onFirstStored?: () => void,
): Promise<{ sentAt: number }> {
  const headers = { 'content-type': stowContentType(), authorization: `Bearer ${token}` };
  const url = `${baseUrl}/dicom-web/studies`;
  const sentAt = Date.now();
  const first = await postStow(url, [multipartBody([instances[0]!.bytes])], headers);
  if (first.status !== 200) throw new Error(`STOW of the first instance answered ${first.status}`);
  onFirstStored?.();
  if (instances.length > 1) {
    const rest = await postStow(url, [multipartBody(instances.slice(1).map((i) => i.bytes))], headers);
    if (rest.status !== 200) throw new Error(`STOW of the other instances answered ${rest.status}`);
  }
  return { sentAt };
}

/** A synthetic head CT, generated up front so that the timed STOW sends bytes only. */
export function syntheticCt(options: SyntheticStudyOptions = {}): SyntheticInstance[] {
  return [...generateStudy({ kind: 'ct', slices: 24, rows: 256, columns: 256, ...options })];
}

/**
 * Watches the page for the worklist row of `studyUid` and records, in `window.__rowSeenAt`, the wall-clock time
 * (epoch ms, the same clock as the server's) when it entered the DOM. Written as a string: the page must run it as
 * is, without the helpers a bundler would add to named functions.
 */
export async function watchForRow(page: Page, studyUid: string): Promise<void> {
  await page.evaluate(`(() => {
    window.__rowSeenAt = null;
    const selector = '[data-testid="worklist-row"][data-study-uid="${studyUid}"]';
    const observer = new MutationObserver(() => {
      if (window.__rowSeenAt === null && document.querySelector(selector)) {
        window.__rowSeenAt = performance.timeOrigin + performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true });
  })()`);
}

export async function rowSeenAt(page: Page): Promise<number | null> {
  return page.evaluate('window.__rowSeenAt ?? null') as Promise<number | null>;
}

/** Grey-level statistics of the first viewport's canvas, and a 16×16 grid of block means to compare two pictures. */
export interface CanvasStats {
  width: number;
  height: number;
  mean: number;
  std: number;
  /** Share of pixels at or near black (≤ 8) and white (≥ 247). */
  dark: number;
  bright: number;
  grid: number[];
  /** Every pixel's grey level (0-255), row by row, base64. */
  grey: string;
}

export async function canvasStats(page: Page): Promise<CanvasStats> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector('[data-testid="viewer-canvas-0"] canvas');
    if (!canvas) throw new Error('no viewer canvas');
    const { data, width, height } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const N = 16;
    const grey = new Uint8Array(width * height);
    const sums = new Array(N * N).fill(0);
    const counts = new Array(N * N).fill(0);
    let sum = 0, sum2 = 0, dark = 0, bright = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        const v = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
        grey[y * width + x] = Math.round(v);
        sum += v;
        sum2 += v * v;
        if (v <= 8) dark++;
        if (v >= 247) bright++;
        const cell = Math.min(N - 1, Math.floor((y * N) / height)) * N + Math.min(N - 1, Math.floor((x * N) / width));
        sums[cell] += v;
        counts[cell]++;
      }
    }
    const n = width * height;
    const mean = sum / n;
    let binary = '';
    for (let k = 0; k < grey.length; k += 8192) binary += String.fromCharCode.apply(null, grey.subarray(k, k + 8192));
    return {
      width, height, mean,
      std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)),
      dark: dark / n, bright: bright / n,
      grid: sums.map((s, k) => (counts[k] ? s / counts[k] : 0)),
      grey: btoa(binary),
    };
  })()`) as Promise<CanvasStats>;
}

/** Mean absolute difference of two pictures' block means, in grey levels (0-255). */
export function gridDifference(a: CanvasStats, b: CanvasStats): number {
  let d = 0;
  for (let i = 0; i < a.grid.length; i++) d += Math.abs(a.grid[i]! - (b.grid[i] ?? 0));
  return d / a.grid.length;
}

/**
 * The brain in `picture`, measured on the pixels that are mid-grey (16-239) in `reference`, the same slice in another
 * window: their share of the picture, the median and interquartile range of their grey levels in `picture` (robust to
 * the few edge pixels between skull and brain), and the share of them clipped to black (≤ 8) or white (≥ 247).
 */
export function midtoneContrast(
  reference: CanvasStats,
  picture: CanvasStats,
): { share: number; median: number; iqr: number; clipped: number } {
  const ref = Buffer.from(reference.grey, 'base64');
  const pic = Buffer.from(picture.grey, 'base64');
  if (ref.length !== pic.length) throw new Error('the two pictures differ in size');
  const values: number[] = [];
  let clipped = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    if (r < 16 || r > 239) continue;
    const v = pic[i]!;
    values.push(v);
    if (v <= 8 || v >= 247) clipped++;
  }
  if (values.length === 0) return { share: 0, median: 0, iqr: 0, clipped: 0 };
  values.sort((a, b) => a - b);
  const q = (p: number) => values[Math.min(values.length - 1, Math.floor(p * values.length))]!;
  return { share: values.length / ref.length, median: q(0.5), iqr: q(0.75) - q(0.25), clipped: clipped / values.length };
}

/**
 * When the page scrolls sideways (wider than the screen), the elements reaching furthest right, as
 * "tag.class[data-testid] right=px" strings, to name the culprit; empty when the layout fits.
 */
export async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const d = document.documentElement;
    if (d.scrollWidth <= d.clientWidth) return [];
    const all = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= d.clientWidth + 1) continue;
      const id = el.getAttribute('data-testid');
      const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      all.push([el.tagName.toLowerCase() + cls + (id ? '[' + id + ']' : '') + ' right=' + Math.round(r.right), r.right]);
    }
    all.sort((a, b) => b[1] - a[1]);
    return ['page ' + d.scrollWidth + ' px wide on a ' + d.clientWidth + ' px screen'].concat(all.slice(0, 6).map((a) => a[0]));
  })()`) as Promise<string[]>;
}

/**
 * Records, in the page, the system notifications it shows (`window.__notifications`) and the tones it plays
 * (`window.__tones`, oscillators started), so that a test can check the alert without hearing it. Runs before the
 * page's scripts.
 */
export const RECORD_ALERTS = `(() => {
  window.__notifications = [];
  window.__tones = 0;
  const Native = window.Notification;
  if (Native) {
    class Recorded extends Native {
      constructor(title, options) {
        window.__notifications.push({ title, body: options && options.body, tag: options && options.tag });
        super(title, options);
      }
    }
    Object.defineProperty(Recorded, 'permission', { get: () => Native.permission });
    Recorded.requestPermission = (...args) => Native.requestPermission(...args);
    window.Notification = Recorded;
  }
  const create = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () {
    window.__tones++;
    return create.call(this);
  };
})();`;

export interface RecordedAlerts {
  notifications: Array<{ title: string; body?: string; tag?: string }>;
  tones: number;
}

export async function recordedAlerts(page: Page): Promise<RecordedAlerts> {
  return page.evaluate('({ notifications: window.__notifications ?? [], tones: window.__tones ?? 0 })') as Promise<RecordedAlerts>;
}
