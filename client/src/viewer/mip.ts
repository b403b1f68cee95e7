/**
 * Thick-slab maximum intensity projection, computed in the browser from the loaded slices of the stack: each output
 * pixel is the highest HU among the slices whose plane lies within the slab. On a CTA, opacified vessels then show
 * as continuous bright tubes across several millimetres.
 */

export const MIP_MIN_MM = 5;
export const MIP_MAX_MM = 30;
export const MIP_DEFAULT_MM = 10;

export function clampSlab(mm: number): number {
  if (!Number.isFinite(mm)) return MIP_DEFAULT_MM;
  return Math.min(MIP_MAX_MM, Math.max(MIP_MIN_MM, mm));
}

/**
 * Indices [first, last] of the slices within ±thickness/2 of slice `index` (locations ascending, mm). Always
 * includes `index` itself, so a slab thinner than the slice spacing is the slice.
 */
export function slabRange(locations: readonly number[], index: number, thicknessMm: number): [number, number] {
  const centre = locations[index];
  if (centre === undefined) return [index, index];
  const half = thicknessMm / 2 + 1e-6;
  let first = index;
  let last = index;
  while (first > 0 && Math.abs(locations[first - 1]! - centre) <= half) first--;
  while (last < locations.length - 1 && Math.abs(locations[last + 1]! - centre) <= half) last++;
  return [first, last];
}

export interface MipSource {
  pixels: ArrayLike<number>;
  slope: number;
  intercept: number;
}

/**
 * Maximum over the sources, in HU, of `length` pixels. HU are integers from -1024 to 3071 on CT: an Int16Array
 * holds them with slope 1 and intercept 0, whatever rescale each source slice had.
 */
export function maxIntensityHu(sources: readonly MipSource[], length: number): Int16Array {
  const out = new Int16Array(length).fill(-32768);
  for (const { pixels, slope, intercept } of sources) {
    if (slope === 1) {
      for (let i = 0; i < length; i++) {
        const hu = pixels[i]! + intercept;
        if (hu > out[i]!) out[i] = hu;
      }
    } else {
      for (let i = 0; i < length; i++) {
        const hu = Math.round(pixels[i]! * slope + intercept);
        if (hu > out[i]!) out[i] = hu;
      }
    }
  }
  return out;
}

/** Smallest and largest value, for the image's min/max pixel value. */
export function minMax(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
