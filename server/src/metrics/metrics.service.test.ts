import { describe, expect, it } from 'vitest';
import { defaultRange, metricsCsv } from './metrics.service';

describe('defaultRange()', () => {
  it('defaultRange() covers the last twelve months, this one included', () => {
    expect(defaultRange(Date.parse('2026-11-30T12:00:00Z'))).toEqual({ from: '2025-12-01', to: '2026-11-30' });
  });

  it('defaultRange() at 23:30 UTC on 31 December is already 1 January in Paris', () => {
    expect(defaultRange(Date.parse('2026-12-31T23:30:00Z'))).toEqual({ from: '2026-02-01', to: '2027-01-01' });
  });
});

describe('metricsCsv()', () => {
  it('metricsCsv() writes a BOM, a header with units, empty cells for nulls and quotes a value with a comma', () => {
    const stats = { n: 0, median: null, p25: null, p75: null, min: null, max: null };
    const csv = metricsCsv({
      from: '2024-01-01',
      to: '2024-12-31',
      siteCodes: ['A,B'],
      metrics: [
        {
          metric: 'door_to_ct',
          unit: 'min',
          ...stats,
          histogram: [],
          bySite: [{ siteCode: 'A,B', siteName: 'x', ...stats, n: 1, median: 12.5, values: [12.5], histogram: [] }],
          byMonth: [],
          bySiteMonth: [],
        },
      ],
    });
    expect(csv.startsWith('\uFEFFmetric,site_code,month,n,median_min,')).toBe(true);
    expect(csv.split('\r\n').slice(1, 3)).toEqual(['door_to_ct,,,0,,,,,', 'door_to_ct,"A,B",,1,12.5,,,,']);
  });
});
