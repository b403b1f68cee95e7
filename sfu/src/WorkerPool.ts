import { EventEmitter } from 'node:events';
import { access, constants } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '@telestroke/shared';
import type { types as mediasoup } from 'mediasoup';
import { pino, type Logger } from 'pino';
import type { WorkerPoolEvents, WorkerPoolOptions } from './WorkerPoolTypes';

export type { WorkerPoolEvents, WorkerPoolOptions, WorkerReplacedEvent } from './WorkerPoolTypes';

type Mediasoup = typeof import('mediasoup');

interface Slot {
  readonly index: number;
  readonly rtcMinPort: number;
  readonly rtcMaxPort: number;
  /** Null while the slot's worker is dead and its replacement is starting. */
  worker: mediasoup.Worker | null;
}

/**
 * A fixed number of mediasoup worker processes. A worker that dies is replaced in the same slot, with the same
 * port range, and `'workerReplaced'` is emitted so that the rooms it hosted can be recreated.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #mediasoup: Mediasoup;
  readonly #slots: Slot[];
  readonly #logLevel: mediasoup.WorkerLogLevel;
  readonly #logger: Logger;
  readonly #respawnDelayMs: number;
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #next = 0;
  #closed = false;

  /** Starts every worker; rejects, leaving no process behind, if any of them fails to start. */
  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const numWorkers = options.numWorkers ?? os.availableParallelism();
    const rtcMinPort = options.rtcMinPort ?? 40000;
    const rtcMaxPort = options.rtcMaxPort ?? 49999;
    if (!Number.isInteger(numWorkers) || numWorkers < 1) {
      throw new RangeError(`numWorkers must be a positive integer, got ${numWorkers}`);
    }
    if (rtcMaxPort - rtcMinPort + 1 < numWorkers) {
      throw new RangeError(`ports ${rtcMinPort}-${rtcMaxPort} cannot give each of ${numWorkers} workers a port`);
    }
    const pool = new WorkerPool(await loadMediasoup(options.workerBin), {
      slots: splitPorts(rtcMinPort, rtcMaxPort, numWorkers),
      logLevel: options.logLevel ?? 'warn',
      logger: options.logger ?? pino({ level: 'silent' }),
      respawnDelayMs: options.respawnDelayMs ?? 1000,
    });
    const started = await Promise.allSettled(pool.#slots.map((slot) => pool.#start(slot)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      pool.close();
      throw failed.reason;
    }
    pool.#logger.info({ pids: pool.workers.map((w) => w.pid) }, 'mediasoup workers started');
    return pool;
  }

  private constructor(
    ms: Mediasoup,
    init: { slots: Slot[]; logLevel: mediasoup.WorkerLogLevel; logger: Logger; respawnDelayMs: number },
  ) {
    super();
    this.#mediasoup = ms;
    this.#slots = init.slots;
    this.#logLevel = init.logLevel;
    this.#logger = init.logger;
    this.#respawnDelayMs = init.respawnDelayMs;
  }

  /** Number of slots, live or being replaced. */
  get size(): number {
    return this.#slots.length;
  }

  /** The live workers, in slot order. */
  get workers(): mediasoup.Worker[] {
    return this.#slots.flatMap((s) => (s.worker && !s.worker.closed ? [s.worker] : []));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The next live worker, round-robin. Rooms are few and long-lived, so spreading them evenly is enough
   * until consults report their load (#4).
   */
  pick(): mediasoup.Worker {
    if (this.#closed) throw new AppError('UNAVAILABLE', 'the media worker pool is closed');
    for (let i = 0; i < this.#slots.length; i++) {
      const index = (this.#next + i) % this.#slots.length;
      const worker = this.#slots[index]?.worker;
      // mediasoup marks a worker closed as its process exits, just before it emits 'died'.
      if (worker && !worker.closed) {
        this.#next = (index + 1) % this.#slots.length;
        return worker;
      }
    }
    throw new AppError('UNAVAILABLE', 'no media worker is running; replacements are starting');
  }

  /** Stops every worker process. Idempotent; emits `'closed'` once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    for (const slot of this.#slots) {
      slot.worker?.close();
      slot.worker = null;
    }
    this.#logger.info('mediasoup workers closed');
    this.emit('closed');
  }

  /** Starts the slot's worker. Resolves null if the pool was closed meanwhile, which closes the new worker. */
  async #start(slot: Slot): Promise<mediasoup.Worker | null> {
    const worker = await this.#mediasoup.createWorker({
      logLevel: this.#logLevel,
      rtcMinPort: slot.rtcMinPort,
      rtcMaxPort: slot.rtcMaxPort,
    });
    if (this.#closed) {
      worker.close();
      return null;
    }
    slot.worker = worker;
    worker.once('died', (error: Error) => this.#onDied(slot, worker, error));
    return worker;
  }

  #onDied(slot: Slot, worker: mediasoup.Worker, error: Error): void {
    if (this.#closed || slot.worker !== worker) return;
    slot.worker = null;
    this.#logger.error({ pid: worker.pid, index: slot.index, err: error.message }, 'mediasoup worker died');
    void this.#replace(slot, worker.pid);
  }

  async #replace(slot: Slot, oldPid: number): Promise<void> {
    let worker: mediasoup.Worker | null;
    try {
      worker = await this.#start(slot);
    } catch (err) {
      if (this.#closed) return;
      this.#logger.error(
        { index: slot.index, err: (err as Error).message, retryInMs: this.#respawnDelayMs },
        'mediasoup worker replacement failed to start',
      );
      const timer = setTimeout(() => {
        this.#retryTimers.delete(timer);
        void this.#replace(slot, oldPid);
      }, this.#respawnDelayMs);
      this.#retryTimers.add(timer);
      return;
    }
    if (!worker) return;
    this.#logger.warn({ oldPid, pid: worker.pid, index: slot.index }, 'mediasoup worker replaced');
    this.emit('workerReplaced', { index: slot.index, oldPid, worker });
  }
}

/** Splits [min, max] into `count` contiguous slices; the last one takes the remainder. */
function splitPorts(min: number, max: number, count: number): Slot[] {
  const width = Math.floor((max - min + 1) / count);
  return Array.from({ length: count }, (_, index) => ({
    index,
    rtcMinPort: min + index * width,
    rtcMaxPort: index === count - 1 ? max : min + (index + 1) * width - 1,
    worker: null,
  }));
}

/**
 * Loads mediasoup bound to `workerBin`. mediasoup 3.8.4 reads MEDIASOUP_WORKER_BIN once, when its Worker module
 * is first loaded, and has no per-worker option; so the variable is set before the first import, and a pool
 * asking for a different binary than the one already bound is refused rather than silently given the other.
 */
async function loadMediasoup(workerBin: string): Promise<Mediasoup> {
  if (!path.isAbsolute(workerBin)) throw new Error(`workerBin must be an absolute path, got ${workerBin}`);
  try {
    await access(workerBin, constants.X_OK);
  } catch {
    throw new Error(
      `mediasoup worker binary ${workerBin} is missing or not executable; ` +
        'build it with `node scripts/mediasoup-worker.mjs build`',
    );
  }
  const bound = process.env.MEDIASOUP_WORKER_BIN;
  if (bound !== undefined && bound !== workerBin) {
    throw new Error(`mediasoup is bound to MEDIASOUP_WORKER_BIN=${bound}; cannot use ${workerBin} as well`);
  }
  process.env.MEDIASOUP_WORKER_BIN = workerBin;
  return import('mediasoup');
}
