import type { Logger } from '../logger';
import type { WorklistService } from './worklist.service';

export interface WorklistTimerOptions {
  service: WorklistService;
  /** Minutes a request may stay unclaimed before it goes to the backup on-call (WORKLIST_ESCALATE_MINUTES). */
  escalateMinutes: number;
  /** A study with no new image for this long is complete (STUDY_QUIET_SECONDS), in ms. */
  quietMs: number;
  /** Time between two passes, in ms; 0 runs no pass by itself (tests call tick()). */
  intervalMs: number;
  /** The time of a pass. Default the system clock; tests pass their own to escalate without waiting minutes. */
  clock?: () => Date;
  log?: Logger;
}

/**
 * Runs the worklist's deadline checks every few seconds: escalation of unclaimed requests, SLA breaches, and the
 * catch-up of arrival events lost to a restart. Passes never overlap. `close()` is idempotent and waits for the pass
 * in progress.
 */
export class WorklistTimer {
  readonly #options: WorklistTimerOptions;
  readonly #clock: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  private constructor(options: WorklistTimerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
  }

  static async create(options: WorklistTimerOptions): Promise<WorklistTimer> {
    const timer = new WorklistTimer(options);
    if (options.intervalMs > 0) timer.#schedule();
    return timer;
  }

  /** Runs one pass now (or joins the one in progress). A failed pass is logged; the next one tries again. */
  tick(): Promise<void> {
    this.#running ??= (async () => {
      try {
        const { service, escalateMinutes, quietMs } = this.#options;
        await service.checkDeadlines(this.#clock(), escalateMinutes, quietMs);
      } catch (err) {
        this.#options.log?.error({ err }, 'worklist deadline check failed');
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
