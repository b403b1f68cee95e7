import type { StudyEvent } from '@telestroke/shared';

/** Every event that crosses capabilities inside the server. */
export type BusEvent = StudyEvent;
export type BusEventType = BusEvent['type'];
type Handler<T extends BusEventType> = (event: Extract<BusEvent, { type: T }>) => void;

/**
 * A small publish/subscribe bus. In one process it calls subscribers synchronously, in order; the
 * interface is what a PostgreSQL LISTEN/NOTIFY implementation will offer when several server nodes run.
 * A throwing subscriber is reported and does not stop the others.
 */
export class EventBus {
  readonly #handlers = new Map<BusEventType, Set<Handler<any>>>();
  readonly #onError: (err: unknown, event: BusEvent) => void;

  constructor(onError: (err: unknown, event: BusEvent) => void = () => undefined) {
    this.#onError = onError;
  }

  /** Returns the function that unsubscribes. */
  subscribe<T extends BusEventType>(types: T | T[], handler: Handler<T>): () => void {
    const list = Array.isArray(types) ? types : [types];
    for (const t of list) {
      if (!this.#handlers.has(t)) this.#handlers.set(t, new Set());
      this.#handlers.get(t)!.add(handler);
    }
    return () => {
      for (const t of list) this.#handlers.get(t)?.delete(handler);
    };
  }

  publish(event: BusEvent): void {
    for (const h of this.#handlers.get(event.type) ?? []) {
      try {
        h(event as never);
      } catch (err) {
        this.#onError(err, event);
      }
    }
  }
}
