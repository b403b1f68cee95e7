/** Sizes are rounded up to this, so that instances of one series, of nearly the same size, share buffers. */
const GRAIN = 64 * 1024;

export interface BufferPoolOptions {
  /** Bytes of free buffers kept for use again; more are left to the garbage collector. Default 16 MiB. */
  maxFreeBytes?: number;
  /** Below this size, buffers come from Node's own small-buffer pool and are not kept. Default 64 KiB. */
  minBytes?: number;
}

/**
 * Memory for instances on their way to disk, used again rather than freed. A study arrives as hundreds of files of
 * the same size: allocating each one anew costs page faults and leaves garbage in every thread it crosses, which
 * the collector frees late, so a large upload would grow the process by hundreds of MB. A buffer from `take()`
 * goes to an ingest thread and comes back through `give()`.
 */
export class BufferPool {
  readonly #maxFreeBytes: number;
  readonly #minBytes: number;
  readonly #owned = new WeakSet<ArrayBuffer>();
  #free: ArrayBuffer[] = [];
  #freeBytes = 0;

  constructor(options: BufferPoolOptions = {}) {
    this.#maxFreeBytes = options.maxFreeBytes ?? 16 * 1024 * 1024;
    this.#minBytes = options.minBytes ?? GRAIN;
  }

  /** A buffer of `size` bytes, with content to be overwritten, at the start of memory the pool owns. */
  take(size: number): Buffer {
    if (size < this.#minBytes) return Buffer.allocUnsafe(size);
    // A free buffer at most a quarter larger than needed: a small part must not hold a large buffer.
    const i = this.#free.findIndex((ab) => ab.byteLength >= size && ab.byteLength <= size + (size >> 2) + GRAIN);
    let memory: ArrayBuffer;
    if (i >= 0) {
      memory = this.#free[i]!;
      this.#free.splice(i, 1);
      this.#freeBytes -= memory.byteLength;
    } else {
      memory = new ArrayBuffer(Math.ceil(size / GRAIN) * GRAIN);
      this.#owned.add(memory);
    }
    return Buffer.from(memory, 0, size);
  }

  /** Whether `memory` came from `take()`: all of it can move with the buffer taken from it. */
  owns(memory: ArrayBufferLike): boolean {
    return memory instanceof ArrayBuffer && this.#owned.has(memory);
  }

  /** Takes back memory from `take()` that nothing uses any more; anything else is ignored. */
  give(memory: ArrayBuffer): void {
    if (!this.#owned.has(memory) || memory.byteLength === 0) return;
    if (this.#freeBytes + memory.byteLength > this.#maxFreeBytes) return;
    this.#free.push(memory);
    this.#freeBytes += memory.byteLength;
  }
}
