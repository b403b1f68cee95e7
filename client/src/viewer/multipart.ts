/**
 * Incremental reader of a `multipart/related` body (RFC 2046), for a WADO-RS series retrieve read as a stream: the
 * bodies of the parts come out as soon as their closing delimiter has arrived, so that the first instances are
 * decoded while the rest is still on the wire. Bytes are copied about twice whatever the size of the answer.
 */
export class MultipartReader {
  readonly #delimiter: Uint8Array;
  #buf: Uint8Array;
  #len = 0;
  /** Where the next search starts. */
  #pos = 0;
  #bodyStart = 0;
  #state: 'delimiter' | 'headers' | 'body' | 'done' = 'delimiter';

  constructor(boundary: string) {
    // Every delimiter is CRLF "--" boundary; a CRLF put in front of the body makes the first one look the same.
    this.#delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
    this.#buf = new Uint8Array(1 << 20);
    this.#buf.set([13, 10]);
    this.#len = 2;
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  /** Adds bytes; returns the bodies of the parts they completed, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#append(chunk);
    const parts: Uint8Array[] = [];
    for (;;) {
      if (this.#state === 'done') break;
      if (this.#state === 'delimiter') {
        const at = indexOf(this.#buf, this.#delimiter, this.#pos, this.#len);
        if (at < 0) break;
        const after = at + this.#delimiter.length;
        if (after + 2 > this.#len) break;
        if (this.#buf[after] === 45 && this.#buf[after + 1] === 45) {
          this.#state = 'done';
          break;
        }
        const eol = indexOf(this.#buf, CRLF, after, this.#len);
        if (eol < 0) break;
        this.#pos = eol + 2;
        this.#state = 'headers';
      }
      if (this.#state === 'headers') {
        // A part with no headers has its blank line right away.
        const end = this.#buf[this.#pos] === 13 && this.#buf[this.#pos + 1] === 10 ? this.#pos - 2 : indexOf(this.#buf, CRLFCRLF, this.#pos, this.#len);
        if (end < 0) break;
        this.#bodyStart = end + 4;
        this.#pos = this.#bodyStart;
        this.#state = 'body';
      }
      if (this.#state === 'body') {
        const at = indexOf(this.#buf, this.#delimiter, this.#pos, this.#len);
        if (at < 0) {
          // The delimiter may straddle this chunk and the next: search again from just before the end.
          this.#pos = Math.max(this.#bodyStart, this.#len - this.#delimiter.length + 1);
          break;
        }
        parts.push(this.#buf.slice(this.#bodyStart, at));
        this.#pos = at;
        this.#state = 'delimiter';
        this.#compact(at);
      }
    }
    return parts;
  }

  /** Drops the bytes before `from`, which no part needs any more. */
  #compact(from: number): void {
    this.#buf.copyWithin(0, from, this.#len);
    this.#len -= from;
    this.#pos -= from;
    this.#bodyStart = Math.max(0, this.#bodyStart - from);
  }

  #append(chunk: Uint8Array): void {
    if (this.#len + chunk.length > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + chunk.length));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#len);
    this.#len += chunk.length;
  }
}

const CRLF = new Uint8Array([13, 10]);
const CRLFCRLF = new Uint8Array([13, 10, 13, 10]);

/** First index of `needle` in `hay[from, end)`, or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from: number, end: number): number {
  const first = needle[0]!;
  const last = end - needle.length;
  // The view stops the native scan at `end`: past it lies stale capacity, possibly megabytes of it.
  const view = hay.subarray(0, end);
  for (let i = view.indexOf(first, from); i >= 0 && i <= last; i = view.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

/** The boundary parameter of a multipart Content-Type, unquoted. */
export function boundaryOf(contentType: string | null): string | undefined {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}
