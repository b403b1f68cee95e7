import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDb, type TestDb } from '../testing';
import { aggregateMetrics, metricHistograms } from './metrics.repository';

// The embedded default (npm start) runs on PGlite: the metrics SQL (grouping sets, ordered-set aggregates) and the
// thrombolysis migration must run there too.
let t: TestDb;

beforeAll(async () => {
  t = await createMigratedTestDb('pglite');
});

afterAll(async () => {
  await t?.drop();
});

describe('metrics on PGlite', () => {
  it('aggregateMetrics() and metricHistograms() run on PGlite and answer no rows without cases', async () => {
    const site = '00000000-0000-4000-8000-000000000000';
    expect(await aggregateMetrics(t.db, [site], '2024-01-01', '2024-12-31')).toEqual([]);
    expect(await metricHistograms(t.db, [site], '2024-01-01', '2024-12-31')).toEqual([]);
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM thrombolysis_orders');
    expect(rows[0]!.n).toBe(0);
  });
});
