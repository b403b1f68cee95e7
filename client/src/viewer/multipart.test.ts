import { describe, expect, it } from 'vitest';
import { boundaryOf, indexOf, MultipartReader } from './multipart';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The framing our server writes: no preamble, CRLF before each later delimiter, closing delimiter. */
function body(boundary: string, parts: Uint8Array[]): Uint8Array {
  const pieces: Uint8Array[] = [];
  parts.forEach((p, i) => {
    pieces.push(enc.encode(`${i ? '\r\n' : ''}--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), p);
  });
  pieces.push(enc.encode(`\r\n--${boundary}--\r\n`));
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function readAll(boundary: string, data: Uint8Array, chunk: number): Uint8Array[] {
  const reader = new MultipartReader(boundary);
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += chunk) out.push(...reader.push(data.subarray(i, i + chunk)));
  expect(reader.done).toBe(true);
  return out;
}

describe('MultipartReader', () => {
  const parts = [enc.encode('first\r\n--almost'), new Uint8Array(70_000).map((_, i) => (i * 7) % 256), enc.encode('')];

  it('push() in one piece returns every part body byte for byte', () => {
    const got = readAll('b0undary', body('b0undary', parts), 1 << 30);
    expect(got.map((p) => Array.from(p))).toEqual(parts.map((p) => Array.from(p)));
  });

  it('push() one byte at a time, delimiters split across chunks, gives the same parts', () => {
    const got = readAll('b0undary', body('b0undary', parts), 1);
    expect(got).toHaveLength(3);
    expect(dec.decode(got[0])).toBe('first\r\n--almost');
    expect(Array.from(got[1]!)).toEqual(Array.from(parts[1]!));
    expect(got[2]!.length).toBe(0);
  });

  it('push() with chunks of 4093 bytes across a 2 MB answer keeps every part', () => {
    const big = Array.from({ length: 4 }, (_, k) => new Uint8Array(512 * 1024).fill(k + 1));
    const got = readAll('x', body('x', big), 4093);
    expect(got.map((p) => [p.length, p[0], p[p.length - 1]])).toEqual(big.map((p) => [p.length, p[0], p[0]]));
  });

  it('push() of an answer cut before its closing delimiter returns only the complete parts', () => {
    const data = body('b', parts);
    const reader = new MultipartReader('b');
    const got = reader.push(data.subarray(0, data.length - 20));
    expect(got.length).toBeLessThan(3);
    expect(reader.done).toBe(false);
  });

  it('boundaryOf() reads quoted and bare boundaries', () => {
    expect(boundaryOf('multipart/related; type="application/dicom"; boundary=abc123')).toBe('abc123');
    expect(boundaryOf('multipart/related; boundary="q r"; type=x')).toBe('q r');
    expect(boundaryOf('application/dicom')).toBeUndefined();
  });

  it('indexOf() finds a needle only within the range', () => {
    const hay = enc.encode('aa\r\n--b\r\n--b');
    expect(indexOf(hay, enc.encode('\r\n--b'), 0, hay.length)).toBe(2);
    expect(indexOf(hay, enc.encode('\r\n--b'), 3, hay.length)).toBe(7);
    expect(indexOf(hay, enc.encode('\r\n--b'), 3, hay.length - 1)).toBe(-1);
  });
});
