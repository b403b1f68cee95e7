import os from 'node:os';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { AppError } from '@telestroke/shared';
import type { PixelInfo, PixelTransform } from './frames';
import type { RenderedType } from './media-types';

/** VOI LUT functions of PS3.3 C.11.2.1.2. */
export type VoiFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

export interface WindowSpec {
  center: number;
  width: number;
  fn: VoiFunction;
}

export interface RenderOptions {
  type: RenderedType;
  /** Overrides the instance's window. Default: the frame's window, else the full range of its values. */
  window?: WindowSpec;
  /** Fit inside this box, keeping the aspect ratio. Default: the frame's own size. */
  viewport?: { width: number; height: number };
  /** JPEG quality from 1 to 100. Default 90. */
  quality?: number;
}

/** An 8-bit image, 1 (grey) or 3 (RGB) channels per pixel. */
interface Raster {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

function unprocessable(message: string): AppError {
  return new AppError('UNPROCESSABLE', message);
}

const LITTLE_ENDIAN_CPU = os.endianness() === 'LE';

/** The raw samples of a native frame as unsigned integers, through a typed view when the CPU allows it. */
function rawSamples(native: Buffer, n: number, bitsAllocated: number): ArrayLike<number> {
  if (bitsAllocated === 8) return native;
  const bytes = bitsAllocated / 8;
  if (bitsAllocated !== 16 && bitsAllocated !== 32) throw unprocessable(`Rendering ${bitsAllocated}-bit data is not supported`);
  if (!LITTLE_ENDIAN_CPU) {
    return Array.from({ length: n }, (_, i) => (bytes === 2 ? native.readUInt16LE(i * 2) : native.readUInt32LE(i * 4)));
  }
  // A typed view needs an aligned offset: copy the frame when it is not.
  const aligned = native.byteOffset % bytes === 0 ? native : Buffer.from(native.subarray(0, n * bytes));
  return bytes === 2 ? new Uint16Array(aligned.buffer, aligned.byteOffset, n) : new Uint32Array(aligned.buffer, aligned.byteOffset, n);
}

/** The stored values of a native grey frame, with BitsStored masking and sign extension. */
function storedValues(native: Buffer, info: PixelInfo): Float32Array {
  const n = info.rows * info.columns;
  if (native.length < (n * info.bitsAllocated) / 8) throw unprocessable('The frame is shorter than Rows × Columns');
  const raw = rawSamples(native, n, info.bitsAllocated);
  const out = new Float32Array(n);
  const signed = info.pixelRepresentation === 1;
  const bits = Math.min(info.bitsStored, info.bitsAllocated);
  const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  const signBit = 2 ** (bits - 1);
  for (let i = 0; i < n; i++) {
    // `>>> 0` keeps 32-bit values unsigned after the mask.
    const v = (raw[i]! & mask) >>> 0;
    out[i] = signed && v >= signBit ? v - 2 * signBit : v;
  }
  return out;
}

/** Applies rescale and window (PS3.3 C.11.1 and C.11.2.1.2) and maps to 0..255. */
export function windowToGrey(values: Float32Array, transform: PixelTransform, override: WindowSpec | undefined, invert: boolean): Uint8Array {
  const slope = transform.slope ?? 1;
  const intercept = transform.intercept ?? 0;
  const n = values.length;
  for (let i = 0; i < n; i++) values[i] = values[i]! * slope + intercept;
  let win = override;
  if (!win && transform.center !== undefined && transform.width !== undefined && transform.width > 0) {
    const fn = transform.voiFunction === 'LINEAR_EXACT' || transform.voiFunction === 'SIGMOID' ? transform.voiFunction : 'LINEAR';
    win = { center: transform.center, width: transform.width, fn };
  }
  if (!win) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    win = { center: (min + max) / 2, width: Math.max(1, max - min), fn: 'LINEAR_EXACT' };
  }
  const out = new Uint8Array(n);
  const { center: c, fn } = win;
  const w = fn === 'LINEAR' ? Math.max(1, win.width) : win.width;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    let y: number;
    if (fn === 'SIGMOID') y = 1 / (1 + Math.exp((-4 * (x - c)) / w));
    else if (fn === 'LINEAR_EXACT') y = x <= c - w / 2 ? 0 : x > c + w / 2 ? 1 : (x - c) / w + 0.5;
    else if (w === 1) y = x < c - 0.5 ? 0 : 1;
    else y = x <= c - 0.5 - (w - 1) / 2 ? 0 : x > c - 0.5 + (w - 1) / 2 ? 1 : (x - (c - 0.5)) / (w - 1) + 0.5;
    const v = Math.round(y * 255);
    out[i] = invert ? 255 - v : v;
  }
  return out;
}

/** An 8-bit colour frame as interleaved RGB. */
function colourRaster(native: Buffer, info: PixelInfo): Uint8Array {
  if (info.bitsAllocated !== 8) throw unprocessable('Colour rendering needs 8 bits allocated');
  const n = info.rows * info.columns;
  const subsampled = info.photometricInterpretation === 'YBR_FULL_422';
  if (native.length < (subsampled ? n * 2 : n * 3)) throw unprocessable('The frame is shorter than its pixels');
  const out = new Uint8Array(n * 3);
  const planar = info.planarConfiguration === 1 && !subsampled;
  const ybr = subsampled || info.photometricInterpretation === 'YBR_FULL';
  for (let i = 0; i < n; i++) {
    let a: number;
    let b: number;
    let c: number;
    if (subsampled) {
      // Y1 Y2 Cb Cr for each pair of pixels along a row.
      const pair = Math.floor(i / 2) * 4;
      a = native[pair + (i % 2)]!;
      b = native[pair + 2]!;
      c = native[pair + 3]!;
    } else {
      a = planar ? native[i]! : native[i * 3]!;
      b = planar ? native[n + i]! : native[i * 3 + 1]!;
      c = planar ? native[2 * n + i]! : native[i * 3 + 2]!;
    }
    if (ybr) {
      // PS3.3 C.7.6.3.1.2, YBR_FULL to RGB.
      const y = a;
      const cb = b - 128;
      const cr = c - 128;
      a = y + 1.402 * cr;
      b = y - 0.344136 * cb - 0.714136 * cr;
      c = y + 1.772 * cb;
    }
    out[i * 3] = Math.max(0, Math.min(255, Math.round(a)));
    out[i * 3 + 1] = Math.max(0, Math.min(255, Math.round(b)));
    out[i * 3 + 2] = Math.max(0, Math.min(255, Math.round(c)));
  }
  return out;
}

/** Fits the raster inside the viewport: box averaging when shrinking, nearest neighbour when enlarging. */
function fit(r: Raster, viewport: { width: number; height: number } | undefined): Raster {
  if (!viewport) return r;
  const scale = Math.min(viewport.width / r.width, viewport.height / r.height);
  const width = Math.max(1, Math.round(r.width * scale));
  const height = Math.max(1, Math.round(r.height * scale));
  if (width === r.width && height === r.height) return r;
  const ch = r.channels;
  const out = new Uint8Array(width * height * ch);
  const sum = new Float64Array(ch);
  for (let y = 0; y < height; y++) {
    const y0 = Math.min(r.height - 1, Math.floor((y * r.height) / height));
    const y1 = Math.max(y0 + 1, Math.min(r.height, Math.floor(((y + 1) * r.height) / height)));
    for (let x = 0; x < width; x++) {
      const x0 = Math.min(r.width - 1, Math.floor((x * r.width) / width));
      const x1 = Math.max(x0 + 1, Math.min(r.width, Math.floor(((x + 1) * r.width) / width)));
      sum.fill(0);
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const s = (sy * r.width + sx) * ch;
          for (let k = 0; k < ch; k++) sum[k]! += r.data[s + k]!;
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      for (let k = 0; k < ch; k++) out[(y * width + x) * ch + k] = Math.round(sum[k]! / count);
    }
  }
  return { width, height, channels: r.channels, data: out };
}

function encode(r: Raster, type: RenderedType, quality: number): Buffer {
  if (type === 'image/png') {
    const colorType = r.channels === 1 ? 0 : 2;
    const png = new PNG({ width: r.width, height: r.height, colorType, inputColorType: colorType, inputHasAlpha: false });
    png.data = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
    // zlib's default level: pngjs's 9 costs several times the time for a few per cent of size.
    return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: false, deflateLevel: 6 });
  }
  // jpeg-js takes RGBA only, and builds its tables on every call (about 30 ms): PNG is the faster answer.
  const rgba = Buffer.alloc(r.width * r.height * 4);
  for (let i = 0, n = r.width * r.height; i < n; i++) {
    const s = i * r.channels;
    rgba[i * 4] = r.data[s]!;
    rgba[i * 4 + 1] = r.data[r.channels === 1 ? s : s + 1]!;
    rgba[i * 4 + 2] = r.data[r.channels === 1 ? s : s + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  return jpeg.encode({ data: rgba, width: r.width, height: r.height }, quality).data;
}

/**
 * Renders one native frame (`frameIndex` from 0, for per-frame functional groups) to PNG or JPEG:
 * greyscale through rescale, window and MONOCHROME1 inversion; RGB, YBR_FULL and YBR_FULL_422 8-bit as colour.
 */
export function renderFrame(native: Buffer, info: PixelInfo, frameIndex: number, options: RenderOptions): Buffer {
  const pi = info.photometricInterpretation;
  let raster: Raster;
  if (info.samplesPerPixel === 1 && (pi === 'MONOCHROME1' || pi === 'MONOCHROME2')) {
    const transform = { ...info.shared, ...info.perFrame[frameIndex] };
    const grey = windowToGrey(storedValues(native, info), transform, options.window, pi === 'MONOCHROME1');
    raster = { width: info.columns, height: info.rows, channels: 1, data: grey };
  } else if (info.samplesPerPixel === 3 && (pi === 'RGB' || pi === 'YBR_FULL' || pi === 'YBR_FULL_422')) {
    raster = { width: info.columns, height: info.rows, channels: 3, data: colourRaster(native, info) };
  } else {
    throw unprocessable(`Rendering ${pi} with ${info.samplesPerPixel} samples per pixel is not supported`);
  }
  return encode(fit(raster, options.viewport), options.type, options.quality ?? 90);
}

/**
 * Renders a stored JPEG baseline frame: decoded by jpeg-js (8-bit baseline and progressive only), then treated
 * as native 8-bit data, so that window and viewport still apply.
 */
export function renderJpegFrame(stored: Buffer, info: PixelInfo, frameIndex: number, options: RenderOptions): Buffer {
  // jpeg-js decodes 8-bit samples only; 12-bit extended JPEG would come out wrong rather than fail.
  if (info.bitsStored > 8) throw unprocessable(`Rendering ${info.bitsStored}-bit JPEG is not supported`);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(stored, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 512 });
  } catch (err) {
    throw unprocessable(`The stored JPEG frame cannot be decoded: ${String(err).slice(0, 200)}`);
  }
  const channels = decoded.data.length / (decoded.width * decoded.height);
  const native = Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
  const asNative: PixelInfo = {
    ...info,
    rows: decoded.height,
    columns: decoded.width,
    bitsAllocated: 8,
    bitsStored: 8,
    pixelRepresentation: 0,
    planarConfiguration: 0,
    samplesPerPixel: channels === 1 ? 1 : 3,
    // jpeg-js converts YCbCr to RGB itself.
    photometricInterpretation: channels === 1 ? (info.photometricInterpretation === 'MONOCHROME1' ? 'MONOCHROME1' : 'MONOCHROME2') : 'RGB',
  };
  return renderFrame(native, asNative, frameIndex, options);
}
