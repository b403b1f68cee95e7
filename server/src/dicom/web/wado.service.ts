import fs from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Response } from 'express';
import { AppError } from '@telestroke/shared';
import type { Queryable } from '../../db/Db';
import type { Logger } from '../../logger';
import type { DicomStorage } from '../DicomStorage';
import {
  listInstanceMetadata,
  listStoredInstances,
  type MetadataRow,
  type StoredInstanceRow,
  type WadoScope,
} from './dicomweb.repository';
import { NATIVE_TRANSFER_SYNTAXES } from './media-types';
import { ClientGoneError, MultipartWriter, writeChunk } from './multipart.writer';

export interface WadoServiceOptions {
  db: Queryable;
  storage: DicomStorage;
  /** Files up to this size are read whole, ahead of the socket; larger ones are streamed in chunks. Default 16 MiB. */
  wholeFileLimit?: number;
  /** Bytes read ahead of the socket while it sends the previous files. Default 16 MiB. */
  readAheadBytes?: number;
}

const CHUNK = 1024 * 1024;

export interface SendOptions {
  /** multipart/related, or one bare body. */
  multipart: boolean;
  log: Logger;
  /** Content-Type of a bare body. Default application/dicom. */
  bareContentType?: string;
  /**
   * Work that must succeed before the status goes out (the audit entry), run while the first file is read.
   * Default none.
   */
  ready?: Promise<unknown>;
}

/**
 * A stored file that is missing, unreadable or of another size than its row: the answer cannot go on. The
 * message carries the system error code, never the path, whose UIDs stay out of the logs.
 */
class StoredFileError extends Error {
  constructor(reason: string) {
    super(`stored file unreadable: ${reason}`);
    this.name = 'StoredFileError';
  }
}

/** Opens a stored file, turning the system error into a StoredFileError without the path. */
async function openStored(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    throw new StoredFileError((err as NodeJS.ErrnoException).code ?? 'open failed');
  }
}

/**
 * WADO-RS and WADO-URI answers from the stored files: looked up in one query restricted to the caller's sites,
 * streamed with back-pressure so that memory stays bounded by the read-ahead whatever the study's size.
 */
export class WadoService {
  readonly #db: Queryable;
  readonly #storage: DicomStorage;
  readonly #wholeFileLimit: number;
  readonly #readAhead: number;

  constructor(options: WadoServiceOptions) {
    this.#db = options.db;
    this.#storage = options.storage;
    this.#wholeFileLimit = options.wholeFileLimit ?? 16 * 1024 * 1024;
    this.#readAhead = options.readAheadBytes ?? 16 * 1024 * 1024;
  }

  absolutePath(row: StoredInstanceRow): string {
    return this.#storage.absolute(row.file_path);
  }

  /** The instances of a visible scope; NOT_FOUND when it is missing or outside the caller's sites alike. */
  async instances(scope: WadoScope, siteIds: readonly string[]): Promise<StoredInstanceRow[]> {
    const rows = await listStoredInstances(this.#db, scope, siteIds);
    if (rows.length === 0) {
      const what = scope.sopInstanceUid ? 'Instance' : scope.seriesUid ? 'Series' : 'Study';
      throw new AppError('NOT_FOUND', `${what} not found`);
    }
    return rows;
  }

  /** The metadata rows of a visible scope, NOT_FOUND as `instances()`. */
  async metadata(scope: WadoScope, siteIds: readonly string[]): Promise<MetadataRow[]> {
    const rows = await listInstanceMetadata(this.#db, scope, siteIds);
    if (rows.length === 0) {
      const what = scope.sopInstanceUid ? 'Instance' : scope.seriesUid ? 'Series' : 'Study';
      throw new AppError('NOT_FOUND', `${what} not found`);
    }
    return rows;
  }

  /**
   * Streams the files as `multipart/related; type="application/dicom"`, or one file as a bare body. The length
   * is known from the rows, so the answer has a Content-Length; the first file is read before the status goes
   * out, so that a missing file still answers a clean error.
   */
  async sendInstances(res: Response, rows: readonly StoredInstanceRow[], options: SendOptions): Promise<void> {
    const { multipart, log, bareContentType = 'application/dicom' } = options;
    // Awaited only once the first file is read; a handler now keeps an early rejection from going unhandled.
    options.ready?.catch(() => undefined);
    const writer = new MultipartWriter();
    const headers = rows.map((r) => (multipart ? writer.partHeader(`application/dicom; transfer-syntax=${r.transfer_syntax_uid}`) : Buffer.alloc(0)));
    const trailer = multipart ? writer.trailer() : Buffer.alloc(0);
    const total = rows.reduce((sum, r, i) => sum + r.size_bytes + headers[i]!.length, trailer.length);
    const files = rows.map((r) => ({ path: this.absolutePath(r), size: r.size_bytes }));
    const setHeaders = () => {
      res.status(200);
      res.set('Content-Type', multipart ? writer.contentType('application/dicom') : bareContentType);
      res.set('Content-Length', String(total));
    };
    if (res.req.method === 'HEAD') {
      // Express answers HEAD with the GET route: the headers say it all, no file needs reading.
      await options.ready;
      setHeaders();
      res.end();
      return;
    }
    const reader = new ReadAhead(files, this.#wholeFileLimit, this.#readAhead);
    try {
      const first = await reader.next(0);
      await options.ready;
      setHeaders();
      for (let i = 0; i < rows.length; i++) {
        if (headers[i]!.length) await writeChunk(res, headers[i]!);
        const body = i === 0 ? first : await reader.next(i);
        if (body) await writeChunk(res, body, () => reader.release(body));
        else for await (const chunk of reader.chunks(i)) await writeChunk(res, chunk);
      }
      if (trailer.length) await writeChunk(res, trailer);
      res.end();
    } catch (err) {
      reader.abandon();
      if (err instanceof ClientGoneError) return;
      if (!res.headersSent) throw err;
      // Mid-answer, the only honest signal left is a cut connection: the Content-Length will not be met.
      log.error({ reason: err instanceof StoredFileError ? err.message : 'write failed' }, 'stored file unreadable during a retrieve');
      res.destroy();
    }
  }

  /**
   * Writes the metadata rows as one DICOM JSON array, each instance's stored JSON passed through as text with a
   * BulkDataURI added for its pixel data (PS3.18 8.7.4.1).
   */
  async sendMetadata(res: Response, studyUid: string, rows: readonly MetadataRow[], base: string): Promise<void> {
    res.status(200).set('Content-Type', 'application/dicom+json');
    let batch = '[';
    try {
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        batch += (i ? ',' : '') + withBulkData(r, `${base}/studies/${studyUid}/series/${r.series_uid}/instances/${r.sop_instance_uid}`);
        if (batch.length >= 256 * 1024) {
          await writeChunk(res, Buffer.from(batch));
          batch = '';
        }
      }
      await writeChunk(res, Buffer.from(`${batch}]`));
      res.end();
    } catch (err) {
      if (!(err instanceof ClientGoneError)) throw err;
    }
  }
}

/** The stored JSON of one instance with `"7FE00010": {"vr", "BulkDataURI"}` appended, without parsing it. */
export function withBulkData(row: MetadataRow, instanceUrl: string): string {
  if (row.rows === null) return row.metadata;
  const frames = Math.max(1, row.number_of_frames ?? 1);
  const native = NATIVE_TRANSFER_SYNTAXES.has(row.transfer_syntax_uid);
  const vr = native && Number(row.bits_allocated) > 8 ? 'OW' : 'OB';
  const list = Array.from({ length: frames }, (_, k) => k + 1).join(',');
  const element = `"7FE00010": {"vr": "${vr}", "BulkDataURI": ${JSON.stringify(`${instanceUrl}/frames/${list}`)}}`;
  const body = row.metadata.trim();
  const close = body.lastIndexOf('}');
  const inner = body.slice(0, close).trimEnd();
  return `${inner}${inner.endsWith('{') ? '' : ', '}${element}}`;
}

/**
 * Reads the files in order, keeping up to `aheadBytes` of the next small files in flight while the current one
 * is being sent. Files above `wholeFileLimit` are not read ahead but streamed in chunks at their turn.
 */
class ReadAhead {
  readonly #files: ReadonlyArray<{ path: string; size: number }>;
  readonly #wholeLimit: number;
  readonly #aheadBytes: number;
  readonly #reads = new Map<number, Promise<Buffer>>();
  readonly #pool: BufferPool;
  #scheduled = 0;
  #bytesAhead = 0;

  constructor(files: ReadonlyArray<{ path: string; size: number }>, wholeLimit: number, aheadBytes: number) {
    this.#files = files;
    this.#wholeLimit = wholeLimit;
    this.#aheadBytes = aheadBytes;
    // Enough for what is read ahead plus what the socket still holds.
    this.#pool = new BufferPool(aheadBytes + 16 * 1024 * 1024);
  }

  /** Gives back a buffer from next() once the socket has sent it. */
  release(buf: Buffer): void {
    this.#pool.release(buf);
  }

  #schedule(current: number): void {
    while (this.#scheduled < this.#files.length) {
      const i = this.#scheduled;
      const f = this.#files[i]!;
      if (f.size > this.#wholeLimit) {
        // A large file is streamed at its turn; reading ahead resumes past it once it is reached.
        if (i !== current) return;
        this.#scheduled++;
        continue;
      }
      if (this.#reads.size > 0 && this.#bytesAhead + f.size > this.#aheadBytes) return;
      const read = readWhole(f.path, f.size, this.#pool);
      // Reads abandoned by a closed connection must not surface as unhandled rejections.
      read.catch(() => undefined);
      this.#reads.set(i, read);
      this.#bytesAhead += f.size;
      this.#scheduled++;
    }
  }

  /** File `i` whole, or null when it is to be streamed with `chunks(i)`. */
  async next(i: number): Promise<Buffer | null> {
    this.#schedule(i);
    const read = this.#reads.get(i);
    if (!read) return null;
    try {
      return await read;
    } finally {
      this.#reads.delete(i);
      this.#bytesAhead -= this.#files[i]!.size;
      this.#schedule(i + 1);
    }
  }

  async *chunks(i: number): AsyncGenerator<Buffer> {
    const f = this.#files[i]!;
    const fh = await openStored(f.path);
    try {
      let position = 0;
      while (position < f.size) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, f.size - position));
        const { bytesRead } = await fh.read(buf, 0, buf.length, position);
        if (bytesRead === 0) throw new StoredFileError(`shorter than the ${f.size} bytes recorded`);
        position += bytesRead;
        yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      }
      const { bytesRead } = await fh.read(Buffer.alloc(1), 0, 1, f.size);
      if (bytesRead !== 0) throw new StoredFileError(`longer than the ${f.size} bytes recorded`);
    } finally {
      await fh.close();
    }
  }

  abandon(): void {
    this.#reads.clear();
    this.#scheduled = this.#files.length;
  }
}

/** Rounds buffer sizes up so that files of nearly the same size share pooled buffers. */
const POOL_GRAIN = 64 * 1024;

/**
 * Buffers of one answer, used again once the socket has sent them: a study is hundreds of files of the same size,
 * and a fresh buffer for each made garbage collection the largest cost of a retrieve.
 */
class BufferPool {
  readonly #free: Buffer[] = [];
  readonly #maxPooled: number;
  #pooled = 0;

  constructor(maxPooledBytes: number) {
    this.#maxPooled = maxPooledBytes;
  }

  get(size: number): Buffer {
    const i = this.#free.findIndex((b) => b.length >= size);
    if (i >= 0) {
      const [buf] = this.#free.splice(i, 1);
      this.#pooled -= buf!.length;
      return buf!;
    }
    return Buffer.allocUnsafeSlow(Math.ceil(size / POOL_GRAIN) * POOL_GRAIN);
  }

  /** Takes back a buffer from get(), or a view of one. */
  release(view: Buffer): void {
    const whole = Buffer.from(view.buffer, 0, view.buffer.byteLength);
    if (this.#pooled + whole.length > this.#maxPooled) return;
    this.#pooled += whole.length;
    this.#free.push(whole);
  }
}

const openFd = (path: string) =>
  new Promise<number>((resolve, reject) =>
    fs.open(path, 'r', (err, fd) => (err ? reject(new StoredFileError(err.code ?? 'open failed')) : resolve(fd))),
  );
const readFd = (fd: number, buf: Buffer, offset: number, position: number) =>
  new Promise<number>((resolve, reject) =>
    fs.read(fd, buf, offset, buf.length - offset, position, (err, n) => (err ? reject(new StoredFileError(err.code ?? 'read failed')) : resolve(n))),
  );
const closeFd = (fd: number) => new Promise<void>((resolve) => fs.close(fd, () => resolve()));

/**
 * Reads a file of known size into a pooled buffer, with plain descriptors (a FileHandle costs more than the read
 * of a small file). One byte more than recorded is asked for, so that a longer file is noticed too.
 */
async function readWhole(path: string, size: number, pool: BufferPool): Promise<Buffer> {
  const fd = await openFd(path);
  const buf = pool.get(size + 1);
  try {
    let done = 0;
    for (;;) {
      const n = await readFd(fd, buf.subarray(0, size + 1), done, done);
      if (n === 0) break;
      done += n;
      if (done > size) break;
    }
    if (done !== size) throw new StoredFileError(`${done > size ? 'longer' : 'shorter'} than the ${size} bytes recorded`);
    return buf.subarray(0, size);
  } catch (err) {
    pool.release(buf);
    throw err;
  } finally {
    await closeFd(fd);
  }
}
