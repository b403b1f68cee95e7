import type { IncomingMessage } from 'node:http';
import {
  type SfuMethod,
  type SfuNotification,
  type SfuNotificationName,
  type SfuNotificationOf,
  type SfuRequestOf,
  type SfuResponse,
  type SfuResponseData,
  SfuServerMessageSchema,
} from '@telestroke/shared';
import WebSocket from 'ws';

/** An error answer of the SFU, as a rejection of `TestClient.request()`. */
export class SfuRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(`${code}: ${message}`);
    this.name = 'SfuRequestError';
  }
}

/** What an upgrade the SFU refused answered. */
export interface RefusedUpgrade {
  status: number;
  body: unknown;
}

/**
 * A signaling client for tests: what the browser's signaling layer does, without a browser. Every message the SFU
 * sends is checked against the shared schemas, so a test also proves the SFU speaks the protocol it publishes.
 */
export class TestClient {
  readonly ws: WebSocket;
  /** Every notification received, in order. */
  readonly notifications: SfuNotification[] = [];
  /** Error answers without a request id (frames that were not JSON, say). */
  readonly orphanErrors: Extract<SfuResponse, { ok: false }>[] = [];
  /** Every response, in order, for tests that send raw frames. */
  readonly responses: SfuResponse[] = [];
  /** Every frame received, parsed, in order. */
  readonly frames: unknown[] = [];
  /** Frames that did not match the shared schemas; a test asserts this stays empty. */
  readonly invalid: unknown[] = [];
  /** Settles with the close code and reason once the socket is closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #pending = new Map<number, { resolve: (data: unknown) => void; reject: (err: Error) => void }>();
  readonly #waiters = new Set<() => void>();
  #nextId = 1;

  /** Opens a socket; rejects with a RefusedUpgrade when the SFU answers the upgrade with an HTTP error. */
  static async connect(url: string): Promise<TestClient> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestClient(ws)));
      ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON: kept as text.
          }
          reject({ status: res.statusCode ?? 0, body } satisfies RefusedUpgrade);
        });
      });
      ws.once('error', (err) => reject(err));
    });
  }

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        for (const { reject } of this.#pending.values()) reject(new Error(`socket closed with ${code}`));
        this.#pending.clear();
        resolve({ code, reason: reason.toString() });
        this.#wake();
      });
    });
    ws.on('message', (data) => this.#onMessage(String(data)));
  }

  /** Sends a request and resolves with the response data; rejects with SfuRequestError on an error answer. */
  request<M extends SfuMethod>(method: M, data?: SfuRequestOf<M>['data']): Promise<SfuResponseData<M>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (data: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, ...(data !== undefined ? { data } : {}) }));
    });
  }

  /** Sends a frame as is. */
  raw(frame: string | Buffer): void {
    this.ws.send(frame);
  }

  /** Resolves with the data of the first notification named `name` (received before or after) matching `match`. */
  async notification<N extends SfuNotificationName>(
    name: N,
    match: (data: SfuNotificationOf<N>['data']) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<SfuNotificationOf<N>['data']> {
    const found: { data?: SfuNotificationOf<N>['data'] } = {};
    await this.until(
      () => {
        found.data = this.all(name).find(match);
        return found.data !== undefined;
      },
      timeoutMs,
      `a ${name} notification`,
    );
    return found.data!;
  }

  /** Notifications named `name` received so far. */
  all<N extends SfuNotificationName>(name: N): SfuNotificationOf<N>['data'][] {
    return this.notifications
      .filter((x) => x.notification === name)
      .map((x) => x.data as SfuNotificationOf<N>['data']);
  }

  /** Resolves once `condition` holds, checked on every frame received and every 20 ms. */
  async until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, 20);
        this.#waiters.add(wake);
      });
    }
  }

  close(): void {
    this.ws.close();
  }

  #onMessage(text: string): void {
    const json: unknown = JSON.parse(text);
    this.frames.push(json);
    const parsed = SfuServerMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.invalid.push({ json, issues: parsed.error.issues });
    }
    const message = (parsed.success ? parsed.data : json) as SfuNotification | SfuResponse;
    if ('notification' in message) {
      this.notifications.push(message);
    } else {
      this.responses.push(message);
      const pending = message.id === null ? undefined : this.#pending.get(message.id);
      if (message.id !== null) this.#pending.delete(message.id);
      if (message.ok) pending?.resolve(message.data);
      else if (pending) {
        const { code, message: text, details } = message.error;
        pending.reject(new SfuRequestError(code, text, details));
      }
      else this.orphanErrors.push(message);
    }
    this.#wake();
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}
