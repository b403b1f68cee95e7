import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { PixelInfo } from './frames';
import { renderFrame, windowToGrey } from './render';

describe('windowToGrey()', () => {
  it('windowToGrey() LINEAR 40/80 follows PS3.3 C.11.2.1.2.1 at and around the window edges', () => {
    const grey = windowToGrey(new Float32Array([-1000, 0, 40, 79, 80, 1000]), {}, { center: 40, width: 80, fn: 'LINEAR' }, false);
    // y = ((x - 39.5) / 79 + 0.5) × 255 inside (0, 79], 0 below, 255 above.
    expect([...grey]).toEqual([0, 0, 129, 255, 255, 255]);
  });

  it('windowToGrey() LINEAR_EXACT and SIGMOID put the centre at mid-grey', () => {
    expect([...windowToGrey(new Float32Array([0, 40, 80]), {}, { center: 40, width: 80, fn: 'LINEAR_EXACT' }, false)]).toEqual([0, 128, 255]);
    const s = windowToGrey(new Float32Array([-200, 40, 280]), {}, { center: 40, width: 80, fn: 'SIGMOID' }, false);
    expect([...s]).toEqual([0, 128, 255]);
  });

  it('windowToGrey() applies rescale first, the data set’s window by default, and inverts MONOCHROME1', () => {
    // Stored 1064 → 40 HU with intercept -1024.
    const grey = windowToGrey(new Float32Array([24, 1064, 3000]), { slope: 1, intercept: -1024, center: 40, width: 80 }, undefined, true);
    expect([...grey]).toEqual([255, 126, 0]);
  });

  it('windowToGrey() without any window stretches the full range', () => {
    expect([...windowToGrey(new Float32Array([10, 20, 30]), {}, undefined, false)]).toEqual([0, 128, 255]);
  });
});

describe('renderFrame()', () => {
  const info: PixelInfo = {
    rows: 2, columns: 4, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1,
    photometricInterpretation: 'MONOCHROME2', planarConfiguration: 0, numberOfFrames: 1, shared: {}, perFrame: [],
  };

  it('renderFrame() of signed 12-bit data sign-extends from BitsStored and ignores the bits above', () => {
    const native = Buffer.alloc(16);
    // 0xF800 has junk above bit 11 and is -2048 once masked to 12 bits and sign-extended; 0x07FF is +2047.
    [0xf800, 0x07ff, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000].forEach((v, i) => native.writeUInt16LE(v, i * 2));
    const png = PNG.sync.read(renderFrame(native, info, 0, { type: 'image/png', window: { center: 0, width: 4096, fn: 'LINEAR_EXACT' } }));
    expect([png.data[0], png.data[4], png.data[8]]).toEqual([0, 255, 128]);
  });

  it('renderFrame() of a 4×2 frame into a 2×2 viewport keeps the aspect ratio and averages 2×2 blocks', () => {
    const native = Buffer.alloc(16);
    [0, 100, 200, 200, 0, 0, 50, 50].forEach((v, i) => native.writeUInt16LE(v, i * 2));
    const png = PNG.sync.read(
      renderFrame(native, { ...info, bitsStored: 16, pixelRepresentation: 0 }, 0, {
        type: 'image/png',
        viewport: { width: 2, height: 2 },
        window: { center: 127.5, width: 255, fn: 'LINEAR_EXACT' },
      }),
    );
    expect([png.width, png.height]).toEqual([2, 1]);
    expect([png.data[0], png.data[4]]).toEqual([25, 125]);
  });

  it('renderFrame() of PALETTE COLOR answers UNPROCESSABLE', () => {
    expect(() => renderFrame(Buffer.alloc(16), { ...info, photometricInterpretation: 'PALETTE COLOR' }, 0, { type: 'image/png' })).toThrow(
      expect.objectContaining({ code: 'UNPROCESSABLE' }),
    );
  });
});
