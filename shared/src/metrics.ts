import { z } from 'zod';
import { SiteCodeSchema } from './auth';

/**
 * Network quality metrics of the stroke cases (issue #7): delays in minutes between timeline events, by remote site
 * and by month. No patient data: counts, quartiles, histograms and the anonymous list of delays of each site.
 *
 * - `GET /api/metrics?from&to&siteCode` -> MetricsDto (hub staff, schedulers, admins; the sites they see)
 * - `GET /api/metrics.csv?from&to&siteCode` -> text/csv, one row per metric × (all | site | month | site and month)
 *
 * A case counts in the month (Europe/Paris) of its door time, or of its consult request when no door time was
 * entered. An interval needs both ends; one whose end is before its start (a typing error) is left out.
 */
export const METRIC_IDS = ['door_to_ct', 'image_to_read', 'request_to_accept', 'door_to_needle', 'door_in_door_out'] as const;
export const MetricIdSchema = z.enum(METRIC_IDS);
export type MetricId = z.infer<typeof MetricIdSchema>;

/** The timeline kinds each metric runs between (start -> end). */
export const METRIC_INTERVALS: Readonly<Record<MetricId, readonly [start: string, end: string]>> = Object.freeze({
  door_to_ct: ['door', 'ct_start'],
  image_to_read: ['images_received', 'read_signed'],
  request_to_accept: ['consult_requested', 'consult_accepted'],
  door_to_needle: ['door', 'needle'],
  door_in_door_out: ['door', 'transfer_departed'],
});

/** Histogram buckets of 15 minutes from 0 to 120; the last bucket holds everything from 120 minutes on. */
export const HISTOGRAM_BUCKET_MINUTES = 15;
export const HISTOGRAM_BUCKETS = 9;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DaySchema = z
  .string()
  .regex(DAY, 'a day: YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, 'not a calendar day');

/** Days are inclusive, in the network's calendar (Europe/Paris). Default: the last twelve months, this one included. */
export const MetricsQuerySchema = z
  .object({
    from: DaySchema.optional(),
    to: DaySchema.optional(),
    siteCode: SiteCodeSchema.optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from is after to', path: ['from'] });
export type MetricsQuery = z.infer<typeof MetricsQuerySchema>;

/** Minutes, to 0.1; null when there is no interval. */
export const MetricStatsSchema = z.object({
  n: z.number().int(),
  median: z.number().nullable(),
  p25: z.number().nullable(),
  p75: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
});
export type MetricStats = z.infer<typeof MetricStatsSchema>;

export const SiteMetricSchema = MetricStatsSchema.extend({
  siteCode: z.string(),
  siteName: z.string(),
  /** Every delay of the site, ascending, in minutes to 0.1: the distribution, with no case attached. */
  values: z.array(z.number()),
  /** Counts per HISTOGRAM_BUCKET_MINUTES bucket, HISTOGRAM_BUCKETS long. */
  histogram: z.array(z.number().int()),
});
export type SiteMetric = z.infer<typeof SiteMetricSchema>;

export const MonthMetricSchema = MetricStatsSchema.extend({ month: z.string() });
export const SiteMonthMetricSchema = MetricStatsSchema.extend({ siteCode: z.string(), month: z.string() });

export const MetricDtoSchema = MetricStatsSchema.extend({
  metric: MetricIdSchema,
  unit: z.literal('min'),
  histogram: z.array(z.number().int()),
  bySite: z.array(SiteMetricSchema),
  /** Months (YYYY-MM) that had at least one interval, ascending. */
  byMonth: z.array(MonthMetricSchema),
  bySiteMonth: z.array(SiteMonthMetricSchema),
});
export type MetricDto = z.infer<typeof MetricDtoSchema>;

export const MetricsDtoSchema = z.object({
  from: z.string(),
  to: z.string(),
  siteCodes: z.array(z.string()),
  /** Every metric of METRIC_IDS, in that order, even those without any interval. */
  metrics: z.array(MetricDtoSchema),
});
export type MetricsDto = z.infer<typeof MetricsDtoSchema>;
