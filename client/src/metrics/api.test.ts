import type { MetricDto, MetricsDto } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import { toViews } from './api';

const stats = { n: 0, median: null, p25: null, p75: null, min: null, max: null };

function metric(over: Partial<MetricDto> & Pick<MetricDto, 'metric'>): MetricDto {
  return { ...stats, unit: 'min', histogram: [], bySite: [], byMonth: [], bySiteMonth: [], ...over };
}

describe('toViews()', () => {
  it('toViews() gives every metric in the dashboard’s order and every month of the range, empty ones as gaps', () => {
    const dto: MetricsDto = {
      from: '2026-01-01',
      to: '2026-03-31',
      siteCodes: ['MACON'],
      metrics: [
        metric({
          metric: 'door_to_needle',
          n: 2,
          median: 45,
          bySite: [{ ...stats, n: 2, median: 45, p25: 42.5, p75: 47.5, siteCode: 'MACON', siteName: 'CH Mâcon', values: [40, 50], histogram: [] }],
          byMonth: [{ ...stats, month: '2026-02', n: 2, median: 45, p25: 42.5, p75: 47.5 }],
        }),
      ],
    };
    const views = toViews(dto, { from: '2026-01-01', to: '2026-03-31' });
    expect(views.map((v) => v.id)).toEqual(['door_to_ct', 'image_to_read', 'request_to_accept', 'door_to_needle', 'door_in_door_out']);
    const dtn = views.find((v) => v.id === 'door_to_needle')!;
    expect(dtn).toMatchObject({ n: 2, median: 45 });
    expect(dtn.sites).toHaveLength(1);
    expect(dtn.sites[0]!.box).toMatchObject({ q1: 42.5, median: 45, q3: 47.5, n: 2 });
    expect(dtn.months).toEqual([
      { month: '2026-01', n: 0, median: null },
      { month: '2026-02', n: 2, median: 45, p25: 42.5, p75: 47.5 },
      { month: '2026-03', n: 0, median: null },
    ]);
    const absent = views.find((v) => v.id === 'door_to_ct')!;
    expect(absent).toMatchObject({ n: 0, median: null, sites: [] });
    expect(absent.months.every((m) => m.median === null)).toBe(true);
  });
});
