/**
 * Summary statistics for the dashboard's distributions. Quantiles interpolate linearly between the two nearest
 * ranks (Hyndman & Fan type 7), as PostgreSQL's percentile_cont does: a median drawn here equals the server's.
 */

/** The p-quantile (0 ≤ p ≤ 1) of already sorted values; null for no values. */
export function quantileSorted(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const clamped = Math.min(1, Math.max(0, p));
  const pos = (sorted.length - 1) * clamped;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

export function median(values: readonly number[]): number | null {
  return quantileSorted(sortedFinite(values), 0.5);
}

function sortedFinite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** What a box plot draws: the box is Q1–Q3, the whiskers reach the furthest values within 1.5 IQR (Tukey). */
export interface BoxStats {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  whiskerLow: number;
  whiskerHigh: number;
  /** Values beyond the whiskers, drawn one by one. */
  outliers: number[];
}

export function boxStats(values: readonly number[]): BoxStats | null {
  const sorted = sortedFinite(values);
  if (sorted.length === 0) return null;
  const q1 = quantileSorted(sorted, 0.25)!;
  const med = quantileSorted(sorted, 0.5)!;
  const q3 = quantileSorted(sorted, 0.75)!;
  const iqr = q3 - q1;
  const lowFence = q1 - 1.5 * iqr;
  const highFence = q3 + 1.5 * iqr;
  const inside = sorted.filter((v) => v >= lowFence && v <= highFence);
  return {
    n: sorted.length,
    min: sorted[0]!,
    q1,
    median: med,
    q3,
    max: sorted[sorted.length - 1]!,
    // The quartiles themselves are always inside the fences, so `inside` is never empty.
    whiskerLow: inside[0]!,
    whiskerHigh: inside[inside.length - 1]!,
    outliers: sorted.filter((v) => v < lowFence || v > highFence),
  };
}
