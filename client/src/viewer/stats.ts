import type { PixelPoint } from './geometry';

/** An ellipse drawn by dragging from one corner of its bounding box to the other, in pixel coordinates. */
export interface EllipseRoi {
  start: PixelPoint;
  end: PixelPoint;
}

export interface HuStats {
  /** Pixels whose centre lies inside the ellipse. */
  count: number;
  mean: number;
  /** Population standard deviation. */
  sd: number;
  min: number;
  max: number;
  /** Area of the ellipse in mm², when the pixel spacing is known. */
  areaMm2: number | undefined;
}

/**
 * Hounsfield statistics inside an elliptical ROI: stored values go through RescaleSlope and RescaleIntercept
 * (HU = stored × slope + intercept). Pixel (i, j) has its centre at (i + 0.5, j + 0.5) in cornerstone's pixel
 * coordinates. Null when no pixel centre falls inside.
 */
export function ellipseHuStats(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  roi: EllipseRoi,
  slope: number,
  intercept: number,
  pixelSpacing?: [number, number],
): HuStats | null {
  const x0 = Math.min(roi.start.x, roi.end.x);
  const x1 = Math.max(roi.start.x, roi.end.x);
  const y0 = Math.min(roi.start.y, roi.end.y);
  const y1 = Math.max(roi.start.y, roi.end.y);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const rx = (x1 - x0) / 2;
  const ry = (y1 - y0) / 2;
  if (rx <= 0 || ry <= 0) return null;
  let count = 0;
  let sum = 0;
  let sumSq = 0;
  let min = Infinity;
  let max = -Infinity;
  const iStart = Math.max(0, Math.floor(x0));
  const iEnd = Math.min(width - 1, Math.ceil(x1));
  const jStart = Math.max(0, Math.floor(y0));
  const jEnd = Math.min(height - 1, Math.ceil(y1));
  for (let j = jStart; j <= jEnd; j++) {
    const dy = (j + 0.5 - cy) / ry;
    for (let i = iStart; i <= iEnd; i++) {
      const dx = (i + 0.5 - cx) / rx;
      if (dx * dx + dy * dy > 1) continue;
      const hu = pixels[j * width + i]! * slope + intercept;
      count++;
      sum += hu;
      sumSq += hu * hu;
      if (hu < min) min = hu;
      if (hu > max) max = hu;
    }
  }
  if (count === 0) return null;
  const mean = sum / count;
  const variance = Math.max(0, sumSq / count - mean * mean);
  return {
    count,
    mean,
    sd: Math.sqrt(variance),
    min,
    max,
    areaMm2: pixelSpacing ? Math.PI * rx * pixelSpacing[1] * ry * pixelSpacing[0] : undefined,
  };
}
