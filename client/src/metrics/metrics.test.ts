import { describe, expect, it } from 'vitest';
import {
  csvHref,
  defaultFilters,
  fillMonths,
  formatMinutes,
  isDay,
  labelledIndexes,
  metricMax,
  metricsQuery,
  monthLabel,
  monthsBetween,
  rangeProblem,
  siteDistribution,
  type MetricView,
} from './metrics';

describe('defaultFilters()', () => {
  it('defaultFilters() covers the last twelve months, this one included, in Paris dates', () => {
    expect(defaultFilters(Date.parse('2026-11-30T12:00:00Z'))).toEqual({ from: '2025-12-01', to: '2026-11-30' });
    // 23:30 UTC on 31 January is already 1 February in Paris.
    expect(defaultFilters(Date.parse('2026-01-31T23:30:00Z'))).toEqual({ from: '2025-03-01', to: '2026-02-01' });
  });
});

describe('rangeProblem()', () => {
  it('rangeProblem() accepts a single day and refuses a reversed or impossible range', () => {
    expect(rangeProblem({ from: '2026-03-01', to: '2026-03-01' })).toBeNull();
    expect(rangeProblem({ from: '2026-03-02', to: '2026-03-01' })).toBe('reversed');
    expect(rangeProblem({ from: '', to: '2026-03-01' })).toBe('missing');
    expect(rangeProblem({ from: '2026-02-30', to: '2026-03-01' })).toBe('missing');
  });

  it('isDay() checks the calendar, not only the shape', () => {
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2025-02-29')).toBe(false);
    expect(isDay('2025-2-1')).toBe(false);
  });
});

describe('metricsQuery() and csvHref()', () => {
  it('csvHref() carries the same filters as the dashboard’s query', () => {
    const filters = { from: '2026-01-01', to: '2026-06-30', siteCode: 'MACON' };
    expect(metricsQuery(filters)).toBe('from=2026-01-01&to=2026-06-30&siteCode=MACON');
    expect(csvHref(filters)).toBe('/api/metrics.csv?from=2026-01-01&to=2026-06-30&siteCode=MACON');
    expect(csvHref({ from: '2026-01-01', to: '2026-06-30' })).toBe('/api/metrics.csv?from=2026-01-01&to=2026-06-30');
  });
});

describe('monthsBetween() and fillMonths()', () => {
  it('monthsBetween() lists every month across a year boundary', () => {
    expect(monthsBetween('2025-11-15', '2026-02-01')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween('2026-03-01', '2026-03-31')).toEqual(['2026-03']);
    expect(monthsBetween('2026-04-01', '2026-03-01')).toEqual([]);
    expect(monthsBetween('nonsense', '2026-03-01')).toEqual([]);
  });

  it('monthsBetween() stops at twenty years', () => {
    expect(monthsBetween('2000-01-01', '2999-01-01')).toHaveLength(240);
  });

  it('fillMonths() keeps the months without a case, as gaps', () => {
    const rows = [{ month: '2026-02', n: 3, median: 41 }];
    expect(fillMonths(['2026-01', '2026-02', '2026-03'], rows)).toEqual([
      { month: '2026-01', n: 0, median: null },
      { month: '2026-02', n: 3, median: 41 },
      { month: '2026-03', n: 0, median: null },
    ]);
  });
});

describe('monthLabel()', () => {
  it('monthLabel() is short and in the user’s language', () => {
    expect(monthLabel('2026-01', 'fr-FR')).toMatch(/^janv\.? 26$/);
    expect(monthLabel('2026-01', 'en-GB')).toBe('Jan 26');
    expect(monthLabel('bad', 'fr-FR')).toBe('bad');
  });
});

describe('labelledIndexes()', () => {
  it('labelledIndexes() labels every month when they fit', () => {
    expect([...labelledIndexes(6, 12)]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('labelledIndexes() thins the labels out but always keeps the first and the latest month', () => {
    const set = labelledIndexes(24, 8);
    expect(set.has(0)).toBe(true);
    expect(set.has(23)).toBe(true);
    expect(set.size).toBeLessThanOrEqual(8);
    const sorted = [...set].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(3);
    expect(labelledIndexes(0, 8).size).toBe(0);
  });
});

describe('formatMinutes()', () => {
  it('formatMinutes() shows minutes under an hour and hours with padded minutes beyond', () => {
    expect(formatMinutes(42.4)).toBe('42 min');
    expect(formatMinutes(0)).toBe('0 min');
    expect(formatMinutes(59.6)).toBe('1 h 00');
    expect(formatMinutes(125)).toBe('2 h 05');
  });
});

describe('siteDistribution() and metricMax()', () => {
  it('siteDistribution() summarises the delays of a site', () => {
    expect(siteDistribution('MACON', 'CH Mâcon', [30, 50, 40])).toMatchObject({ siteCode: 'MACON', n: 3, median: 40 });
    expect(siteDistribution('NEVERS', 'CH Nevers', [])).toEqual({ siteCode: 'NEVERS', siteName: 'CH Nevers', n: 0, median: null, box: null });
  });

  it('siteDistribution() draws the server’s quartiles and takes whiskers and outliers from the values', () => {
    const site = siteDistribution('MACON', 'CH Mâcon', [30, 35, 40, 50, 300], { p25: 35.04, median: 40.02, p75: 49.96 });
    expect(site.median).toBe(40.02);
    expect(site.box).toMatchObject({ q1: 35.04, median: 40.02, q3: 49.96, whiskerLow: 30, whiskerHigh: 50, outliers: [300], n: 5 });
  });

  it('metricMax() reaches the highest outlier and monthly median', () => {
    const view: MetricView = {
      id: 'door_to_needle',
      n: 9,
      median: 45,
      sites: [siteDistribution('MACON', 'CH Mâcon', [20, 25, 30, 35, 40, 45, 50, 200])],
      months: [{ month: '2026-01', n: 8, median: 37.5 }, { month: '2026-02', n: 1, median: 210 }],
    };
    expect(metricMax(view)).toBe(210);
    expect(metricMax({ ...view, months: [] })).toBe(200);
    // A month's third quartile is drawn too (its bar), so the axis reaches it.
    expect(metricMax({ ...view, months: [{ month: '2026-03', n: 4, median: 100, p25: 80, p75: 240 }] })).toBe(240);
  });
});
