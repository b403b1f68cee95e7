import { toLocal, type MetricId } from '@telestroke/shared';
import { boxStats, type BoxStats } from './stats';

/** One site's distribution of a delay, in minutes. */
export interface SiteDistribution {
  siteCode: string;
  siteName: string;
  n: number;
  median: number | null;
  box: BoxStats | null;
}

/** One month's median and quartiles (null: no case that month), `month` as YYYY-MM. */
export interface MonthMedian {
  month: string;
  n: number;
  median: number | null;
  p25?: number | null;
  p75?: number | null;
}

/** What one metric's card draws. */
export interface MetricView {
  id: MetricId;
  n: number;
  median: number | null;
  sites: SiteDistribution[];
  months: MonthMedian[];
}

export interface MetricsFilters {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, inclusive. */
  to: string;
  siteCode?: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The last twelve months, this one included, in the network's (Paris) calendar: a year of trends at a glance. */
export function defaultFilters(now: number): MetricsFilters {
  const today = toLocal(now).date;
  const [y, m] = today.split('-').map(Number) as [number, number];
  const first = new Date(Date.UTC(y, m - 1 - 11, 1));
  return { from: `${first.getUTCFullYear()}-${pad(first.getUTCMonth() + 1)}-01`, to: today };
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDay(value: string): boolean {
  const m = DAY.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export type RangeProblem = 'missing' | 'reversed' | null;

/** Whether the filters can be sent: both days valid, and `from` not after `to` (same day is one day). */
export function rangeProblem(filters: MetricsFilters): RangeProblem {
  if (!isDay(filters.from) || !isDay(filters.to)) return 'missing';
  return filters.from > filters.to ? 'reversed' : null;
}

/** The query string of both the JSON and the CSV endpoints, so that the export is exactly what is on screen. */
export function metricsQuery(filters: MetricsFilters): string {
  const query = new URLSearchParams({ from: filters.from, to: filters.to });
  if (filters.siteCode) query.set('siteCode', filters.siteCode);
  return query.toString();
}

export function csvHref(filters: MetricsFilters): string {
  return `/api/metrics.csv?${metricsQuery(filters)}`;
}

/** Every month from `from`'s to `to`'s, as YYYY-MM: the line's x axis, with the months that had no case. */
export function monthsBetween(from: string, to: string): string[] {
  const [fy, fm] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  if (!fy || !fm || !ty || !tm) return [];
  const months: string[] = [];
  // A bound keeps a typo such as year 20255 from building a list of a million months.
  for (let y = fy, m = fm; (y < ty || (y === ty && m <= tm)) && months.length < 240; m === 12 ? (y++, (m = 1)) : m++) {
    months.push(`${y}-${pad(m)}`);
  }
  return months;
}

/** The months of the range, each with its median where the server had cases, in order. */
export function fillMonths(months: readonly string[], rows: readonly MonthMedian[]): MonthMedian[] {
  const byMonth = new Map(rows.map((r) => [r.month, r]));
  return months.map((month) => byMonth.get(month) ?? { month, n: 0, median: null });
}

/** A month label for the axis: "janv. 26" in French, "Jan 26" in English. */
export function monthLabel(month: string, locale: string): string {
  const [y, m] = month.split('-').map(Number);
  if (!y || !m) return month;
  return new Intl.DateTimeFormat(locale, { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, 1)),
  );
}

/** Which month labels to print so that they do not overlap: every k-th, always the first and the last. */
export function labelledIndexes(count: number, maxLabels: number): Set<number> {
  const set = new Set<number>();
  if (count <= 0) return set;
  const every = Math.max(1, Math.ceil(count / Math.max(1, maxLabels)));
  for (let i = 0; i < count; i += every) set.add(i);
  const last = count - 1;
  if (!set.has(last)) {
    // The latest month is the one people look for: it replaces the label it would be too close to, unless that
    // is the first one.
    const previous = last - (last % every);
    if (previous !== 0) set.delete(previous);
    set.add(last);
  }
  return set;
}

/**
 * A delay for people: "42 min" under an hour, "1 h 05" beyond (door-in-door-out runs to hours). Minutes are
 * rounded to the nearest whole one; the exact value stays in the element's data-value.
 */
export function formatMinutes(minutes: number): string {
  const total = Math.round(minutes);
  if (Math.abs(total) < 60) return `${total} min`;
  const sign = total < 0 ? '−' : '';
  const abs = Math.abs(total);
  return `${sign}${Math.floor(abs / 60)} h ${pad(abs % 60)}`;
}

/** The server's quartiles of a site, in minutes; null where it had no interval. */
export interface Quartiles {
  p25: number | null;
  median: number | null;
  p75: number | null;
}

/**
 * A site's distribution from its delays. The whiskers and outlying cases come from the values; the quartiles are the
 * server's when given, which it computes on the unrounded delays, so that the box says what the CSV says.
 */
export function siteDistribution(
  siteCode: string,
  siteName: string,
  values: readonly number[],
  quartiles?: Quartiles,
): SiteDistribution {
  const computed = boxStats(values);
  const box = computed && {
    ...computed,
    q1: quartiles?.p25 ?? computed.q1,
    median: quartiles?.median ?? computed.median,
    q3: quartiles?.p75 ?? computed.q3,
  };
  return { siteCode, siteName, n: box?.n ?? 0, median: box?.median ?? null, box };
}

/** The largest value a metric's charts must show: the top of the value axis. */
export function metricMax(view: MetricView): number {
  let max = 0;
  for (const s of view.sites) {
    if (!s.box) continue;
    max = Math.max(max, s.box.whiskerHigh, s.box.q3, ...s.box.outliers);
  }
  for (const m of view.months) max = Math.max(max, m.median ?? 0, m.p75 ?? 0);
  return max;
}
