import type { SliceInfo, Vec3 } from './dicomJson';

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** The unit normal of a slice plane, row × column direction; undefined when the orientation is degenerate. */
export function sliceNormal(orientation: SliceInfo['orientation']): Vec3 | undefined {
  if (!orientation) return undefined;
  const n = cross([orientation[0], orientation[1], orientation[2]], [orientation[3], orientation[4], orientation[5]]);
  const len = Math.hypot(n[0], n[1], n[2]);
  // `+ 0` turns -0 into 0, so that equal normals compare equal.
  return len > 1e-6 ? [n[0] / len + 0, n[1] / len + 0, n[2] / len + 0] : undefined;
}

export interface SortedStack<T extends SliceInfo = SliceInfo> {
  slices: T[];
  /** Position of each slice along the normal (mm), or the instance number when the geometry is missing. */
  locations: number[];
  /** Unit normal the locations are measured along; undefined when the stack has no usable geometry. */
  normal: Vec3 | undefined;
}

/**
 * Orders a series' slices by their position along the stack's normal, lowest first (for an axial CT: from the skull
 * base up), so that the order follows the anatomy even when InstanceNumber runs backwards or has gaps. Without
 * positions on every slice, InstanceNumber decides.
 */
export function sortSlices<T extends SliceInfo>(slices: readonly T[]): SortedStack<T> {
  const normal = sliceNormal(slices.find((s) => s.orientation)?.orientation);
  const tieBreak = (a: T, b: T) => (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0) || a.sopInstanceUid.localeCompare(b.sopInstanceUid);
  if (normal && slices.every((s) => s.position)) {
    const keyed = slices.map((s) => ({ s, d: dot(s.position!, normal) }));
    keyed.sort((a, b) => a.d - b.d || tieBreak(a.s, b.s));
    return { slices: keyed.map((k) => k.s), locations: keyed.map((k) => k.d), normal };
  }
  const sorted = [...slices].sort(tieBreak);
  return { slices: sorted, locations: sorted.map((s, i) => s.instanceNumber ?? i + 1), normal: undefined };
}

/** Index of the location nearest `target` in ascending `locations` (binary search); -1 when empty. */
export function nearestIndex(locations: readonly number[], target: number): number {
  if (locations.length === 0) return -1;
  let lo = 0;
  let hi = locations.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (locations[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(locations[lo - 1]! - target) <= Math.abs(locations[lo]! - target)) return lo - 1;
  return lo;
}

/**
 * The slice of `target` at the same place in the patient as slice `index` of `source`: the one whose plane is
 * nearest the source slice's position, measured along the target's normal. Both series must share a frame of
 * reference (an NCCT and a CTA of one exam do). Without geometry on either side, the same fraction of the stack.
 */
export function syncIndex(source: SortedStack, index: number, target: SortedStack): number {
  const n = target.slices.length;
  if (n === 0) return -1;
  const from = source.slices[index];
  if (from?.position && target.normal) return nearestIndex(target.locations, dot(from.position, target.normal));
  const fraction = source.slices.length > 1 ? index / (source.slices.length - 1) : 0;
  return Math.round(fraction * (n - 1));
}

/** Typical distance between neighbouring slices (median), mm; 0 for fewer than two slices. */
export function sliceSpacing(locations: readonly number[]): number {
  if (locations.length < 2) return 0;
  const gaps = locations.slice(1).map((l, i) => Math.abs(l - locations[i]!));
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1]!;
}

/** A point in image pixel coordinates: x along the columns, y along the rows. */
export interface PixelPoint {
  x: number;
  y: number;
}

/**
 * Distance between two image points in mm. PixelSpacing is (between rows, between columns): a step in x costs the
 * column spacing, a step in y the row spacing. Undefined without a spacing: the viewer then says it cannot measure.
 */
export function lengthMm(a: PixelPoint, b: PixelPoint, pixelSpacing: [number, number] | undefined): number | undefined {
  if (!pixelSpacing) return undefined;
  const [rowSpacing, columnSpacing] = pixelSpacing;
  return Math.hypot((b.x - a.x) * columnSpacing, (b.y - a.y) * rowSpacing);
}

/** 0..count-1 ordered by distance from `from`, alternating sides. */
export function outwardOrder(count: number, from: number): number[] {
  const out: number[] = [];
  if (count <= 0) return out;
  const start = Math.min(count - 1, Math.max(0, from));
  out.push(start);
  for (let d = 1; out.length < count; d++) {
    if (start + d < count) out.push(start + d);
    if (start - d >= 0) out.push(start - d);
  }
  return out;
}
