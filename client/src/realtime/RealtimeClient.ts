import { type ServerEvent, ServerEventSchema } from '@telestroke/shared';
import { realtimeBackoffMs } from './backoff';
import { Emitter } from './Emitter';

export type RealtimeStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface RealtimeClientEvents {
  /** An event of the server, validated against the shared schema. */
  event: [event: ServerEvent];
  status: [status: RealtimeStatus];
  /**
   * The channel is open again after a drop: events may have been missed meanwhile, so screens reload what they show.
   */
  resync: [];
}

export interface RealtimeClientOptions {
  /** The server's `/ws` URL. Required. */
  url: string;
  /** WebSocket constructor; for tests. Default: the global one. */
  WebSocket?: typeof WebSocket;
}

/**
 * The server's live channel (`/ws`, authenticated by the session cookie on the upgrade). It reconnects by itself with
 * a growing delay until closed, and says when it is back so that screens can catch up.
 */
export class RealtimeClient extends Emitter<RealtimeClientEvents> {
  readonly #url: string;
  readonly #Ws: typeof WebSocket;
  #ws: WebSocket | null = null;
  #status: RealtimeStatus = 'connecting';
  #attempt = 0;
  #everOpened = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(options: RealtimeClientOptions) {
    super();
    this.#url = options.url;
    this.#Ws = options.WebSocket ?? WebSocket;
    this.#open();
  }

  get status(): RealtimeStatus {
    return this.#status;
  }

  /** Reconnects now if waiting to (the browser came back online, the tab became visible). */
  retryNow(): void {
    if (this.#closed || !this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#open();
  }

  /** Closes for good. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.close(1000, 'closed');
    }
    this.#setStatus('closed');
    this.removeAllListeners();
  }

  #open(): void {
    const ws = new this.#Ws(this.#url);
    this.#ws = ws;
    ws.onopen = () => {
      this.#attempt = 0;
      this.#setStatus('open');
      if (this.#everOpened) this.emit('resync');
      this.#everOpened = true;
    };
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let json: unknown;
      try {
        json = JSON.parse(message.data);
      } catch {
        return;
      }
      const parsed = ServerEventSchema.safeParse(json);
      // An event type this build does not know yet (a newer server) is not an error.
      if (parsed.success) this.emit('event', parsed.data);
    };
    ws.onclose = () => {
      if (this.#ws !== ws || this.#closed) return;
      this.#ws = null;
      this.#setStatus('reconnecting');
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#open();
      }, realtimeBackoffMs(this.#attempt++, Math.random()));
    };
  }

  #setStatus(status: RealtimeStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.emit('status', status);
  }
}
