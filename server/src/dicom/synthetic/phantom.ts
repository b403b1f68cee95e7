import type { Side } from './types';

// A head phantom in patient coordinates (LPS, mm): +x towards the patient's left, +y posterior, +z superior, with the
// middle of the brain at the origin. Everything is analytic (ellipses, ellipsoids and capsules), so one slice costs
// a single pass over its pixels and nothing is held for the whole volume.

/** Attenuation of each tissue in HU, before noise. */
export const TISSUE_HU = {
  air: -1000,
  scalp: 25,
  bone: 1000,
  /** Subarachnoid space and sulci. */
  sulcalCsf: 8,
  /** Lateral and third ventricles. */
  ventricularCsf: 5,
  grey: 38,
  white: 28,
  /** Caudate, lentiform nuclei and thalami. */
  deepGrey: 36,
  /** Parenchymal enhancement added to grey and white matter on CTA. */
  angioEnhancement: 3,
  /** Fresh thrombus in the occluded M1 on the non-contrast CT: the "hyperdense MCA sign". */
  thrombus: 62,
} as const;

/** Half the craniocaudal extent the phantom is designed for, in mm: the default stack covers twice this. */
export const HEAD_HALF_HEIGHT = 75;

const OUTER_HALF_WIDTH = 72;
const OUTER_HALF_LENGTH = 92;
const SCALP = 4;
const SKULL = 6;

/** Semi-axes (x, y) in mm of the head's outline, the outer table and the inner table on the slice at height z. */
export interface HeadSection {
  skin: [number, number];
  outerTable: [number, number];
  innerTable: [number, number];
}

export function headSection(z: number): HeadSection {
  const w = z / HEAD_HALF_HEIGHT;
  // Wider towards the skull base than at the vertex; a cut through the curved vault shows bone thicker.
  const profile = Math.sqrt(Math.max(0, 1 - ((w + 0.15) / 1.2) ** 2));
  const a = OUTER_HALF_WIDTH * profile;
  const b = OUTER_HALF_LENGTH * profile;
  const skull = SKULL + 8 * (1 - profile);
  return {
    skin: [a, b],
    outerTable: [a - SCALP, b - SCALP],
    innerTable: [a - SCALP - skull, b - SCALP - skull],
  };
}

/**
 * Early ischaemic change at the core of the lesion: grey and white matter both end near 20–24 HU, so the cortex loses
 * most (14 HU) and the grey/white boundary fades, as on real scans (insular ribbon sign); white matter loses 8 HU.
 */
export function ischaemicHu(normalHu: number): number {
  return Math.round(20 + 0.4 * (normalHu - TISSUE_HU.white));
}

/** The lesion fades out over the outer part of its ellipsoid and below this depth under the inner table (mm). */
const LESION_EDGE = 0.3;
const LESION_DEPTH = 30;
const LESION_DEPTH_EDGE = 6;

export interface Ellipsoid {
  centre: readonly [number, number, number];
  semiAxes: readonly [number, number, number];
}

/** Capsule: every point within `radius` of the segment from `a` to `b`. */
export interface Capsule {
  a: readonly [number, number, number];
  b: readonly [number, number, number];
  radius: number;
  hu: number;
}

type Vec3 = readonly [number, number, number];

const sign = (side: Side): number => (side === 'left' ? 1 : -1);
const other = (side: Side): Side => (side === 'left' ? 'right' : 'left');
const mirror = (p: Vec3, s: number): Vec3 => [p[0] * s, p[1], p[2]];
const lerp = (a: Vec3, b: Vec3, t: number): Vec3 => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t,
];

/**
 * The ellipsoid holding the hypodense MCA-territory lesion on the stroke side. Inside it, the lesion takes the cortex,
 * insula, basal ganglia and the white matter within 30 mm of the inner table, lateral of x = ±16 mm; it reaches its
 * full drop inside 70% of the ellipsoid's radius.
 */
export function ischaemicRegion(strokeSide: Side): Ellipsoid {
  return { centre: [sign(strokeSide) * 40, -4, 6], semiAxes: [24, 36, 28] };
}

// The M1 runs laterally from the carotid terminus, level, so one axial slice shows it whole, as on a real CTA.
const M1_ORIGIN: Vec3 = [18, -6, -22];
const M1_END: Vec3 = [44, -4, -22];
/** Fraction of the M1 length still opacified before the clot. */
const OCCLUSION_AT = 0.45;

/** The M1 segments of the phantom: the stroke side is cut short at `occlusion`, the other side runs to `end`. */
export function m1Landmarks(strokeSide: Side): {
  occluded: { origin: Vec3; occlusion: Vec3; end: Vec3 };
  patent: { origin: Vec3; end: Vec3 };
  radius: number;
} {
  const s = sign(strokeSide);
  const o = -s;
  return {
    occluded: {
      origin: mirror(M1_ORIGIN, s),
      occlusion: mirror(lerp(M1_ORIGIN, M1_END, OCCLUSION_AT), s),
      end: mirror(M1_END, s),
    },
    patent: { origin: mirror(M1_ORIGIN, o), end: mirror(M1_END, o) },
    radius: 1.5,
  };
}

function arteriesOfSide(side: Side, occluded: boolean): Capsule[] {
  const s = sign(side);
  const m = (p: Vec3): Vec3 => mirror(p, s);
  const cap = (a: Vec3, b: Vec3, radius: number, hu: number): Capsule => ({ a: m(a), b: m(b), radius, hu });
  const list: Capsule[] = [
    cap([18, -6, -80], M1_ORIGIN, 2.2, 370),
    cap(M1_ORIGIN, [3, -24, -19], 1.1, 340),
    cap([3, -24, -19], [2.5, -40, 18], 1.0, 320),
    cap([2.5, -40, 18], [2.5, -12, 50], 0.8, 290),
    cap([0, 12, -30], [16, 20, -27], 1.1, 330),
    cap([16, 20, -27], [28, 44, -20], 1.0, 300),
  ];
  if (occluded) {
    list.push(cap(M1_ORIGIN, lerp(M1_ORIGIN, M1_END, OCCLUSION_AT), 1.5, 350));
  } else {
    list.push(
      cap(M1_ORIGIN, M1_END, 1.5, 350),
      cap(M1_END, [50, -14, 8], 1.1, 320),
      cap(M1_END, [52, 8, -6], 1.0, 320),
      cap([50, -14, 8], [50, -22, 32], 0.8, 280),
      cap([52, 8, -6], [52, 20, 18], 0.8, 280),
    );
  }
  return list;
}

/** Opacified arteries on the CTA, with the M1 on the stroke side stopping abruptly. */
export function angioArteries(strokeSide: Side): Capsule[] {
  return [
    { a: [0, 18, -80], b: [0, 12, -30], radius: 1.6, hu: 350 },
    ...arteriesOfSide(strokeSide, true),
    ...arteriesOfSide(other(strokeSide), false),
  ];
}

/** The clot itself, just beyond the last opacified point of the occluded M1. */
export function thrombus(strokeSide: Side): Capsule {
  const { occluded, radius } = m1Landmarks(strokeSide);
  return { a: occluded.occlusion, b: lerp(occluded.occlusion, occluded.end, 0.45), radius, hu: TISSUE_HU.thrombus };
}

// Petrous ridges and clivus, so the lowest slices look like a skull base and the bone window has something to show.
const SKULL_BASE: Capsule[] = [
  { a: [12, 2, -64], b: [44, 24, -58], radius: 5, hu: 1100 },
  { a: [-12, 2, -64], b: [-44, 24, -58], radius: 5, hu: 1100 },
  { a: [0, 4, -82], b: [0, -4, -56], radius: 5, hu: 900 },
];

/** Caudate heads, lentiform nuclei and thalami, at TISSUE_HU.deepGrey. */
export const DEEP_GREY: Ellipsoid[] = [10, -10].flatMap((x) => [
  { centre: [x * 1.3, -18, 8], semiAxes: [6, 8, 12] }, // caudate head
  { centre: [x * 2.4, -2, -2], semiAxes: [7, 14, 12] }, // lentiform nucleus
  { centre: [x, 12, 0], semiAxes: [9, 11, 10] }, // thalamus
] satisfies Ellipsoid[]);

const INSULA: Ellipsoid[] = [
  { centre: [36.5, -2, 0], semiAxes: [2, 16, 14] },
  { centre: [-36.5, -2, 0], semiAxes: [2, 16, 14] },
];

const SYLVIAN_FISSURES: Ellipsoid[] = [
  { centre: [41, -2, -4], semiAxes: [2, 12, 10] },
  { centre: [-41, -2, -4], semiAxes: [2, 12, 10] },
];

/** Lateral ventricles, then the third ventricle, at TISSUE_HU.ventricularCsf. */
export const VENTRICLES: Ellipsoid[] = [
  { centre: [9, -5, 15], semiAxes: [6, 30, 18] },
  { centre: [-9, -5, 15], semiAxes: [6, 30, 18] },
  { centre: [0, 5, -2], semiAxes: [2, 10, 8] },
];

/** Tissue classes kept beside the HU so later layers know what they may overwrite. */
const enum Cls {
  Air,
  Scalp,
  Bone,
  Csf,
  Grey,
  White,
  DeepGrey,
  Vessel,
}

export interface SliceGrid {
  rows: number;
  columns: number;
  /** mm per pixel, the same along rows and columns. */
  pixelSpacing: number;
}

/** Patient x and y of the first pixel's centre: the grid is centred on the head. */
export function gridOrigin(grid: SliceGrid): [number, number] {
  return [(-(grid.columns - 1) / 2) * grid.pixelSpacing, (-(grid.rows - 1) / 2) * grid.pixelSpacing];
}

/** Renders slices of one series, reusing its buffers: one renderer per series, one slice at a time. */
export class PhantomRenderer {
  readonly #grid: SliceGrid;
  readonly #angio: boolean;
  readonly #strokeSide: Side;
  readonly #hu: Int16Array;
  readonly #cls: Uint8Array;
  readonly #capsules: Capsule[];
  readonly #noise: Int16Array;
  readonly #seed: number;
  /** Semi-axes of the inner table on the current slice, and their mean. */
  #inner = { a: 0, b: 0, mean: 0 };

  constructor(options: { grid: SliceGrid; angio: boolean; strokeSide: Side; noiseHu: number; seed: number }) {
    this.#grid = options.grid;
    this.#angio = options.angio;
    this.#strokeSide = options.strokeSide;
    const n = options.grid.rows * options.grid.columns;
    this.#hu = new Int16Array(n);
    this.#cls = new Uint8Array(n);
    this.#capsules = options.angio ? angioArteries(options.strokeSide) : [thrombus(options.strokeSide)];
    this.#seed = options.seed >>> 0;
    this.#noise = gaussianTable(options.noiseHu, this.#seed);
  }

  /**
   * Writes stored values (HU + 1024, for RescaleIntercept -1024) of the slice at height z into `out`.
   * `sliceIndex` only selects the noise stream, so a slice looks the same whatever order slices are made in.
   */
  render(z: number, sliceIndex: number, out: Int16Array): void {
    const { rows, columns } = this.#grid;
    if (out.length !== rows * columns) throw new RangeError(`expected ${rows * columns} pixels, got ${out.length}`);
    this.#tissues(z);
    for (const e of DEEP_GREY) this.#ellipsoid(e, z, TISSUE_HU.deepGrey, Cls.DeepGrey, parenchyma);
    for (const e of INSULA) this.#ellipsoid(e, z, TISSUE_HU.grey, Cls.Grey, parenchyma);
    for (const e of SYLVIAN_FISSURES) this.#ellipsoid(e, z, TISSUE_HU.sulcalCsf, Cls.Csf, parenchyma);
    for (const e of VENTRICLES) this.#ellipsoid(e, z, TISSUE_HU.ventricularCsf, Cls.Csf, parenchymaOrDeepGrey);
    if (this.#angio) this.#enhance();
    this.#ischaemia(z);
    for (const c of SKULL_BASE) this.#capsule(c, z, Cls.Bone, notAir);
    for (const c of this.#capsules) this.#capsule(c, z, Cls.Vessel, this.#angio ? notBone : parenchymaOrCsf);
    if (this.#angio) this.#sagittalSinus(z);
    this.#output(sliceIndex, out);
  }

  #tissues(z: number): void {
    const { rows, columns, pixelSpacing: ps } = this.#grid;
    const [x0, y0] = gridOrigin(this.#grid);
    const hu = this.#hu;
    const cls = this.#cls;
    const {
      skin: [outerA, outerB],
      outerTable: [boneA, boneB],
      innerTable: [innerA, innerB],
    } = headSection(z);
    const innerMean = (innerA + innerB) / 2;
    this.#inner = { a: innerA, b: innerB, mean: innerMean };
    const gyralPhase = (z / HEAD_HALF_HEIGHT) * 9;
    for (let r = 0; r < rows; r++) {
      const y = y0 + r * ps;
      const xo = chord(outerA, outerB, y);
      const xb = chord(boneA, boneB, y);
      const xi = chord(innerA, innerB, y);
      const q = innerB > 0 ? y / innerB : 0;
      const q2 = q * q;
      let i = r * columns;
      for (let c = 0; c < columns; c++, i++) {
        const x = x0 + c * ps;
        const ax = x < 0 ? -x : x;
        if (ax >= xo) {
          hu[i] = TISSUE_HU.air;
          cls[i] = Cls.Air;
        } else if (ax >= xb) {
          hu[i] = TISSUE_HU.scalp;
          cls[i] = Cls.Scalp;
        } else if (ax >= xi) {
          hu[i] = TISSUE_HU.bone;
          cls[i] = Cls.Bone;
        } else {
          const p = x / innerA;
          const depth = (1 - Math.sqrt(p * p + q2)) * innerMean;
          let k = Cls.White;
          if (depth < 1.2 || (ax < 1 && (q > 0.5 || q < -0.5))) {
            k = Cls.Csf;
          } else if (depth < 7) {
            // Gyri: the cortex thickens and thins around the brain, and some sulci cut deep into it. The pattern is
            // mirrored between hemispheres so the only asymmetry in the phantom is the stroke.
            const g = Math.sin(Math.atan2(q, p < 0 ? -p : p) * 14 + gyralPhase);
            if (g > 0.92 && depth < 5.5) k = Cls.Csf;
            else if (depth < 4.2 + 1.2 * g) k = Cls.Grey;
          }
          cls[i] = k;
          hu[i] = k === Cls.Csf ? TISSUE_HU.sulcalCsf : k === Cls.Grey ? TISSUE_HU.grey : TISSUE_HU.white;
        }
      }
    }
  }

  #enhance(): void {
    const hu = this.#hu;
    const cls = this.#cls;
    for (let i = 0; i < hu.length; i++) {
      const k = cls[i]!;
      if (k === Cls.Grey || k === Cls.White || k === Cls.DeepGrey) hu[i] = hu[i]! + TISSUE_HU.angioEnhancement;
    }
  }

  #ischaemia(z: number): void {
    const region = ischaemicRegion(this.#strokeSide);
    const s = sign(this.#strokeSide);
    const { a, b, mean } = this.#inner;
    if (a <= 0 || b <= 0) return;
    // The core does not enhance on CTA either: it goes to the ischaemic value of the unenhanced tissue.
    const core = [0, 0, 0, 0, TISSUE_HU.grey, TISSUE_HU.white, TISSUE_HU.deepGrey].map(ischaemicHu);
    this.#forEllipse(region, z, (i, x, y, rho2) => {
      const k = this.#cls[i]!;
      if (x * s <= 16 || (k !== Cls.Grey && k !== Cls.White && k !== Cls.DeepGrey)) return;
      let weight = Math.min(1, (1 - Math.sqrt(rho2)) / LESION_EDGE);
      if (k !== Cls.DeepGrey) {
        const p = x / a;
        const q = y / b;
        const depth = (1 - Math.sqrt(p * p + q * q)) * mean;
        weight = Math.min(weight, (LESION_DEPTH + LESION_DEPTH_EDGE - depth) / LESION_DEPTH_EDGE);
      }
      if (weight <= 0) return;
      const hu = this.#hu[i]!;
      this.#hu[i] = Math.round(hu + (core[k]! - hu) * weight);
    });
  }

  #ellipsoid(e: Ellipsoid, z: number, value: number, k: Cls, onto: (k: number) => boolean): void {
    this.#forEllipse(e, z, (i) => {
      if (onto(this.#cls[i]!)) {
        this.#hu[i] = value;
        this.#cls[i] = k;
      }
    });
  }

  /**
   * Calls `visit` for every pixel of the ellipsoid's cross-section at height z, with the pixel's squared normalised
   * radius in the ellipsoid (0 at the centre, 1 on the surface).
   */
  #forEllipse(e: Ellipsoid, z: number, visit: (i: number, x: number, y: number, rho2: number) => void): void {
    const [cx, cy, cz] = e.centre;
    const [a, b, c] = e.semiAxes;
    const k = 1 - ((z - cz) / c) ** 2;
    if (k <= 0) return;
    const ea = a * Math.sqrt(k);
    const eb = b * Math.sqrt(k);
    const { columns, pixelSpacing: ps } = this.#grid;
    const [x0, y0] = gridOrigin(this.#grid);
    const [c0, c1] = this.#columnRange(cx - ea, cx + ea);
    const [r0, r1] = this.#rowRange(cy - eb, cy + eb);
    for (let r = r0; r <= r1; r++) {
      const dy = (y0 + r * ps - cy) / eb;
      for (let col = c0; col <= c1; col++) {
        const x = x0 + col * ps;
        const dx = (x - cx) / ea;
        const d2 = dx * dx + dy * dy;
        if (d2 <= 1) visit(r * columns + col, x, y0 + r * ps, 1 - k + k * d2);
      }
    }
  }

  #capsule(cap: Capsule, z: number, k: Cls, onto: (k: number) => boolean): void {
    const { a, b, radius } = cap;
    if (z < Math.min(a[2], b[2]) - radius || z > Math.max(a[2], b[2]) + radius) return;
    const d: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const len2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    // Only the part of the segment within one radius of this plane can reach it.
    let t0 = 0;
    let t1 = 1;
    if (d[2] !== 0) {
      const ta = (z - radius - a[2]) / d[2];
      const tb = (z + radius - a[2]) / d[2];
      t0 = Math.max(0, Math.min(ta, tb));
      t1 = Math.min(1, Math.max(ta, tb));
    }
    const xs = [a[0] + d[0] * t0, a[0] + d[0] * t1];
    const ys = [a[1] + d[1] * t0, a[1] + d[1] * t1];
    const [c0, c1] = this.#columnRange(Math.min(...xs) - radius, Math.max(...xs) + radius);
    const [r0, r1] = this.#rowRange(Math.min(...ys) - radius, Math.max(...ys) + radius);
    const { columns, pixelSpacing: ps } = this.#grid;
    const [x0, y0] = gridOrigin(this.#grid);
    const r2 = radius * radius;
    for (let r = r0; r <= r1; r++) {
      const py = y0 + r * ps - a[1];
      const pz = z - a[2];
      for (let col = c0; col <= c1; col++) {
        const px = x0 + col * ps - a[0];
        let t = len2 > 0 ? (px * d[0] + py * d[1] + pz * d[2]) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = px - d[0] * t;
        const ey = py - d[1] * t;
        const ez = pz - d[2] * t;
        const i = r * columns + col;
        if (ex * ex + ey * ey + ez * ez <= r2 && onto(this.#cls[i]!)) {
          this.#hu[i] = cap.hu;
          this.#cls[i] = k;
        }
      }
    }
  }

  /** The superior sagittal sinus, under the inner table at the back of the falx. */
  #sagittalSinus(z: number): void {
    if (z < -0.45 * HEAD_HALF_HEIGHT) return;
    const innerB = headSection(z).innerTable[1];
    if (innerB < 10) return;
    const y = innerB - 2.5;
    this.#capsule({ a: [0, y, z], b: [0, y, z], radius: 3, hu: 240 }, z, Cls.Vessel, notBone);
  }

  #columnRange(xMin: number, xMax: number): [number, number] {
    const [x0] = gridOrigin(this.#grid);
    const ps = this.#grid.pixelSpacing;
    return [Math.max(0, Math.ceil((xMin - x0) / ps)), Math.min(this.#grid.columns - 1, Math.floor((xMax - x0) / ps))];
  }

  #rowRange(yMin: number, yMax: number): [number, number] {
    const [, y0] = gridOrigin(this.#grid);
    const ps = this.#grid.pixelSpacing;
    return [Math.max(0, Math.ceil((yMin - y0) / ps)), Math.min(this.#grid.rows - 1, Math.floor((yMax - y0) / ps))];
  }

  #output(sliceIndex: number, out: Int16Array): void {
    const hu = this.#hu;
    const noise = this.#noise;
    let state = mix(this.#seed, sliceIndex + (this.#angio ? 0x10000 : 0));
    for (let i = 0; i < hu.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[i] = hu[i]! + 1024 + noise[state >>> 16]!;
    }
  }
}

const parenchyma = (k: number): boolean => k === Cls.Grey || k === Cls.White;
const parenchymaOrDeepGrey = (k: number): boolean => k === Cls.Grey || k === Cls.White || k === Cls.DeepGrey;
const parenchymaOrCsf = (k: number): boolean => parenchymaOrDeepGrey(k) || k === Cls.Csf;
const notAir = (k: number): boolean => k !== Cls.Air;
const notBone = (k: number): boolean => k !== Cls.Bone;

/** Half-width of the ellipse (semi-axes a, b) at height y, or -1 when the line misses it. */
function chord(a: number, b: number, y: number): number {
  if (a <= 0 || b <= 0) return -1;
  const t = 1 - (y / b) ** 2;
  return t > 0 ? a * Math.sqrt(t) : -1;
}

/** A non-zero 32-bit xorshift state from two integers. */
function mix(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return h || 0x1234567;
}

/**
 * 65536 rounded normal deviates of the given standard deviation: a random index into this table per pixel is far
 * cheaper than Box-Muller, and looks the same.
 */
function gaussianTable(sigma: number, seed: number): Int16Array {
  const table = new Int16Array(65536);
  if (sigma <= 0) return table;
  let state = mix(seed, 0x7fffffff);
  const uniform = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 1) / 4294967297;
  };
  for (let i = 0; i < table.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    table[i] = Math.round(sigma * radius * Math.cos(angle));
    table[i + 1] = Math.round(sigma * radius * Math.sin(angle));
  }
  return table;
}
