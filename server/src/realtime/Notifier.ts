import type { ServerEvent } from '@telestroke/shared';
import type { UserPrincipal } from '../auth/access';
import type { Logger } from '../logger';

/** Who receives an event: decided per connected user, on the principal their socket was opened with. */
export type Audience = (user: UserPrincipal) => boolean;

/** Where events go. The WebSocket hub is one; tests may attach their own. */
export interface EventSink {
  /** Sends the event to the connected users the audience admits and returns their ids. */
  publish(event: ServerEvent, to: Audience): string[];
}

/**
 * What services call to push an event to the browsers: `publish(event, audience)`. It exists before the sinks do
 * (the WebSocket hub needs the HTTP server, which needs the app, which needs the services), so it is created first
 * and the hub is attached once it runs. Until then, and after the hub closed, events reach nobody: clients fetch the
 * current state when they (re)connect, so an event is a nudge, never the only copy of the data.
 *
 * Call it after the change committed, never inside the transaction: a rolled-back change must not be announced.
 */
export class Notifier {
  readonly #sinks = new Set<EventSink>();
  readonly #log: Logger | undefined;

  /** @param log where a failing sink is reported. Default: nowhere. */
  constructor(log?: Logger) {
    this.#log = log?.child({ component: 'notifier' });
  }

  /** Adds a sink; returns the function that removes it. */
  attach(sink: EventSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  /**
   * Sends the event to every connected user the audience admits, through every sink. Never throws: the change it
   * announces is already committed. Returns the ids of the users it reached, each once, for the audit log.
   */
  publish(event: ServerEvent, to: Audience): string[] {
    const reached = new Set<string>();
    for (const sink of this.#sinks) {
      try {
        for (const id of sink.publish(event, to)) reached.add(id);
      } catch (err) {
        // The event type only: events carry patient data.
        this.#log?.error({ err, event: event.type }, 'an event sink failed');
      }
    }
    return [...reached];
  }

  /**
   * `publish()`, then `audit(recipients)` when anyone received the event: an event carries its record's data, so
   * delivering it is a read. The change it announces is committed already, so a failed audit is logged, with
   * `context` (ids only), and never undoes nor fails it.
   */
  async publishAudited(
    event: ServerEvent,
    to: Audience,
    audit: (recipients: string[]) => Promise<void>,
    context: Record<string, string>,
  ): Promise<void> {
    const recipients = this.publish(event, to);
    if (recipients.length === 0) return;
    try {
      await audit(recipients);
    } catch (err) {
      this.#log?.error({ err, event: event.type, ...context }, 'could not audit a pushed event');
    }
  }
}
