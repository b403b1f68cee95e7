import type { Readable } from 'node:stream';
import type { MultipartErrorCode, MultipartParserOptions, MultipartPart } from './MultipartParserTypes';

export type * from './MultipartParserTypes';

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n', 'latin1');
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
/** Transport padding allowed after a delimiter (RFC 2046 §5.1.1 puts no limit; we do). */
const MAX_PADDING = 256;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A body that is not well-formed multipart. `partial`: the part that was cut or left unconfirmed, if there is one. */
export class MultipartError extends Error {
  readonly code: MultipartErrorCode;
  readonly partial: MultipartPart | undefined;

  constructor(code: MultipartErrorCode, message: string, partial?: MultipartPart) {
    super(message);
    this.name = 'MultipartError';
    this.code = code;
    this.partial = partial;
  }
}

type State = 'preamble' | 'delimiter' | 'headers' | 'body' | 'epilogue';

/**
 * An incremental parser of a multipart body (RFC 2046 §5.1) fed chunk by chunk: it never holds more than the part in
 * progress, so a body of any length streams through in bounded memory. A part over `maxPartBytes` is read through
 * without keeping it. Delimiters are found across chunk edges: the end of a chunk that could be the start of a
 * delimiter is held back until the next chunk decides.
 */
export class MultipartParser {
  /** CRLF "--" boundary: what ends a part. The body is read as if it began with CRLF, so the first one matches too. */
  readonly #delimiter: Buffer;
  readonly #maxPartBytes: number;
  readonly #maxHeaderBytes: number;
  readonly #keepHeadBytes: number;
  #state: State = 'preamble';
  /** Preamble and body: bytes held back as they may begin a delimiter. Delimiter and headers: bytes read so far. */
  #held: Buffer = CRLF;
  #index = 0;
  #headers: Record<string, string> = {};
  /** The content read so far, or null once the part is over the limit. */
  #chunks: Buffer[] | null = [];
  #size = 0;
  #head: Buffer | undefined;
  /** A part whose closing delimiter was found, emitted once what follows the delimiter is known to be valid. */
  #pending: MultipartPart | undefined;
  /** A fault found after parts that `write()` returned: thrown by the next call. */
  #failed: MultipartError | undefined;

  constructor(boundary: string, options: MultipartParserOptions = {}) {
    if (boundary.length === 0) throw new Error('empty multipart boundary');
    this.#delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.#maxPartBytes = options.maxPartBytes ?? 256 * 1024 * 1024;
    this.#maxHeaderBytes = options.maxHeaderBytes ?? 16 * 1024;
    this.#keepHeadBytes = options.keepHeadBytes ?? 64 * 1024;
  }

  /** Whether the close delimiter was read: what follows is the epilogue, which is ignored. */
  get closed(): boolean {
    return this.#state === 'epilogue' && !this.#failed;
  }

  /**
   * Feeds the next chunk; returns the parts it completed. Throws MultipartError on a malformed body; when the chunk
   * completed parts before the fault, they are returned first and the error is thrown by the next call.
   */
  write(chunk: Buffer): MultipartPart[] {
    if (this.#failed) throw this.#failed;
    const out: MultipartPart[] = [];
    let rest = chunk;
    try {
      while (rest.length > 0) {
        switch (this.#state) {
          case 'preamble':
          case 'body':
            rest = this.#scan(rest);
            break;
          case 'delimiter':
            rest = this.#afterDelimiter(rest, out);
            break;
          case 'headers':
            rest = this.#readHeaders(rest);
            break;
          case 'epilogue':
            return out;
        }
      }
    } catch (err) {
      if (!(err instanceof MultipartError) || out.length === 0) throw err;
      this.#failed = err;
    }
    return out;
  }

  /**
   * The body has ended: returns the last part when only the final `--` was missing after its delimiter (its content
   * is complete, so it is not lost), and throws MultipartError when the body ended inside a part or had no delimiter.
   */
  end(): MultipartPart[] {
    if (this.#failed) throw this.#failed;
    switch (this.#state) {
      case 'epilogue':
        return [];
      case 'preamble':
        throw new MultipartError('NO_DELIMITER', 'The body has no delimiter with the declared boundary');
      case 'delimiter':
        return this.#pending ? [this.#takePending()] : [];
      case 'headers':
        if (this.#held.length === 0) return [];
        throw new MultipartError('UNTERMINATED', 'The body ends inside the headers of a part');
      case 'body': {
        this.#append(this.#held, 0, this.#held.length);
        this.#held = EMPTY;
        const cut = this.#finishPart();
        throw new MultipartError('UNTERMINATED', 'The body ends inside a part: its closing delimiter is missing', cut);
      }
    }
  }

  /** Preamble or body: looks for the delimiter in the held-back bytes and this chunk. Returns what follows it. */
  #scan(chunk: Buffer): Buffer {
    // Held-back bytes are a prefix of the delimiter, so this copy happens only when a chunk ended like one.
    const buf = this.#held.length > 0 ? Buffer.concat([this.#held, chunk]) : chunk;
    const at = buf.indexOf(this.#delimiter);
    if (at >= 0) {
      this.#append(buf, 0, at);
      this.#held = EMPTY;
      if (this.#state === 'body') this.#pending = this.#finishPart();
      this.#state = 'delimiter';
      return buf.subarray(at + this.#delimiter.length);
    }
    const keep = this.#delimiterPrefixAtEnd(buf);
    this.#append(buf, 0, buf.length - keep);
    this.#held = keep > 0 ? Buffer.from(buf.subarray(buf.length - keep)) : EMPTY;
    return EMPTY;
  }

  /** Length of the longest end of `buf` that is a proper prefix of the delimiter: those bytes may start one. */
  #delimiterPrefixAtEnd(buf: Buffer): number {
    const d = this.#delimiter;
    let p = buf.indexOf(CR, Math.max(0, buf.length - (d.length - 1)));
    while (p >= 0) {
      const n = buf.length - p;
      if (buf.compare(d, 0, n, p) === 0) return n;
      p = buf.indexOf(CR, p + 1);
    }
    return 0;
  }

  /** After a delimiter: `--` closes the body; transport padding then CRLF opens the next part. */
  #afterDelimiter(chunk: Buffer, out: MultipartPart[]): Buffer {
    const buf = this.#held.length > 0 ? Buffer.concat([this.#held, chunk]) : chunk;
    const bad = () =>
      new MultipartError(
        'BAD_DELIMITER',
        'A delimiter is followed by something other than "--" or a line break',
        this.#takePending(),
      );
    if (buf[0] === DASH) {
      if (buf.length < 2) return this.#hold(buf);
      if (buf[1] !== DASH) throw bad();
      if (this.#pending) out.push(this.#takePending());
      this.#state = 'epilogue';
      this.#held = EMPTY;
      return EMPTY;
    }
    let i = 0;
    while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09)) i += 1;
    if (i > MAX_PADDING) throw bad();
    if (i === buf.length || (i === buf.length - 1 && buf[i] === CR)) return this.#hold(buf);
    if (buf[i] !== CR || buf[i + 1] !== LF) throw bad();
    if (this.#pending) out.push(this.#takePending());
    this.#state = 'headers';
    this.#held = EMPTY;
    return buf.subarray(i + 2);
  }

  #hold(buf: Buffer): Buffer {
    this.#held = Buffer.from(buf);
    return EMPTY;
  }

  /** Reads a part's header block, up to the empty line, and returns what follows: the start of the content. */
  #readHeaders(chunk: Buffer): Buffer {
    const before = this.#held.length;
    // Only as much of the chunk as a header block may need is looked at (and copied).
    const room = this.#maxHeaderBytes + HEADER_END.length - before;
    const win = before > 0 ? Buffer.concat([this.#held, chunk.subarray(0, room)]) : chunk.subarray(0, room);
    let end: number;
    let contentStart: number;
    if (win.length >= 2 && win[0] === CR && win[1] === LF) {
      // No header fields: the content follows the first line break (RFC 2046 §5.1.1).
      end = 0;
      contentStart = 2;
    } else {
      end = win.indexOf(HEADER_END);
      if (end < 0) {
        if (win.length >= this.#maxHeaderBytes + HEADER_END.length) {
          throw new MultipartError('HEADERS_TOO_LARGE', `A part's headers are over ${this.#maxHeaderBytes} bytes`);
        }
        this.#held = Buffer.from(win);
        return EMPTY;
      }
      contentStart = end + HEADER_END.length;
    }
    this.#headers = parseHeaderBlock(win.toString('latin1', 0, end));
    this.#state = 'body';
    this.#held = EMPTY;
    this.#chunks = [];
    this.#size = 0;
    this.#head = undefined;
    return chunk.subarray(contentStart - before);
  }

  /** Adds `buf[start, end)` to the content of the part in progress; the preamble is dropped. */
  #append(buf: Buffer, start: number, end: number): void {
    if (this.#state !== 'body' || end <= start) return;
    this.#size += end - start;
    if (this.#chunks === null) return;
    this.#chunks.push(buf.subarray(start, end));
    if (this.#size > this.#maxPartBytes) {
      this.#head = firstBytes(this.#chunks, this.#keepHeadBytes);
      this.#chunks = null;
    }
  }

  #finishPart(): MultipartPart {
    const chunks = this.#chunks;
    const part: MultipartPart = {
      index: this.#index,
      headers: this.#headers,
      body: chunks === null ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size),
      size: this.#size,
      ...(this.#head ? { head: this.#head } : {}),
    };
    this.#index += 1;
    this.#headers = {};
    this.#chunks = [];
    this.#size = 0;
    this.#head = undefined;
    return part;
  }

  #takePending(): MultipartPart {
    const p = this.#pending!;
    this.#pending = undefined;
    return p;
  }
}

function firstBytes(chunks: Buffer[], n: number): Buffer {
  const out: Buffer[] = [];
  let have = 0;
  for (const c of chunks) {
    if (have >= n) break;
    const take = c.subarray(0, n - have);
    out.push(take);
    have += take.length;
  }
  return Buffer.concat(out, have);
}

/** `name: value` lines; a line starting with a space or tab continues the previous one (obsolete folding). */
function parseHeaderBlock(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (text === '') return headers;
  const lines: string[] = [];
  for (const line of text.split('\r\n')) {
    const folded = (line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0;
    if (folded) lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line);
  }
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
    if (!HEADER_NAME.test(name)) throw new MultipartError('BAD_HEADER', 'A part header line is not "name: value"');
    headers[name] ??= line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * The parts of a multipart body read from a stream, one at a time: the stream is read only while the consumer asks
 * for the next part, so a slow consumer pauses the sender (TCP backpressure). The stream is not destroyed when the
 * consumer stops early or a MultipartError is thrown, so that the caller can still drain it and answer.
 */
export async function* readParts(
  stream: Readable,
  parser: MultipartParser,
): AsyncGenerator<MultipartPart, void, undefined> {
  for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
    if (parser.closed) continue;
    yield* parser.write(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer));
  }
  yield* parser.end();
}
