import type { StudyEvent } from '@telestroke/shared';
import type { ServerConfig } from '../config';
import type { Db } from '../db/Db';
import type { EventBus } from '../events/EventBus';
import type { Logger } from '../logger';
import type { Notifier } from '../realtime/Notifier';
import { HubStaffOnCall, type OnCallDirectory } from './oncall';
import { WorklistService } from './worklist.service';
import { DeadlineTimer } from '../system/DeadlineTimer';

export interface WorklistOptions {
  config: Pick<ServerConfig, 'WORKLIST_SLA_MINUTES' | 'WORKLIST_ESCALATE_MINUTES' | 'WORKLIST_CHECK_SECONDS' | 'STUDY_QUIET_SECONDS'>;
  db: Db;
  log: Logger;
  /** The imaging arrival events. */
  bus: EventBus;
  notifier: Notifier;
  /** Whom to alert. Default: every reader of the hub (until the rota is wired in). */
  onCall?: OnCallDirectory;
}

/**
 * The worklist capability as long as the server lives: the service the routes call, fed by the imaging arrival
 * events, and the deadline timer. `close()` is idempotent and waits for the event handling in progress.
 */
export class Worklist {
  readonly service: WorklistService;
  readonly timer: DeadlineTimer;
  readonly #unsubscribe: () => void;
  readonly #log: Logger;
  /** Each study's events are handled in order, one after the other; different studies in parallel. */
  readonly #queues = new Map<string, Promise<void>>();
  #closing: Promise<void> | undefined;

  private constructor(service: WorklistService, timer: DeadlineTimer, bus: EventBus, log: Logger) {
    this.service = service;
    this.timer = timer;
    this.#log = log;
    this.#unsubscribe = bus.subscribe(['study.arriving', 'study.updated', 'study.complete'], (e) => this.#enqueue(e));
  }

  static async create(options: WorklistOptions): Promise<Worklist> {
    const { config, db, notifier } = options;
    const log = options.log.child({ component: 'worklist' });
    const service = new WorklistService({
      db,
      notifier,
      onCall: options.onCall ?? new HubStaffOnCall(db),
      slaMinutes: config.WORKLIST_SLA_MINUTES,
    });
    // Twice the quiet period: the arrival tracker completes a live study first.
    const quietMs = config.STUDY_QUIET_SECONDS * 2000;
    const timer = await DeadlineTimer.create({
      name: 'worklist',
      check: (now) => service.checkDeadlines(now, config.WORKLIST_ESCALATE_MINUTES, quietMs),
      intervalMs: config.WORKLIST_CHECK_SECONDS * 1000,
      log,
    });
    return new Worklist(service, timer, options.bus, log);
  }

  #enqueue(e: StudyEvent): void {
    const previous = this.#queues.get(e.studyId) ?? Promise.resolve();
    const next = previous
      .then(() => this.service.onStudyEvent(e))
      .catch((err) => this.#log.error({ err, studyId: e.studyId, event: e.type }, 'worklist could not follow a study event'))
      .finally(() => {
        if (this.#queues.get(e.studyId) === next) this.#queues.delete(e.studyId);
      });
    this.#queues.set(e.studyId, next);
  }

  async close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#unsubscribe();
      await this.timer.close();
      await Promise.all(this.#queues.values());
    })();
    return this.#closing;
  }
}
