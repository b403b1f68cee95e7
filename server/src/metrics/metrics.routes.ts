import { AppError, MetricsDtoSchema, MetricsQuerySchema, type MetricsQuery, type SiteDto } from '@telestroke/shared';
import type { Principal } from '../auth/access';
import type { Db } from '../db/Db';
import { defineRoute, type RouteSpec } from '../http/route';
import { findSiteByCode } from '../sites/site.repository';
import { computeMetrics, metricsCsv } from './metrics.service';

/**
 * The remote sites the metrics cover: the one asked for (the router admitted it), else every remote site the
 * caller sees. Cases live at remote sites only.
 */
function sitesOf(principal: Principal | undefined, site: SiteDto | undefined): SiteDto[] {
  if (principal?.kind !== 'user') throw new AppError('FORBIDDEN', 'Only people logged in can do this');
  if (site) return [site];
  return principal.sites.visible.filter((s) => s.kind === 'remote');
}

/** Network quality metrics (no patient data): GET /api/metrics and its CSV export. */
export function metricsRoutes(deps: { db: Db }): RouteSpec<any, any, any>[] {
  const { db } = deps;
  const common = {
    method: 'get',
    tag: 'metrics',
    access: 'metrics:read',
    query: MetricsQuerySchema,
    // A site the caller does not see answers 404, like one that does not exist.
    site: async ({ query }: { query: MetricsQuery }) => (query.siteCode ? findSiteByCode(db, query.siteCode) : undefined),
  } as const;
  return [
    defineRoute({
      ...common,
      path: '/api/metrics',
      summary:
        'Door-to-CT, image-to-read, consult request-to-accept, door-to-needle and door-in-door-out: count, median, ' +
        'quartiles and histogram in minutes, over all, by remote site and by month (Europe/Paris)',
      response: MetricsDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => computeMetrics(db, sitesOf(i.principal, i.site), i.query),
    }),
    defineRoute({
      ...common,
      path: '/api/metrics.csv',
      summary: 'The same metrics as CSV (text/csv, UTF-8): one row per metric and site/month grouping',
      raw: true,
      errors: ['NOT_FOUND'],
      status: 200,
      handler: async (i) => {
        const dto = await computeMetrics(db, sitesOf(i.principal, i.site), i.query);
        const body = metricsCsv(dto);
        i.res
          .status(200)
          .set({
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition': `attachment; filename="metrics_${dto.from}_${dto.to}.csv"`,
            'Cache-Control': 'no-store',
          })
          .send(body);
      },
    }),
  ];
}
