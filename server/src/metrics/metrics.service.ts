import {
  HISTOGRAM_BUCKETS,
  METRIC_IDS,
  toLocal,
  type MetricDto,
  type MetricsDto,
  type MetricsQuery,
  type MetricStats,
  type SiteDto,
} from '@telestroke/shared';
import type { Queryable } from '../db/Db';
import { aggregateMetrics, metricHistograms, type MetricAggregateRow } from './metrics.repository';

/** The default range: the last twelve months in the network's calendar, this one included. */
export function defaultRange(now: number): { from: string; to: string } {
  const to = toLocal(now).date;
  const [y, m] = to.split('-').map(Number) as [number, number];
  const first = new Date(Date.UTC(y, m - 1 - 11, 1));
  return { from: first.toISOString().slice(0, 10), to };
}

function stats(r: MetricAggregateRow | undefined): MetricStats {
  return {
    n: r?.n ?? 0,
    median: r?.median ?? null,
    p25: r?.p25 ?? null,
    p75: r?.p75 ?? null,
    min: r?.min ?? null,
    max: r?.max ?? null,
  };
}

/**
 * The metrics of the given remote sites (already limited to those the caller sees) over a range of days. The
 * statistics come from SQL (server/src/metrics/metrics.repository.ts); this only shapes them.
 */
export async function computeMetrics(
  q: Queryable,
  sites: SiteDto[],
  query: MetricsQuery,
  now = Date.now(),
): Promise<MetricsDto> {
  const range = defaultRange(now);
  const from = query.from ?? (query.to && query.to < range.from ? query.to : range.from);
  const to = query.to ?? range.to;
  const siteIds = sites.map((s) => s.id);
  const [aggregates, histograms] = await Promise.all([
    aggregateMetrics(q, siteIds, from, to),
    metricHistograms(q, siteIds, from, to),
  ]);
  const siteById = new Map(sites.map((s) => [s.id, s]));
  const histogram = (metric: string, siteId: string | null) => {
    const counts = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
    for (const h of histograms) if (h.metric === metric && h.site_id === siteId) counts[h.bucket] = h.n;
    return counts;
  };
  const metrics: MetricDto[] = METRIC_IDS.map((metric) => {
    const rows = aggregates.filter((r) => r.metric === metric);
    return {
      metric,
      unit: 'min',
      ...stats(rows.find((r) => r.site_id === null && r.month === null)),
      histogram: histogram(metric, null),
      bySite: rows
        .filter((r) => r.site_id !== null && r.month === null)
        .map((r) => ({
          siteCode: siteById.get(r.site_id!)?.code ?? '',
          siteName: siteById.get(r.site_id!)?.name ?? '',
          ...stats(r),
          values: r.delays ?? [],
          histogram: histogram(metric, r.site_id),
        }))
        .sort((a, b) => a.siteCode.localeCompare(b.siteCode)),
      byMonth: rows.filter((r) => r.site_id === null && r.month !== null).map((r) => ({ month: r.month!, ...stats(r) })),
      bySiteMonth: rows
        .filter((r) => r.site_id !== null && r.month !== null)
        .map((r) => ({ siteCode: siteById.get(r.site_id!)?.code ?? '', month: r.month!, ...stats(r) })),
    };
  });
  return { from, to, siteCodes: sites.map((s) => s.code).sort(), metrics };
}

const CSV_COLUMNS = ['metric', 'site_code', 'month', 'n', 'median_min', 'p25_min', 'p75_min', 'min_min', 'max_min'];

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  // Site codes and metric ids are plain; quoting stays for safety should a value ever carry a separator.
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The metrics as CSV (RFC 4180, comma, '.' decimals, CRLF), one row per metric and grouping: all sites and months
 * (site_code and month empty), per site, per month, per site and month. A BOM lets spreadsheet software read UTF-8.
 */
export function metricsCsv(dto: MetricsDto): string {
  const lines = [CSV_COLUMNS.join(',')];
  const row = (metric: string, site: string, month: string, s: MetricStats) =>
    lines.push([metric, site, month, s.n, s.median, s.p25, s.p75, s.min, s.max].map(csvCell).join(','));
  for (const m of dto.metrics) {
    row(m.metric, '', '', m);
    for (const s of m.bySite) row(m.metric, s.siteCode, '', s);
    for (const mo of m.byMonth) row(m.metric, '', mo.month, mo);
    for (const sm of m.bySiteMonth) row(m.metric, sm.siteCode, sm.month, sm);
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
