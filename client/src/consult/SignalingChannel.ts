import {
  type SfuMethod,
  type SfuNotification,
  type SfuRequestOf,
  type SfuResponseData,
  SfuServerMessageSchema,
} from '@telestroke/shared';
import { Emitter } from '../realtime/Emitter';
import { ConnectError, SignalingError } from './errors';

export interface SignalingChannelEvents {
  /** A notification of the SFU, validated against the shared schema. */
  notification: [notification: SfuNotification];
  /** The socket closed, whoever closed it; emitted once. */
  close: [code: number, reason: string];
}

export interface SignalingChannelOptions {
  /** Longest wait for an answer to a request. Default 10000 ms. */
  requestTimeoutMs?: number;
  /** Longest wait for the socket to open. Default 8000 ms. */
  openTimeoutMs?: number;
  /** WebSocket constructor. Default: the global one. */
  WebSocket?: typeof WebSocket;
}

interface Pending {
  method: SfuMethod;
  resolve(data: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One signaling WebSocket to the SFU: numbered requests answered once, and notifications. Frames that do not match
 * the shared schemas are dropped and reported on the console: the SFU validates what we send, we validate what it
 * sends.
 */
export class SignalingChannel extends Emitter<SignalingChannelEvents> {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #requestTimeoutMs: number;
  #nextId = 1;
  #closed = false;
  #lastMessageAt = Date.now();

  /** Opens the socket; rejects with ConnectError when it does not open (refused, unreachable, timed out). */
  static open(url: string, options: SignalingChannelOptions = {}): Promise<SignalingChannel> {
    const Ws = options.WebSocket ?? WebSocket;
    const ws = new Ws(url);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.close();
        reject(new ConnectError('signaling socket did not open in time'));
      }, options.openTimeoutMs ?? 8000);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve(new SignalingChannel(ws, options));
      };
      ws.onclose = (event) => {
        clearTimeout(timer);
        reject(new ConnectError(`signaling socket closed before opening (${event.code})`));
      };
    });
  }

  private constructor(ws: WebSocket, options: SignalingChannelOptions) {
    super();
    this.#ws = ws;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    ws.onmessage = (event) => this.#onMessage(event.data);
    ws.onclose = (event) => this.#onClose(event.code, event.reason);
    ws.onerror = null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** When the SFU last sent anything (a response or a notification), milliseconds since the epoch. */
  get lastMessageAt(): number {
    return this.#lastMessageAt;
  }

  /**
   * Sends a request; resolves with the answer's data, rejects with SignalingError.
   * @param timeoutMs longest wait for the answer. Default: the channel's requestTimeoutMs.
   */
  request<M extends SfuMethod>(
    method: M,
    data?: SfuRequestOf<M>['data'],
    timeoutMs = this.#requestTimeoutMs,
  ): Promise<SfuResponseData<M>> {
    if (this.#closed) return Promise.reject(new SignalingError('CLOSED', `${method}: the socket is closed`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new SignalingError('TIMEOUT', `${method}: no answer in time`));
      }, timeoutMs);
      this.#pending.set(id, { method, resolve: resolve as (data: unknown) => void, reject, timer });
      this.#ws.send(JSON.stringify(data === undefined ? { id, method } : { id, method, data }));
    });
  }

  /** Closes the socket. Idempotent. */
  close(code = 1000, reason = 'client closed'): void {
    if (this.#closed) return;
    try {
      this.#ws.close(code, reason);
    } catch {
      this.#ws.close();
    }
    // The close event may take a while (or never come on a dead link): settle everything now.
    this.#onClose(code, reason);
  }

  #onMessage(raw: unknown): void {
    this.#lastMessageAt = Date.now();
    if (typeof raw !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      console.warn('signaling: a frame that is not JSON was dropped');
      return;
    }
    const parsed = SfuServerMessageSchema.safeParse(json);
    if (!parsed.success) {
      console.warn('signaling: a frame that does not match the protocol was dropped', parsed.error.issues);
      return;
    }
    const message = parsed.data;
    if ('notification' in message) {
      this.emit('notification', message);
      return;
    }
    if (message.id === null) {
      if (!message.ok) console.warn('signaling: error without a request id', message.error.code);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.data);
    else pending.reject(new SignalingError(message.error.code, `${pending.method}: ${message.error.message}`));
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ws.onmessage = null;
    this.#ws.onclose = null;
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new SignalingError('CLOSED', `${pending.method}: the socket closed (${code})`));
    }
    this.#pending.clear();
    this.emit('close', code, reason);
    this.removeAllListeners();
  }
}
