import { METRIC_IDS, type MetricsDto } from '@telestroke/shared';
import { http } from '../api/http';
import { fillMonths, metricsQuery, monthsBetween, siteDistribution, type MetricsFilters, type MetricView } from './metrics';

/** The dashboard's charts for the filters, every metric present and every month of the range listed. */
export async function loadMetrics(filters: MetricsFilters, signal?: AbortSignal): Promise<MetricView[]> {
  const dto = await http.get<MetricsDto>(`/api/metrics?${metricsQuery(filters)}`, { signal });
  return toViews(dto, filters);
}

/** Shapes the server's answer for the charts: the months without any case become gaps in the line. */
export function toViews(dto: MetricsDto, filters: MetricsFilters): MetricView[] {
  const months = monthsBetween(filters.from, filters.to);
  return METRIC_IDS.map((id) => {
    const m = dto.metrics.find((x) => x.metric === id);
    return {
      id,
      n: m?.n ?? 0,
      median: m?.median ?? null,
      sites: (m?.bySite ?? []).map((s) => siteDistribution(s.siteCode, s.siteName, s.values, s)),
      months: fillMonths(
        months,
        (m?.byMonth ?? []).map((b) => ({ month: b.month, n: b.n, median: b.median, p25: b.p25, p75: b.p75 })),
      ),
    };
  });
}
