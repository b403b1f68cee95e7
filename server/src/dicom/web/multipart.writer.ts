import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * The framing of a `multipart/related` answer (RFC 2387): `--boundary`, part headers, blank line, body, and
 * the CRLF before the next delimiter, which belongs to the delimiter. The body starts with the first
 * delimiter, with no preamble, because dicomweb-client finds the boundary from the first line of the body.
 * Framing is computed ahead, so that the whole answer's length is known before any byte is sent.
 */
export class MultipartWriter {
  /** 128 random bits: the chance of meeting it inside a DICOM file is nil, so no body is scanned for it. */
  readonly boundary = randomBytes(16).toString('hex');
  #parts = 0;

  /** The response's Content-Type. */
  contentType(partType: string): string {
    return `multipart/related; type="${partType}"; boundary=${this.boundary}`;
  }

  /** The delimiter and headers that open the next part. */
  partHeader(contentType: string, extra: Record<string, string> = {}): Buffer {
    const lines = [`Content-Type: ${contentType}`, ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`)];
    const lead = this.#parts++ === 0 ? '' : '\r\n';
    return Buffer.from(`${lead}--${this.boundary}\r\n${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  }

  /** The closing delimiter. */
  trailer(): Buffer {
    return Buffer.from(`\r\n--${this.boundary}--\r\n`, 'latin1');
  }
}

/** Bytes queued on the socket before a writer waits for it to drain. */
const WRITE_BUFFER = 8 * 1024 * 1024;

/** Thrown when the client went away mid-answer: nothing to report, the caller just stops. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'ClientGoneError';
  }
}

/**
 * Writes one chunk and, when the socket's buffer is full, waits for it to drain: memory stays bounded by the
 * socket buffer whatever the answer's size. Rejects with ClientGoneError once the connection is closed.
 */
export async function writeChunk(out: Writable, chunk: Buffer, onFlushed?: () => void): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new ClientGoneError();
  // `onFlushed` runs once the socket no longer needs the chunk, so that its memory can be used again.
  if (onFlushed) out.write(chunk, () => onFlushed());
  else out.write(chunk);
  // The socket's own high-water mark (16 KiB) would stop the pipe at every file; a few MiB keep it full.
  if (out.writableLength <= WRITE_BUFFER) return;
  const ac = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: ac.signal }),
      once(out, 'close', { signal: ac.signal }).then(() => {
        throw new ClientGoneError();
      }),
    ]);
  } finally {
    ac.abort();
  }
}
