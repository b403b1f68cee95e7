import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MultipartError, MultipartParser, readParts, type MultipartPart } from './MultipartParser';
import { seededRandom as prng } from './stow.testing';

function body(boundary: string, parts: Buffer[], options: { preamble?: string; epilogue?: string; headers?: string } = {}): Buffer {
  const pieces: Buffer[] = [];
  if (options.preamble !== undefined) pieces.push(Buffer.from(`${options.preamble}\r\n`));
  for (const p of parts) {
    pieces.push(Buffer.from(`--${boundary}\r\n${options.headers ?? 'Content-Type: application/dicom\r\n'}\r\n`));
    pieces.push(p, Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--${options.epilogue !== undefined ? `\r\n${options.epilogue}` : ''}`));
  return Buffer.concat(pieces);
}

/** Feeds `data` in chunks of the given sizes (cycled) and returns every part, or the error thrown. */
function parse(
  boundary: string,
  data: Buffer,
  sizes: number[] | (() => number),
  options = {},
): { parts: MultipartPart[]; error?: MultipartError } {
  const parser = new MultipartParser(boundary, options);
  const parts: MultipartPart[] = [];
  try {
    let i = 0;
    let k = 0;
    while (i < data.length) {
      const n = typeof sizes === 'function' ? sizes() : sizes[k++ % sizes.length]!;
      parts.push(...parser.write(data.subarray(i, i + n)));
      i += n;
    }
    parts.push(...parser.end());
    return { parts };
  } catch (err) {
    if (!(err instanceof MultipartError)) throw err;
    return { parts, error: err };
  }
}

/** Binary content full of the delimiter's first bytes, to exercise the held-back logic at every chunk edge. */
function nastyContent(boundary: string, length: number, seed: number): Buffer {
  const rnd = prng(seed);
  const near = Buffer.from(`\r\n--${boundary}`);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; ) {
    if (rnd() < 0.1) {
      // A proper prefix of the delimiter, then a zero byte (never in a delimiter) so that it cannot complete.
      const n = 1 + Math.floor(rnd() * (near.length - 1));
      near.copy(out, i, 0, Math.min(n, length - i));
      i += n + 1;
    } else {
      out[i] = Math.floor(rnd() * 256);
      i += 1;
    }
  }
  return out;
}

describe('MultipartParser', () => {
  const boundary = 'b0undary-XYZ';

  it('write() of a whole body yields each part with its headers and exact content', () => {
    const contents = [Buffer.from('first'), Buffer.alloc(0), Buffer.from('third\r\nwith\r\n--line breaks')];
    const { parts, error } = parse(boundary, body(boundary, contents, { preamble: 'ignored', epilogue: 'ignored too' }), [1 << 20]);
    expect(error).toBeUndefined();
    expect(parts.map((p) => p.body!.toString())).toEqual(contents.map((c) => c.toString()));
    expect(parts.map((p) => p.index)).toEqual([0, 1, 2]);
    expect(parts[0]!.headers).toEqual({ 'content-type': 'application/dicom' });
  });

  it('write() in chunks of every size from 1 to 40 bytes yields the same parts', () => {
    const contents = [nastyContent(boundary, 3000, 1), nastyContent(boundary, 17, 2), nastyContent(boundary, 1000, 3)];
    const data = body(boundary, contents);
    for (let size = 1; size <= 40; size += 1) {
      const { parts, error } = parse(boundary, data, [size]);
      expect(error, `chunk size ${size}`).toBeUndefined();
      expect(parts.map((p) => p.body!.equals(contents[p.index]!)), `chunk size ${size}`).toEqual([true, true, true]);
    }
  });

  it('write() in random chunk sizes yields the same parts (200 seeded splits)', () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const rnd = prng(seed);
      const contents = Array.from({ length: 1 + Math.floor(rnd() * 4) }, (_, i) =>
        nastyContent(boundary, Math.floor(rnd() * 5000), seed * 10 + i),
      );
      const { parts, error } = parse(boundary, body(boundary, contents), () => 1 + Math.floor(rnd() * 300));
      expect(error, `seed ${seed}`).toBeUndefined();
      expect(parts.length, `seed ${seed}`).toBe(contents.length);
      for (const p of parts) expect(p.body!.equals(contents[p.index]!), `seed ${seed} part ${p.index}`).toBe(true);
    }
  });

  it('write() of a body that starts with the delimiter, without preamble or leading CRLF, finds the first part', () => {
    const { parts } = parse(boundary, Buffer.from(`--${boundary}\r\n\r\nx\r\n--${boundary}--`), [2]);
    expect(parts.map((p) => p.body!.toString())).toEqual(['x']);
    expect(parts[0]!.headers).toEqual({});
  });

  it('write() accepts transport padding after a delimiter and folded, repeated header fields', () => {
    const data = Buffer.from(
      `--${boundary}  \t\r\nContent-Type: application/dicom;\r\n transfer-syntax=1.2.840.10008.1.2.1\r\nX-A: 1\r\nx-a: 2\r\n\r\nabc\r\n--${boundary}--`,
    );
    const { parts, error } = parse(boundary, data, [3]);
    expect(error).toBeUndefined();
    expect(parts[0]!.headers).toEqual({ 'content-type': 'application/dicom; transfer-syntax=1.2.840.10008.1.2.1', 'x-a': '1' });
  });

  it('write() of a part over maxPartBytes reports it with body null, its size and its head, and goes on', () => {
    const big = nastyContent(boundary, 10_000, 7);
    const { parts, error } = parse(boundary, body(boundary, [Buffer.from('a'), big, Buffer.from('c')]), [333], {
      maxPartBytes: 5000,
      keepHeadBytes: 100,
    });
    expect(error).toBeUndefined();
    expect(parts.map((p) => p.body?.toString() ?? null)).toEqual(['a', null, 'c']);
    expect(parts[1]!.size).toBe(10_000);
    expect(parts[1]!.head!.equals(big.subarray(0, 100))).toBe(true);
  });

  it('end() of an empty body throws NO_DELIMITER', () => {
    expect(parse(boundary, Buffer.alloc(0), [1]).error?.code).toBe('NO_DELIMITER');
  });

  it('end() of a body without the declared boundary throws NO_DELIMITER', () => {
    expect(parse(boundary, body('other', [Buffer.from('x')]), [7]).error?.code).toBe('NO_DELIMITER');
  });

  it('end() inside a part throws UNTERMINATED with the content read so far', () => {
    const data = Buffer.from(`--${boundary}\r\n\r\nhalf a file\r\n--${boundary.slice(0, 3)}`);
    const { parts, error } = parse(boundary, data, [5]);
    expect(parts).toEqual([]);
    expect(error?.code).toBe('UNTERMINATED');
    expect(error?.partial?.body?.toString()).toBe(`half a file\r\n--${boundary.slice(0, 3)}`);
  });

  it('end() inside the headers of a part throws UNTERMINATED', () => {
    const { error } = parse(boundary, Buffer.from(`--${boundary}\r\nContent-Ty`), [4]);
    expect(error?.code).toBe('UNTERMINATED');
  });

  it('end() right after a delimiter without the final "--" keeps the delimited part', () => {
    for (const tail of ['', '\r\n', ' ']) {
      const { parts, error } = parse(boundary, Buffer.from(`--${boundary}\r\n\r\nwhole\r\n--${boundary}${tail}`), [4]);
      expect(error, JSON.stringify(tail)).toBeUndefined();
      expect(parts.map((p) => p.body!.toString())).toEqual(['whole']);
    }
  });

  it('write() of a delimiter followed by other characters throws BAD_DELIMITER', () => {
    const { error } = parse(boundary, Buffer.from(`--${boundary}\r\n\r\nx\r\n--${boundary}X\r\n\r\ny\r\n--${boundary}--`), [64]);
    expect(error?.code).toBe('BAD_DELIMITER');
  });

  it('write() of a chunk with a whole part then a fault returns the part, and the next call throws', () => {
    const parser = new MultipartParser(boundary);
    const parts = parser.write(Buffer.from(`--${boundary}\r\n\r\nwhole\r\n--${boundary}\r\nno colon\r\n\r\nx`));
    expect(parts.map((p) => p.body!.toString())).toEqual(['whole']);
    expect(() => parser.write(Buffer.from('more'))).toThrow(MultipartError);
    expect(() => parser.end()).toThrow(MultipartError);
  });

  it('write() of a header block over maxHeaderBytes throws HEADERS_TOO_LARGE', () => {
    const data = Buffer.from(`--${boundary}\r\nX: ${'a'.repeat(5000)}\r\n\r\nx\r\n--${boundary}--`);
    expect(parse(boundary, data, [100], { maxHeaderBytes: 1024 }).error?.code).toBe('HEADERS_TOO_LARGE');
  });

  it('write() of a header line without a colon throws BAD_HEADER', () => {
    const data = Buffer.from(`--${boundary}\r\nno colon here\r\n\r\nx\r\n--${boundary}--`);
    expect(parse(boundary, data, [100]).error?.code).toBe('BAD_HEADER');
  });

  it('write() of 500 seeded mutants of a body only ever yields parts or throws MultipartError', () => {
    const rnd = prng(99);
    const clean = body(boundary, [Buffer.from('first part'), nastyContent(boundary, 300, 5), Buffer.from('third')], { preamble: 'p' });
    for (let k = 0; k < 500; k += 1) {
      const data = Buffer.from(clean);
      for (let m = 0; m < 1 + Math.floor(rnd() * 4); m += 1) data[Math.floor(rnd() * data.length)] = Math.floor(rnd() * 256);
      const cut = rnd() < 0.3 ? data.subarray(0, Math.floor(rnd() * data.length)) : data;
      const { parts } = parse(boundary, cut, () => 1 + Math.floor(rnd() * 64), { maxPartBytes: 200 });
      for (const p of parts) expect(p.body === null ? p.size > 200 : p.body.length === p.size, `mutant ${k}`).toBe(true);
    }
  });

  it('write() ignores the epilogue, even one that looks like more parts', () => {
    const data = Buffer.concat([body(boundary, [Buffer.from('x')]), Buffer.from(`\r\n--${boundary}\r\n\r\nnot a part\r\n--${boundary}--`)]);
    expect(parse(boundary, data, [9]).parts.map((p) => p.body!.toString())).toEqual(['x']);
  });
});

describe('readParts()', () => {
  it('reads the stream only as fast as the consumer asks for parts', async () => {
    const boundary = 'bp';
    const contents = Array.from({ length: 20 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const data = body(boundary, contents);
    let served = 0;
    const chunkSize = 16 * 1024;
    const stream = new Readable({
      highWaterMark: chunkSize,
      read() {
        if (served >= data.length) return void this.push(null);
        this.push(data.subarray(served, served + chunkSize));
        served += chunkSize;
      },
    });
    const seen: number[] = [];
    for await (const part of readParts(stream, new MultipartParser(boundary))) {
      seen.push(part.index);
      if (part.index === 1) {
        await new Promise((r) => setTimeout(r, 20));
        // Two parts of 64 KiB were consumed; the stream may have read ahead by its buffer, not by the whole body.
        expect(served).toBeLessThan(4 * 64 * 1024);
      }
    }
    expect(seen).toEqual(contents.map((_, i) => i));
  });

  it('leaves the stream readable after a MultipartError so that the caller can drain it', async () => {
    const boundary = 'bq';
    const stream = Readable.from([Buffer.from(`--${boundary}\r\nbad header\r\n\r\n`), Buffer.from('rest of the body')], {
      objectMode: false,
    });
    await expect(async () => {
      for await (const _ of readParts(stream, new MultipartParser(boundary))) void _;
    }).rejects.toThrow(MultipartError);
    expect(stream.destroyed).toBe(false);
    const rest: Buffer[] = [];
    for await (const c of stream) rest.push(c as Buffer);
    expect(Buffer.concat(rest).toString()).toBe('rest of the body');
  });
});
