import type { types as mediasoup } from 'mediasoup';
import type { Logger } from 'pino';

export interface WorkerPoolOptions {
  /**
   * Absolute path of the mediasoup-worker binary. Required, no default. mediasoup 3.8.4 takes it only from
   * MEDIASOUP_WORKER_BIN, read once when mediasoup is first loaded, so every pool of a process must agree.
   */
  workerBin: string;
  /** Number of worker processes. Default: the number of CPU cores. */
  numWorkers?: number;
  /** Lowest media port. Each worker gets its own slice of [rtcMinPort, rtcMaxPort]. Default 40000. */
  rtcMinPort?: number;
  /** Highest media port; the range must hold at least one port per worker. Default 49999. */
  rtcMaxPort?: number;
  /** Level of the worker processes' own logs. Default 'warn'. */
  logLevel?: mediasoup.WorkerLogLevel;
  /** Where the pool logs worker deaths and replacements. Default: a silent logger. */
  logger?: Logger;
  /** Delay before retrying a replacement worker that failed to start. Default 1000 ms. */
  respawnDelayMs?: number;
}

export interface WorkerReplacedEvent {
  /** Position of the worker in the pool; the replacement takes the same slot and port range. */
  index: number;
  /** Process id of the worker that died. */
  oldPid: number;
  /** The live replacement. Routers of the dead worker are gone and must be recreated on it. */
  worker: mediasoup.Worker;
}

export interface WorkerPoolEvents {
  /** A worker process died and a fresh one took its place. */
  workerReplaced: [event: WorkerReplacedEvent];
  /** The pool was closed; emitted once. */
  closed: [];
}
