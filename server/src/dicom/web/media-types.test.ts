import { describe, expect, it } from 'vitest';
import { negotiateFrames, negotiateRendered, negotiateRetrieve, parseAccept } from './media-types';

const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';
const JLS = '1.2.840.10008.1.2.4.80';
const RLE = '1.2.840.10008.1.2.5';

describe('parseAccept()', () => {
  it('parseAccept() of a list with quoted parameters and q values orders by q, keeping the client order on ties', () => {
    const ranges = parseAccept('image/png;q=0.5, multipart/related; type="application/dicom"; transfer-syntax=*, */*;q=0.1, text/html;q=0');
    expect(ranges).toEqual([
      { type: 'multipart/related', params: { type: 'application/dicom', 'transfer-syntax': '*' }, q: 1 },
      { type: 'image/png', params: {}, q: 0.5 },
      { type: '*/*', params: {}, q: 0.1 },
    ]);
  });

  it('parseAccept() of an absent or empty header accepts anything', () => {
    expect(parseAccept(undefined)).toEqual([{ type: '*/*', params: {}, q: 1 }]);
    expect(parseAccept('  ')).toEqual([{ type: '*/*', params: {}, q: 1 }]);
  });

  it('parseAccept() keeps a comma inside a quoted parameter within its range', () => {
    expect(parseAccept('multipart/related; type="a/b,c"')).toEqual([{ type: 'multipart/related', params: { type: 'a/b,c' }, q: 1 }]);
  });

  it('parseAccept() of a header over 4 KiB throws BAD_REQUEST', () => {
    expect(() => parseAccept(`a/b;x=${'y'.repeat(5000)}`)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});

describe('negotiateFrames()', () => {
  it('negotiateFrames() of native data answers octet-stream in explicit VR little endian, whatever the stored syntax', () => {
    for (const ts of [EXPLICIT, IMPLICIT]) {
      expect(negotiateFrames(parseAccept('*/*'), ts, 2)).toEqual({
        source: 'native',
        contentType: `application/octet-stream; transfer-syntax=${EXPLICIT}`,
        multipart: true,
        partType: 'application/octet-stream',
      });
    }
  });

  it('negotiateFrames() of JPEG-LS answers the stored frame for */*, image/jls, image/x-jls, and octet-stream with transfer-syntax=*', () => {
    expect(negotiateFrames(parseAccept('*/*'), JLS, 1)?.contentType).toBe(`image/jls; transfer-syntax=${JLS}`);
    expect(negotiateFrames(parseAccept('multipart/related; type="image/x-jls"'), JLS, 1)?.contentType).toBe(`image/x-jls; transfer-syntax=${JLS}`);
    expect(negotiateFrames(parseAccept('multipart/related; type="image/*"'), JLS, 1)?.contentType).toBe(`image/jls; transfer-syntax=${JLS}`);
    expect(negotiateFrames(parseAccept('multipart/related; type="application/octet-stream"; transfer-syntax=*'), JLS, 1)?.contentType).toBe(
      `application/octet-stream; transfer-syntax=${JLS}`,
    );
  });

  it('negotiateFrames() of JPEG-LS refuses plain octet-stream, another syntax and image/jp2 with null', () => {
    expect(negotiateFrames(parseAccept('multipart/related; type="application/octet-stream"'), JLS, 1)).toBeNull();
    expect(negotiateFrames(parseAccept(`multipart/related; type="image/jls"; transfer-syntax=1.2.840.10008.1.2.4.81`), JLS, 1)).toBeNull();
    expect(negotiateFrames(parseAccept('multipart/related; type="image/jp2"'), JLS, 1)).toBeNull();
  });

  it('negotiateFrames() of RLE prefers the stored frame but decodes it for octet-stream', () => {
    expect(negotiateFrames(parseAccept('*/*'), RLE, 1)?.source).toBe('stored');
    expect(negotiateFrames(parseAccept('multipart/related; type="application/octet-stream"'), RLE, 1)).toMatchObject({
      source: 'rle-decoded',
      contentType: `application/octet-stream; transfer-syntax=${EXPLICIT}`,
    });
  });

  it('negotiateFrames() with a bare media type answers single part for one frame only', () => {
    expect(negotiateFrames(parseAccept('application/octet-stream'), EXPLICIT, 1)?.multipart).toBe(false);
    expect(negotiateFrames(parseAccept('application/octet-stream'), EXPLICIT, 2)).toBeNull();
  });

  it('negotiateFrames() falls back to a lower-q range that fits', () => {
    const choice = negotiateFrames(parseAccept('multipart/related; type="image/jls", multipart/related; type="application/octet-stream";q=0.5'), EXPLICIT, 1);
    expect(choice?.source).toBe('native');
  });
});

describe('negotiateRetrieve() and negotiateRendered()', () => {
  const stored = new Set([EXPLICIT]);

  it('negotiateRetrieve() answers multipart as stored for */*, the default type, transfer-syntax=* and the stored syntax', () => {
    for (const accept of ['*/*', 'multipart/related', 'multipart/related; type="application/dicom"; transfer-syntax=*', `multipart/related; type=application/dicom; transfer-syntax=${EXPLICIT}`]) {
      expect({ accept, choice: negotiateRetrieve(parseAccept(accept), stored, 3)?.multipart }).toEqual({ accept, choice: true });
    }
  });

  it('negotiateRetrieve() refuses another transfer syntax, another type, and a bare application/dicom for several instances', () => {
    expect(negotiateRetrieve(parseAccept('multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50'), stored, 1)).toBeNull();
    expect(negotiateRetrieve(parseAccept('multipart/related; type="application/octet-stream"'), stored, 1)).toBeNull();
    expect(negotiateRetrieve(parseAccept('application/dicom'), stored, 2)).toBeNull();
    expect(negotiateRetrieve(parseAccept('application/dicom'), stored, 1)).toEqual({ multipart: false, transferSyntaxUid: undefined });
  });

  it('negotiateRendered() defaults to JPEG, answers PNG when asked first, and null for GIF only', () => {
    expect(negotiateRendered(parseAccept(undefined))).toBe('image/jpeg');
    expect(negotiateRendered(parseAccept('image/png, image/jpeg;q=0.9'))).toBe('image/png');
    expect(negotiateRendered(parseAccept('image/*'))).toBe('image/jpeg');
    expect(negotiateRendered(parseAccept('image/gif'))).toBeNull();
  });
});
