/** Counts events per key in fixed windows; memory is bounded by the keys seen in one window. */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  #windowStart = 0;
  #counts = new Map<string, number>();

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Counts one event; returns the seconds to wait when the key is over its limit, else 0. */
  hit(key: string, nowMs = Date.now()): number {
    if (nowMs - this.#windowStart >= this.#windowMs) {
      this.#windowStart = nowMs;
      this.#counts.clear();
    }
    const n = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, n);
    return n > this.#limit ? Math.ceil((this.#windowStart + this.#windowMs - nowMs) / 1000) : 0;
  }
}
