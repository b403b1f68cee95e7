import { open, readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { AppError } from '@telestroke/shared';

const DEFLATED = '1.2.840.10008.1.2.1.99';
const JPEG_FAMILY = new Set([
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.81',
]);
const JPEG_2000 = new Set(['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91']);

/** Rescale and window of one frame, from the data set or its functional groups; absent values stay undefined. */
export interface PixelTransform {
  slope?: number;
  intercept?: number;
  center?: number;
  width?: number;
  /** VOILUTFunction: LINEAR, LINEAR_EXACT or SIGMOID. */
  voiFunction?: string;
}

/** What a consumer of the pixel bytes needs to read them. */
export interface PixelInfo {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  photometricInterpretation: string;
  planarConfiguration: number;
  numberOfFrames: number;
  /** Top-level attributes and the shared functional groups (enhanced objects). */
  shared: PixelTransform;
  /** Per-frame functional groups, by frame index from 0, when the object has them. */
  perFrame: PixelTransform[];
}

/** Where the frames lie in the file: one contiguous native value, or fragment byte ranges per frame. */
export type FrameLayout =
  | { kind: 'native'; offset: number; length: number }
  | { kind: 'encapsulated'; frames: Array<Array<{ offset: number; length: number }>> };

export interface FrameIndex {
  transferSyntaxUid: string;
  info: PixelInfo;
  layout: FrameLayout;
}

/** Bits of one native frame: 1-bit frames are not byte aligned. */
export function nativeFrameBits(info: PixelInfo): number {
  // Native YBR_FULL_422 stores two luma and one pair of chroma samples per two pixels (PS3.3 C.7.6.3.1.2).
  const samples = info.photometricInterpretation === 'YBR_FULL_422' && info.samplesPerPixel === 3 ? 2 : info.samplesPerPixel;
  return info.rows * info.columns * samples * info.bitsAllocated;
}

function inflater(array: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(array.subarray(position));
  const full = new Uint8Array(position + inflated.length);
  full.set(array.subarray(0, position));
  full.set(inflated, position);
  return full;
}

function unprocessable(message: string): AppError {
  return new AppError('UNPROCESSABLE', message);
}

function numberOf(ds: dicomParser.DataSet, tag: string): number | undefined {
  const v = ds.floatString(tag, 0);
  return v === undefined || Number.isNaN(v) ? undefined : v;
}

function transformOf(ds: dicomParser.DataSet | undefined): PixelTransform {
  if (!ds) return {};
  const t: PixelTransform = {};
  const slope = numberOf(ds, 'x00281053');
  const intercept = numberOf(ds, 'x00281052');
  const center = numberOf(ds, 'x00281050');
  const width = numberOf(ds, 'x00281051');
  const fn = ds.string('x00281056');
  if (slope !== undefined) t.slope = slope;
  if (intercept !== undefined) t.intercept = intercept;
  if (center !== undefined) t.center = center;
  if (width !== undefined) t.width = width;
  if (fn) t.voiFunction = fn.toUpperCase();
  return t;
}

/** Merges the PixelValueTransformation and FrameVOILUT macros of one functional groups item. */
function groupTransform(item: dicomParser.DataSet | undefined): PixelTransform {
  if (!item) return {};
  const first = (tag: string) => item.elements[tag]?.items?.[0]?.dataSet;
  return { ...transformOf(first('x00289145')), ...transformOf(first('x00289132')) };
}

function pixelInfo(ds: dicomParser.DataSet): PixelInfo {
  const rows = ds.uint16('x00280010');
  const columns = ds.uint16('x00280011');
  const bitsAllocated = ds.uint16('x00280100');
  if (!rows || !columns || !bitsAllocated) throw unprocessable('The instance has pixel data but no Rows, Columns or BitsAllocated');
  const frames = ds.intString('x00280008');
  const shared = ds.elements.x52009229?.items?.[0]?.dataSet;
  const perFrameItems = ds.elements.x52009230?.items ?? [];
  return {
    rows,
    columns,
    samplesPerPixel: ds.uint16('x00280002') ?? 1,
    bitsAllocated,
    bitsStored: ds.uint16('x00280101') ?? bitsAllocated,
    pixelRepresentation: ds.uint16('x00280103') ?? 0,
    photometricInterpretation: (ds.string('x00280004') ?? 'MONOCHROME2').toUpperCase(),
    planarConfiguration: ds.uint16('x00280006') ?? 0,
    numberOfFrames: frames !== undefined && frames > 0 ? frames : 1,
    shared: { ...transformOf(ds), ...groupTransform(shared) },
    perFrame: perFrameItems.map((item) => groupTransform(item.dataSet)),
  };
}

/** Fragments of each frame, from the basic or extended offset table, or found by the codec's start marker. */
function encapsulatedFrames(
  ds: dicomParser.DataSet,
  px: dicomParser.Element,
  frameCount: number,
  transferSyntaxUid: string,
): Array<Array<{ offset: number; length: number }>> {
  const fragments = px.fragments ?? [];
  if (fragments.length === 0) throw unprocessable('Encapsulated pixel data without fragments');
  const range = (f: dicomParser.Fragment) => ({ offset: f.position, length: f.length });
  let starts = px.basicOffsetTable ?? [];
  if (starts.length === 0) {
    if (frameCount === 1) return [fragments.map(range)];
    if (fragments.length === frameCount) return fragments.map((f) => [range(f)]);
    const eot = ds.elements.x7fe00001;
    if (eot && eot.length >= frameCount * 8) {
      const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + eot.dataOffset, eot.length);
      starts = Array.from({ length: frameCount }, (_, k) => Number(view.getBigUint64(k * 8, true)));
    } else if (JPEG_FAMILY.has(transferSyntaxUid)) {
      starts = dicomParser.createJPEGBasicOffsetTable(ds, px);
    } else if (JPEG_2000.has(transferSyntaxUid)) {
      // A J2K codestream opens with SOC then SIZ: FF4F FF51.
      const b = ds.byteArray;
      starts = fragments
        .filter((f) => f.length >= 4 && b[f.position] === 0xff && b[f.position + 1] === 0x4f && b[f.position + 2] === 0xff && b[f.position + 3] === 0x51)
        .map((f) => f.offset);
    }
  }
  if (starts.length !== frameCount) {
    throw unprocessable(`Cannot tell the ${frameCount} frames apart in ${fragments.length} fragments`);
  }
  return starts.map((start, k) => {
    const end = k + 1 < starts.length ? starts[k + 1]! : Number.POSITIVE_INFINITY;
    return fragments.filter((f) => f.offset >= start && f.offset < end).map(range);
  });
}

/** Parses a Part 10 file down to where its frames are. `bytes` may be deflated: the answer refers to `byteArray`. */
export function indexFrames(bytes: Uint8Array, transferSyntaxUid: string): { index: FrameIndex; byteArray: Uint8Array } {
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, (transferSyntaxUid === DEFLATED ? { inflater } : {}) as dicomParser.ParseDicomOptions);
  } catch (err) {
    throw unprocessable(`The stored instance cannot be parsed: ${String(err).slice(0, 200)}`);
  }
  const px = ds.elements.x7fe00010;
  if (!px) throw new AppError('NOT_FOUND', 'The instance has no pixel data');
  const info = pixelInfo(ds);
  let layout: FrameLayout;
  if (px.encapsulatedPixelData) {
    layout = { kind: 'encapsulated', frames: encapsulatedFrames(ds, px, info.numberOfFrames, transferSyntaxUid) };
  } else {
    layout = { kind: 'native', offset: px.dataOffset, length: px.length };
    if (Math.ceil((nativeFrameBits(info) * info.numberOfFrames) / 8) > px.length) {
      throw unprocessable('The stored pixel data is shorter than its frames declare');
    }
  }
  return { index: { transferSyntaxUid, info, layout }, byteArray: ds.byteArray };
}

/** Byte range of native frame `k` (from 1), and the bit shift for 1-bit data. */
function nativeRange(index: FrameIndex, k: number): { start: number; length: number; bitShift: number; bits: number } {
  const layout = index.layout as Extract<FrameLayout, { kind: 'native' }>;
  const bits = nativeFrameBits(index.info);
  const firstBit = (k - 1) * bits;
  const start = layout.offset + Math.floor(firstBit / 8);
  const bitShift = firstBit % 8;
  return { start, length: Math.ceil((bitShift + bits) / 8), bitShift, bits };
}

/** Shifts a 1-bit frame that starts mid-byte back to bit 0 (bits are packed from the least significant). */
function realign(bytes: Buffer, bitShift: number, bits: number): Buffer {
  if (bitShift === 0) return bytes;
  const out = Buffer.alloc(Math.ceil(bits / 8));
  for (let i = 0; i < out.length; i++) out[i] = ((bytes[i]! >> bitShift) | ((bytes[i + 1] ?? 0) << (8 - bitShift))) & 0xff;
  return out;
}

function checkFrames(index: FrameIndex, frames: readonly number[]): void {
  const n = index.info.numberOfFrames;
  const missing = frames.find((k) => k < 1 || k > n);
  if (missing !== undefined) throw new AppError('NOT_FOUND', `Frame ${missing} does not exist: the instance has ${n}`);
}

function cut(index: FrameIndex, byteArray: Uint8Array, k: number): Buffer {
  const buf = Buffer.from(byteArray.buffer, byteArray.byteOffset, byteArray.byteLength);
  if (index.layout.kind === 'native') {
    const r = nativeRange(index, k);
    return realign(Buffer.from(buf.subarray(r.start, r.start + r.length)), r.bitShift, r.bits);
  }
  return Buffer.concat(index.layout.frames[k - 1]!.map((f) => buf.subarray(f.offset, f.offset + f.length)));
}

export interface FrameReaderOptions {
  /** Frame indexes kept, least recently used dropped first. Default 512. */
  maxCachedIndexes?: number;
}

/**
 * Reads frames of stored files. The first request for a file reads it whole and keeps where its frames are;
 * later requests read only the frames' bytes, which matters for multi-frame files of hundreds of megabytes.
 * Files never change once stored (their name carries their hash), so the cached positions stay true.
 */
export class FrameReader {
  readonly #cache = new Map<string, FrameIndex>();
  readonly #max: number;

  constructor(options: FrameReaderOptions = {}) {
    this.#max = options.maxCachedIndexes ?? 512;
  }

  /** The stored bytes of frames `frames` (numbered from 1), in the order asked, with the pixel description. */
  async read(absPath: string, transferSyntaxUid: string, frames: readonly number[]): Promise<{ info: PixelInfo; frames: Buffer[] }> {
    const cached = this.#cache.get(absPath);
    if (cached) {
      this.#cache.delete(absPath);
      this.#cache.set(absPath, cached);
      checkFrames(cached, frames);
      return { info: cached.info, frames: await this.#readRanges(absPath, cached, frames) };
    }
    const bytes = await readFile(absPath).catch(pathless);
    const { index, byteArray } = indexFrames(bytes, transferSyntaxUid);
    // Deflated files have no frame offsets in the file itself: they are inflated again on each request.
    if (transferSyntaxUid !== DEFLATED) {
      this.#cache.set(absPath, index);
      if (this.#cache.size > this.#max) this.#cache.delete(this.#cache.keys().next().value!);
    }
    checkFrames(index, frames);
    return { info: index.info, frames: frames.map((k) => cut(index, byteArray, k)) };
  }

  async #readRanges(absPath: string, index: FrameIndex, frames: readonly number[]): Promise<Buffer[]> {
    const fh = await open(absPath, 'r').catch(pathless);
    try {
      const out: Buffer[] = [];
      for (const k of frames) {
        if (index.layout.kind === 'native') {
          const r = nativeRange(index, k);
          out.push(realign(await readExactly(fh, r.start, r.length), r.bitShift, r.bits));
        } else {
          const parts: Buffer[] = [];
          for (const f of index.layout.frames[k - 1]!) parts.push(await readExactly(fh, f.offset, f.length));
          out.push(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
        }
      }
      return out;
    } finally {
      await fh.close();
    }
  }
}

/** A file system error without its path: the path's UIDs stay out of the logs. */
function pathless(err: NodeJS.ErrnoException): never {
  throw new Error(`stored file unreadable: ${err.code ?? 'read failed'}`);
}

async function readExactly(fh: import('node:fs/promises').FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new Error('stored file shorter than its frame index');
    done += bytesRead;
  }
  return buf;
}

/**
 * Decodes one RLE Lossless frame (PS3.5 annex G) to native little-endian bytes: a 64-byte header of segment
 * offsets, one PackBits segment per byte of each sample, most significant byte first.
 */
export function decodeRle(frame: Buffer, info: PixelInfo): Buffer {
  const bytesPerSample = info.bitsAllocated / 8;
  if (!Number.isInteger(bytesPerSample) || bytesPerSample < 1 || bytesPerSample > 4) {
    throw unprocessable(`RLE with ${info.bitsAllocated} bits allocated is not supported`);
  }
  if (frame.length < 64) throw unprocessable('RLE frame shorter than its header');
  const segments = frame.readUInt32LE(0);
  const expected = info.samplesPerPixel * bytesPerSample;
  if (segments !== expected) throw unprocessable(`RLE frame has ${segments} segments, expected ${expected}`);
  const pixels = info.rows * info.columns;
  const out = Buffer.alloc(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const start = frame.readUInt32LE(4 + s * 4);
    const end = s + 1 < segments ? frame.readUInt32LE(8 + s * 4) : frame.length;
    if (start < 64 || end > frame.length || start > end) throw unprocessable('RLE segment offsets outside the frame');
    const sample = Math.floor(s / bytesPerSample);
    // Segment 0 of a sample holds its most significant byte; native little endian puts it last.
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    // Planar configuration 1 stores each sample's plane apart; 0 interleaves the samples of a pixel.
    const planar = info.planarConfiguration === 1 && info.samplesPerPixel > 1;
    const stride = planar ? bytesPerSample : expected;
    let pos = planar ? sample * pixels * bytesPerSample + byteInSample : sample * bytesPerSample + byteInSample;
    let written = 0;
    let i = start;
    while (i < end && written < pixels) {
      const n = (frame[i++]! << 24) >> 24;
      if (n >= 0) {
        for (let c = 0; c <= n && i < end && written < pixels; c++, written++, pos += stride) out[pos] = frame[i++]!;
      } else if (n !== -128) {
        const value = frame[i++]!;
        for (let c = 0; c < 1 - n && written < pixels; c++, written++, pos += stride) out[pos] = value;
      }
    }
    if (written < pixels) throw unprocessable('RLE segment decodes to fewer pixels than the frame holds');
  }
  return out;
}
