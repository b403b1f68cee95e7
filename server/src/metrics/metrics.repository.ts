import { HISTOGRAM_BUCKET_MINUTES, HISTOGRAM_BUCKETS, METRIC_INTERVALS, type MetricId } from '@telestroke/shared';
import type { Queryable } from '../db/Db';

/** One aggregate row: site and month are null where the grouping set is over all sites or all months. */
export interface MetricAggregateRow {
  metric: MetricId;
  site_id: string | null;
  month: string | null;
  n: number;
  median: number | null;
  p25: number | null;
  p75: number | null;
  min: number | null;
  max: number | null;
  /** Ascending delays, on the per-site rows only. */
  delays: number[] | null;
}

export interface HistogramRow {
  metric: MetricId;
  site_id: string | null;
  bucket: number;
  n: number;
}

// The kinds of METRIC_INTERVALS pivoted into one row per case, then one row per case and metric (its delay).
// Everything comes from the case_timeline view, so an entered correction of a timestamp is what counts.
const PIVOT_KINDS = [...new Set(Object.values(METRIC_INTERVALS).flat())];
const INTERVALS_CTE = `
  per_case AS (
    SELECT t.case_id, t.site_id,
           ${PIVOT_KINDS.map((k) => `max(t.at) FILTER (WHERE t.kind = '${k}') AS ${k}`).join(',\n           ')}
      FROM case_timeline t
     WHERE t.site_id = ANY($1::uuid[])
     GROUP BY t.case_id, t.site_id
  ),
  anchored AS (
    SELECT p.*, to_char(coalesce(p.door, p.consult_requested) AT TIME ZONE 'Europe/Paris', 'YYYY-MM') AS month
      FROM per_case p
     WHERE (coalesce(p.door, p.consult_requested) AT TIME ZONE 'Europe/Paris')::date BETWEEN $2::date AND $3::date
  ),
  intervals AS (
    SELECT a.case_id, a.site_id, a.month, m.metric, extract(epoch FROM (m.end_at - m.start_at)) / 60.0 AS minutes
      FROM anchored a
     CROSS JOIN LATERAL (VALUES
       ${Object.entries(METRIC_INTERVALS)
         .map(([metric, [start, end]]) => `('${metric}', a.${start}, a.${end})`)
         .join(',\n       ')}
     ) AS m(metric, start_at, end_at)
     WHERE m.start_at IS NOT NULL AND m.end_at IS NOT NULL AND m.end_at >= m.start_at
  )`;

const r1 = (expr: string) => `round((${expr})::numeric, 1)::float8`;

/** Count, quartiles, extremes (minutes to 0.1) per metric, over all, per site, per month, per site and month. */
export async function aggregateMetrics(q: Queryable, siteIds: string[], from: string, to: string): Promise<MetricAggregateRow[]> {
  const { rows } = await q.query<MetricAggregateRow>(
    `WITH ${INTERVALS_CTE}
     SELECT metric, site_id, month,
            count(*)::int AS n,
            ${r1('percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes)')} AS median,
            ${r1('percentile_cont(0.25) WITHIN GROUP (ORDER BY minutes)')} AS p25,
            ${r1('percentile_cont(0.75) WITHIN GROUP (ORDER BY minutes)')} AS p75,
            ${r1('min(minutes)')} AS min,
            ${r1('max(minutes)')} AS max,
            CASE WHEN GROUPING(site_id) = 0 AND GROUPING(month) = 1
                 THEN array_agg(${r1('minutes')} ORDER BY minutes) END AS delays
       FROM intervals
      GROUP BY GROUPING SETS ((metric), (metric, site_id), (metric, month), (metric, site_id, month))
      ORDER BY metric, site_id NULLS FIRST, month NULLS FIRST`,
    [siteIds, from, to],
  );
  return rows;
}

/** Counts per 15-minute bucket per metric, over all sites (site_id null) and per site. */
export async function metricHistograms(q: Queryable, siteIds: string[], from: string, to: string): Promise<HistogramRow[]> {
  const { rows } = await q.query<HistogramRow>(
    `WITH ${INTERVALS_CTE}
     SELECT metric, site_id, bucket, count(*)::int AS n
       FROM (SELECT metric, site_id, least(floor(minutes / ${HISTOGRAM_BUCKET_MINUTES}), ${HISTOGRAM_BUCKETS - 1})::int AS bucket
               FROM intervals) b
      GROUP BY GROUPING SETS ((metric, bucket), (metric, site_id, bucket))`,
    [siteIds, from, to],
  );
  return rows;
}
