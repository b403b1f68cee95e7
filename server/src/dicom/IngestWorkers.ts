import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';

/** What an ingest thread did with one instance. */
export type WriteResult =
  /** Written under `relativePath`, flushed, with its trace `tmp` kept until `settle()`; `created` false: it was there. */
  | { kind: 'written'; sha256: string; relativePath: string; tmp: string; created: boolean }
  /** The server could not do it (disk full, thread gone): the error's code and name only, never its message. */
  | { kind: 'failed'; code: string | null; name: string };

/** Where an instance goes: its directory under the storage root, named from validated UIDs, and its file's name. */
export interface WriteTarget {
  dir: string;
  sopInstanceUid: string;
  /** Where the data set starts: the hash covers the data set only. */
  datasetOffset: number;
}

/** The messages of ingest.worker.mjs. */
export type IngestThreadRequest =
  | ({ op: 'write'; id: number; bytes: Uint8Array } & WriteTarget)
  | { op: 'settle'; tmp: string };

export interface IngestThreadReply {
  id: number;
  result: WriteResult;
  /**
   * The instance's memory, handed back once written: freed by the main thread's collector, which counts it, rather
   * than left to pile up in the thread's.
   */
  bytes: Uint8Array;
}

export interface IngestWorkersOptions {
  /** The root of the DICOM storage the threads write to (`DicomStorage.root`). */
  root: string;
  /** Threads hashing and writing instances. Default 2. */
  threads?: number;
  log: Logger;
  /** The threads' script. Default ingest.worker.mjs beside this file; tests give one that fails. */
  entry?: URL;
}

interface Thread {
  worker: Worker;
  waiting: Map<number, (result: WriteResult) => void>;
}

/**
 * The threads that do the heavy part of storing an instance: hashing it, and writing and flushing its file (by direct
 * I/O, past the page cache, where the file system allows it), with one thread hop where the asynchronous file API
 * takes one per system call. The main thread keeps the network, the parsing and the database, so that a study
 * arriving by STOW-RS or C-STORE keeps both cores busy. Threads start on first use or at `warmUp()` (a test server
 * that stores nothing starts none); a thread that dies fails its instances as "out of resources" and is replaced on
 * the next one. `close()` is idempotent.
 */
export class IngestWorkers {
  readonly #root: string;
  readonly #entry: URL;
  readonly #size: number;
  readonly #log: Logger;
  readonly #threads: Thread[] = [];
  #nextId = 1;
  #closed = false;

  private constructor(options: IngestWorkersOptions) {
    this.#root = options.root;
    this.#entry = options.entry ?? new URL('./ingest.worker.mjs', import.meta.url);
    this.#size = Math.max(1, options.threads ?? 2);
    this.#log = options.log;
  }

  static async create(options: IngestWorkersOptions): Promise<IngestWorkers> {
    return new IngestWorkers(options);
  }

  /**
   * Has one thread hash `bytes` and write them to `target`. With `handOver`, the caller gives `bytes` up: when they
   * own all of their memory, that memory moves to the thread without a copy, and `bytes` is left empty.
   */
  write(bytes: Buffer, target: WriteTarget, handOver: boolean): Promise<WriteResult> {
    if (this.#closed) return Promise.resolve({ kind: 'failed', code: 'CLOSED', name: 'Error' });
    const thread = this.#pick();
    const id = this.#nextId++;
    const movable =
      handOver && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const payload = movable ? bytes : new Uint8Array(bytes);
    const request: IngestThreadRequest = { op: 'write', id, bytes: payload, ...target };
    return new Promise((resolve) => {
      // A thread with work keeps the process alive; an idle one does not.
      if (thread.waiting.size === 0) thread.worker.ref();
      thread.waiting.set(id, resolve);
      thread.worker.postMessage(request, [payload.buffer as ArrayBuffer]);
    });
  }

  /** Removes the trace of a write whose instance is committed; nothing waits for it. */
  settle(tmp: string): void {
    if (this.#closed) return;
    const request: IngestThreadRequest = { op: 'settle', tmp };
    this.#pick().worker.postMessage(request);
  }

  /** Starts every thread now, instead of on first use. */
  warmUp(): void {
    while (!this.#closed && this.#threads.length < this.#size) this.#start();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const threads = this.#threads.splice(0);
    await Promise.all(threads.map((t) => t.worker.terminate()));
    for (const t of threads) this.#fail(t, 'CLOSED');
  }

  /** The least busy thread, starting one while there are fewer than allowed and all are busy. */
  #pick(): Thread {
    let best: Thread | undefined;
    for (const t of this.#threads) if (!best || t.waiting.size < best.waiting.size) best = t;
    if (best && (best.waiting.size === 0 || this.#threads.length >= this.#size)) return best;
    return this.#start();
  }

  #start(): Thread {
    const worker = new Worker(this.#entry, {
      workerData: { root: this.#root },
      // Plain JavaScript: the parent's flags (its TypeScript loader, a profiler) stay out.
      execArgv: [],
      // Each instance leaves only small garbage here (its memory goes back): a small young generation keeps the
      // thread's footprint down.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    worker.unref();
    const thread: Thread = { worker, waiting: new Map() };
    worker.on('message', (reply: IngestThreadReply) => {
      const resolve = thread.waiting.get(reply.id);
      thread.waiting.delete(reply.id);
      if (thread.waiting.size === 0) worker.unref();
      resolve?.(reply.result);
    });
    const gone = (code: string) => {
      const i = this.#threads.indexOf(thread);
      if (i < 0) return;
      this.#threads.splice(i, 1);
      this.#fail(thread, code);
    };
    worker.on('error', (err) => {
      this.#log.error({ kind: err.name }, 'ingest thread failed');
      gone('THREAD_FAILED');
    });
    worker.on('exit', () => gone('THREAD_EXITED'));
    this.#threads.push(thread);
    return thread;
  }

  #fail(thread: Thread, code: string): void {
    for (const resolve of thread.waiting.values()) resolve({ kind: 'failed', code, name: 'Error' });
    thread.waiting.clear();
  }
}
