import type { Logger } from '../logger';

export interface DeadlineTimerOptions {
  /** What the timer is for, in its log lines ("worklist", "consults"). Required. */
  name: string;
  /** One pass of the checks at `now`: escalations, breached deadlines, catch-up of lost events. Required. */
  check: (now: Date) => Promise<void>;
  /** Time between two passes, in ms; 0 runs no pass by itself (tests call tick()). Required. */
  intervalMs: number;
  /** The time of a pass. Default the system clock; tests pass their own to escalate without waiting minutes. */
  clock?: () => Date;
  /** Where a failed pass is reported. Default: nowhere. */
  log?: Logger;
}

/**
 * Runs deadline checks every few seconds, for a capability whose deadlines live in the database (the worklist's
 * unclaimed requests, the consults nobody accepted), so that they hold across restarts. Passes never overlap.
 * `close()` is idempotent and waits for the pass in progress.
 */
export class DeadlineTimer {
  readonly #options: DeadlineTimerOptions;
  readonly #clock: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  private constructor(options: DeadlineTimerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
  }

  static async create(options: DeadlineTimerOptions): Promise<DeadlineTimer> {
    const timer = new DeadlineTimer(options);
    if (options.intervalMs > 0) timer.#schedule();
    return timer;
  }

  /** Runs one pass now (or joins the one in progress). A failed pass is logged; the next one tries again. */
  tick(): Promise<void> {
    this.#running ??= (async () => {
      try {
        await this.#options.check(this.#clock());
      } catch (err) {
        this.#options.log?.error({ err, timer: this.#options.name }, 'deadline check failed');
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      void this.tick().then(() => this.#schedule());
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
