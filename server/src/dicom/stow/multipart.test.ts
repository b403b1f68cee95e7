import { AppError } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import { isDicomPart, parseMediaType, stowBoundary } from './multipart';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof AppError ? err.code : 'not an AppError';
  }
}

describe('parseMediaType()', () => {
  it('with quoted and unquoted parameters returns them unquoted, names lower-cased', () => {
    expect(parseMediaType('Multipart/Related; Type="application/dicom"; boundary=abc; start="<a\\"b>"')).toEqual({
      type: 'multipart/related',
      parameters: { type: 'application/dicom', boundary: 'abc', start: '<a"b>' },
    });
  });

  it('with an unterminated quoted value or a value-less parameter returns null', () => {
    expect(parseMediaType('multipart/related; boundary="abc')).toBeNull();
    expect(parseMediaType('multipart/related; boundary')).toBeNull();
    expect(parseMediaType('not a media type')).toBeNull();
  });
});

describe('stowBoundary()', () => {
  it('with type quoted or not and boundary quoted or not returns the boundary', () => {
    expect(stowBoundary('multipart/related; type="application/dicom"; boundary=XyZ', undefined)).toBe('XyZ');
    expect(stowBoundary('multipart/related;type=application/dicom;boundary="a b:c"', undefined)).toBe('a b:c');
    expect(stowBoundary('multipart/related; boundary=----=_Part_0', 'identity')).toBe('----=_Part_0');
  });

  it('with another media type, part type or a content encoding throws UNSUPPORTED_MEDIA_TYPE', () => {
    for (const ct of [undefined, 'application/dicom', 'multipart/form-data; boundary=x', 'multipart/related; type="application/dicom+json"; boundary=x', 'garbage']) {
      expect(codeOf(() => stowBoundary(ct, undefined)), String(ct)).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(codeOf(() => stowBoundary('multipart/related; type="application/dicom"; boundary=x', 'gzip'))).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('without a boundary or with an invalid one throws BAD_REQUEST', () => {
    expect(codeOf(() => stowBoundary('multipart/related; type="application/dicom"', undefined))).toBe('BAD_REQUEST');
    expect(codeOf(() => stowBoundary('multipart/related; type="application/dicom"; boundary=""', undefined))).toBe('BAD_REQUEST');
    expect(codeOf(() => stowBoundary(`multipart/related; boundary="${'x'.repeat(201)}"`, undefined))).toBe('BAD_REQUEST');
    expect(codeOf(() => stowBoundary('multipart/related; boundary="ends with space "', undefined))).toBe('BAD_REQUEST');
  });
});

describe('isDicomPart()', () => {
  it('accepts a missing type and application/dicom with parameters, refuses anything else', () => {
    expect(isDicomPart(undefined)).toBe(true);
    expect(isDicomPart('Application/DICOM; transfer-syntax=1.2.840.10008.1.2.1')).toBe(true);
    expect(isDicomPart('application/dicom+json')).toBe(false);
    expect(isDicomPart('image/jpeg')).toBe(false);
  });
});
