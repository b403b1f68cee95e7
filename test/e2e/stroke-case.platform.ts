import type { Page } from 'playwright-core';

/**
 * Records in the page, in `window.__nihssSeen`, the wall-clock time (epoch ms, the same clock as every page of this
 * machine) when each NIHSS item first showed each value, as "item=value" keys. Written as a string: the page runs it
 * as is, without the helpers a bundler would add to named functions.
 */
export async function watchNihss(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__nihssSeen = {};
    const record = () => {
      const now = performance.timeOrigin + performance.now();
      for (const el of document.querySelectorAll('[data-testid^="nihss-item-"]')) {
        const key = el.getAttribute('data-testid').slice('nihss-item-'.length) + '=' + el.getAttribute('data-value');
        if (window.__nihssSeen[key] === undefined) window.__nihssSeen[key] = now;
      }
    };
    record();
    new MutationObserver(record).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ['data-value'],
    });
  })()`);
}

/** When the watched page first showed `item` with `value`, or null if it has not yet. */
export async function nihssSeenAt(page: Page, item: string, value: number | 'untestable'): Promise<number | null> {
  return page.evaluate(`window.__nihssSeen[${JSON.stringify(`${item}=${value}`)}] ?? null`) as Promise<number | null>;
}

/** Taps the answer in the page and returns the time of the tap (epoch ms), taken in the page just before it. */
export async function tapNihss(page: Page, item: string, value: number | 'untestable'): Promise<number> {
  const selector = `[data-testid="nihss-${item}-${value}"]`;
  return page.evaluate(`(() => {
    const button = document.querySelector(${JSON.stringify(selector)});
    if (!button) throw new Error('no NIHSS button ' + ${JSON.stringify(selector)});
    const at = performance.timeOrigin + performance.now();
    button.click();
    return at;
  })()`) as Promise<number>;
}

/** Pages in a PDF: its page objects (`/Type /Page`, not the `/Pages` tree nodes), which PDFKit writes uncompressed. */
export function pdfPageCount(bytes: Buffer): number {
  return bytes.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g)?.length ?? 0;
}

/** A datetime-local input's value for `date`, in this process's local time (the browser's zone is the same). */
export function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
