/**
 * The geometry of the dashboard's hand-drawn SVG charts: scales, axis ticks, band layout and path strings. Pure
 * so that every mark's position is unit-tested; the components only map these numbers to elements.
 */

export interface LinearScale {
  (value: number): number;
  domain: readonly [number, number];
  range: readonly [number, number];
}

/** Maps [d0, d1] onto [r0, r1]; a collapsed domain maps everything to the middle of the range. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const scale = ((value: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0))) as LinearScale;
  scale.domain = domain;
  scale.range = range;
  return scale;
}

/** A "nice" step near span/count: 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !(count > 0)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * Round tick values covering [min, max], about `count` of them; the first tick is ≤ min and the last ≥ max so
 * that the axis can use [first, last] as its domain. Never fewer than two ticks.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    // One value (or a single case): give it some room around it.
    hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.5);
    lo = lo === 0 ? 0 : lo - Math.abs(lo) * 0.5;
  }
  const step = niceStep(hi - lo, count);
  const first = Math.floor(lo / step) * step;
  const last = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  // Rounding to the step's precision keeps 0.1 + 0.2 from showing up as 0.30000000000000004.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let v = first; v <= last + step / 2; v += step) ticks.push(Number(v.toFixed(digits)));
  if (ticks.length < 2) ticks.push(Number((first + step).toFixed(digits)));
  return ticks;
}

/** A value axis for durations in minutes: starts at 0 (a duration is never negative) and ends on a nice tick. */
export function durationTicks(max: number, count = 5): number[] {
  return niceTicks(0, Math.max(0, max), count);
}

export interface Band {
  /** The start of the band's drawn part. */
  start: number;
  /** The drawn width. */
  width: number;
  center: number;
}

/**
 * Splits [r0, r1] into `n` equal slots and keeps the middle `1 - padding` of each for the mark (a box, a bar);
 * the marks never touch, whatever the number of categories.
 */
export function bands(n: number, range: readonly [number, number], padding = 0.3): Band[] {
  if (n <= 0) return [];
  const [r0, r1] = range;
  const slot = (r1 - r0) / n;
  const pad = Math.min(Math.max(padding, 0), 0.9);
  const width = slot * (1 - pad);
  return Array.from({ length: n }, (_, i) => {
    const start = r0 + slot * i + (slot - width) / 2;
    return { start, width, center: start + width / 2 };
  });
}

export interface Point {
  x: number;
  y: number;
}

const fmt = (n: number) => String(Math.round(n * 10) / 10);

/**
 * An SVG path through the points; a null point breaks the line (a month with no case is not zero minutes, and
 * joining across it would invent a trend). A lone point between gaps gets no segment: the caller marks it.
 */
export function linePath(points: ReadonlyArray<Point | null>): string {
  const parts: string[] = [];
  let penDown = false;
  for (const p of points) {
    if (p === null) {
      penDown = false;
      continue;
    }
    parts.push(`${penDown ? 'L' : 'M'}${fmt(p.x)} ${fmt(p.y)}`);
    penDown = true;
  }
  return parts.join(' ');
}

/** The number of line segments `linePath` draws: what a test counts to tell a broken line from a joined one. */
export function segmentCount(points: ReadonlyArray<Point | null>): number {
  let count = 0;
  for (let i = 1; i < points.length; i++) if (points[i] !== null && points[i - 1] !== null) count++;
  return count;
}

/** Where a box plot's parts go on a vertical value axis. */
export interface BoxGeometry {
  /** The box, Q1 to Q3 (y grows downwards: top is Q3). */
  boxTop: number;
  boxHeight: number;
  medianY: number;
  whiskerTopY: number;
  whiskerBottomY: number;
  outlierYs: number[];
}

export function boxGeometry(
  stats: { q1: number; median: number; q3: number; whiskerLow: number; whiskerHigh: number; outliers: readonly number[] },
  y: (value: number) => number,
): BoxGeometry {
  const top = y(stats.q3);
  const bottom = y(stats.q1);
  return {
    boxTop: Math.min(top, bottom),
    // A box of identical values still shows as a line, not as nothing.
    boxHeight: Math.max(Math.abs(bottom - top), 1),
    medianY: y(stats.median),
    whiskerTopY: y(stats.whiskerHigh),
    whiskerBottomY: y(stats.whiskerLow),
    outlierYs: stats.outliers.map(y),
  };
}
