import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStudy } from '../synthetic/synthetic';
import { pixelDataOf } from './dicomweb.fixtures';
import { decodeRle, FrameReader, indexFrames, type PixelInfo } from './frames';

const CORPUS = '/usr/lib/python3/dist-packages/pydicom/data/test_files/';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'frames-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** PackBits as PS3.5 G.3.1 describes it: literal runs only, the simplest valid encoding. */
function packBits(bytes: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 128) {
    const run = bytes.slice(i, i + 128);
    out.push(run.length - 1, ...run);
  }
  return out;
}

/** An RLE frame of 16-bit samples: high bytes in segment 1, low bytes in segment 2. */
function rleFrame(samples: number[]): Buffer {
  const high = packBits(samples.map((v) => (v >> 8) & 0xff));
  // A replicate run for the low bytes when they are all equal, to exercise both kinds of runs.
  const low = samples.every((v) => (v & 0xff) === (samples[0]! & 0xff)) ? [-(samples.length - 1) & 0xff, samples[0]! & 0xff] : packBits(samples.map((v) => v & 0xff));
  const header = Buffer.alloc(64);
  header.writeUInt32LE(2, 0);
  header.writeUInt32LE(64, 4);
  header.writeUInt32LE(64 + high.length, 8);
  return Buffer.concat([header, Buffer.from(high), Buffer.from(low)]);
}

const info16: PixelInfo = {
  rows: 2, columns: 3, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 0,
  photometricInterpretation: 'MONOCHROME2', planarConfiguration: 0, numberOfFrames: 1, shared: {}, perFrame: [],
};

describe('decodeRle()', () => {
  it('decodeRle() of a two-segment 16-bit frame answers little-endian samples', () => {
    const samples = [0x0102, 0x0304, 0xfffe, 0x0000, 0x8000, 0x7fff];
    const expected = Buffer.alloc(12);
    samples.forEach((v, i) => expected.writeUInt16LE(v, i * 2));
    expect(decodeRle(rleFrame(samples), info16)).toEqual(expected);
  });

  it('decodeRle() with replicate runs fills the samples', () => {
    const samples = [0x0110, 0x0210, 0x0310, 0x0410, 0x0510, 0x0610];
    expect([...decodeRle(rleFrame(samples), info16)]).toEqual(samples.flatMap((v) => [v & 0xff, v >> 8]));
  });

  it('decodeRle() of a truncated frame or a wrong segment count throws UNPROCESSABLE', () => {
    const frame = rleFrame([1, 2, 3, 4, 5, 6]);
    expect(() => decodeRle(frame.subarray(0, 70), info16)).toThrow(expect.objectContaining({ code: 'UNPROCESSABLE' }));
    expect(() => decodeRle(frame, { ...info16, samplesPerPixel: 3 })).toThrow(expect.objectContaining({ code: 'UNPROCESSABLE' }));
    expect(() => decodeRle(frame.subarray(0, 10), info16)).toThrow(expect.objectContaining({ code: 'UNPROCESSABLE' }));
  });

  it('decodeRle() of pydicom’s MR_small_RLE.dcm frame equals the pixel data of MR_small.dcm', async () => {
    const file = path.join(dir, 'rle.dcm');
    await writeFile(file, readFileSync(`${CORPUS}MR_small_RLE.dcm`));
    const { info, frames } = await new FrameReader().read(file, '1.2.840.10008.1.2.5', [1]);
    expect(decodeRle(frames[0]!, info).equals(pixelDataOf(readFileSync(`${CORPUS}MR_small.dcm`)))).toBe(true);
  });
});

describe('indexFrames() and FrameReader', () => {
  it('indexFrames() of a synthetic CT slice finds its native pixel data and its rescale and window', () => {
    const [slice] = generateStudy({ slices: 1, rows: 16, columns: 16 });
    const { index } = indexFrames(slice!.bytes, '1.2.840.10008.1.2.1');
    expect(index.layout.kind).toBe('native');
    expect(index.info).toMatchObject({ rows: 16, columns: 16, bitsAllocated: 16, pixelRepresentation: 1, numberOfFrames: 1 });
    expect(index.info.shared).toEqual({ slope: 1, intercept: -1024, center: 40, width: 80 });
  });

  it('FrameReader.read() of 1-bit frames that do not start on a byte answers each frame realigned to bit 0', async () => {
    // 3×3 single-bit frames: frame 2 starts at bit 9. Frame k has only its pixel k-1 set.
    const frames = [0b000000001, 0b000000010, 0b000000100];
    let bits = 0n;
    frames.forEach((f, k) => (bits |= BigInt(f) << BigInt(9 * k)));
    const packed = Buffer.alloc(4);
    packed.writeUInt32LE(Number(bits));
    const meta = {
      '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
      '00020002': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7.1'] },
      '00020003': { vr: 'UI', Value: ['1.2.3.4.5'] },
      '00020010': { vr: 'UI', Value: ['1.2.840.10008.1.2.1'] },
    };
    const dict = new dcmjs.data.DicomDict(meta);
    dict.dict = {
      '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7.1'] },
      '00080018': { vr: 'UI', Value: ['1.2.3.4.5'] },
      '00280002': { vr: 'US', Value: [1] },
      '00280004': { vr: 'CS', Value: ['MONOCHROME2'] },
      '00280008': { vr: 'IS', Value: ['3'] },
      '00280010': { vr: 'US', Value: [3] },
      '00280011': { vr: 'US', Value: [3] },
      '00280100': { vr: 'US', Value: [1] },
      '00280101': { vr: 'US', Value: [1] },
      '00280102': { vr: 'US', Value: [0] },
      '00280103': { vr: 'US', Value: [0] },
      '7FE00010': { vr: 'OB', Value: [packed.buffer.slice(packed.byteOffset, packed.byteOffset + 4)] },
    };
    const file = path.join(dir, 'bits.dcm');
    await writeFile(file, Buffer.from(dict.write()));
    const reader = new FrameReader();
    for (let round = 0; round < 2; round++) {
      const { frames: got } = await reader.read(file, '1.2.840.10008.1.2.1', [1, 2, 3]);
      expect(got.map((b) => b.readUInt16LE(0) & 0x1ff)).toEqual(frames);
    }
  });

  it('FrameReader.read() of frame 2 of a single-frame file throws NOT_FOUND', async () => {
    const [slice] = generateStudy({ slices: 1, rows: 16, columns: 16 });
    const file = path.join(dir, 'one.dcm');
    await writeFile(file, slice!.bytes);
    await expect(new FrameReader().read(file, '1.2.840.10008.1.2.1', [2])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
