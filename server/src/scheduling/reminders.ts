import { BOOKING_REMINDER_MINUTES, type ServerEvent } from '@telestroke/shared';
import { recordAudit } from '../audit/audit.service';
import type { Db } from '../db/Db';
import type { Logger } from '../logger';
import type { Notifier } from '../realtime/Notifier';
import { participantAudience } from './scheduling.policy';
import { claimDueReminders } from './scheduling.repository';

export interface BookingRemindersOptions {
  db: Db;
  notifier: Notifier;
  /** The current time; injectable for tests. Default: the system clock. */
  now?: () => Date;
  /** How often due reminders are looked for. Default 30 s: a reminder is at most that late. */
  intervalMs?: number;
  leadMinutes?: number;
  log?: Logger;
}

/**
 * Pushes `booking.reminder` to a booking's participants BOOKING_REMINDER_MINUTES before it starts. Each booking is
 * claimed in the database before it is announced, so it is reminded once, even with several server nodes; a
 * participant offline then sees the booking in their calendar, the reminder is a nudge.
 */
export class BookingReminders {
  readonly #db: Db;
  readonly #notifier: Notifier;
  readonly #now: () => Date;
  readonly #intervalMs: number;
  readonly #leadMinutes: number;
  readonly #log: Logger | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(options: BookingRemindersOptions) {
    this.#db = options.db;
    this.#notifier = options.notifier;
    this.#now = options.now ?? (() => new Date());
    this.#intervalMs = options.intervalMs ?? 30_000;
    this.#leadMinutes = options.leadMinutes ?? BOOKING_REMINDER_MINUTES;
    this.#log = options.log?.child({ component: 'reminders' });
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.runOnce().catch(() => undefined), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** Sends the reminders due now; returns how many bookings were reminded. */
  runOnce(): Promise<number> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #run(): Promise<number> {
    let due;
    try {
      due = await claimDueReminders(this.#db, this.#now(), this.#leadMinutes);
    } catch (err) {
      this.#log?.error({ err }, 'could not look for due booking reminders');
      throw err;
    }
    for (const b of due) {
      const event: ServerEvent = {
        type: 'booking.reminder',
        reminder: {
          bookingId: b.id,
          startsAt: b.starts_at.toISOString(),
          siteName: b.site_name,
          specialistName: b.specialist_name,
        },
      };
      const recipients = this.#notifier.publish(event, participantAudience(b));
      try {
        await recordAudit(this.#db, {
          actorType: 'system',
          actorId: 'reminders',
          action: 'booking.remind',
          resourceType: 'booking',
          resourceId: b.id,
          siteId: b.site_id,
          details: { recipients },
        });
      } catch (err) {
        this.#log?.error({ err, bookingId: b.id }, 'could not audit a booking reminder');
      }
    }
    return due.length;
  }
}
