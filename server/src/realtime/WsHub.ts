import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { SESSION_COOKIE, type ServerEvent } from '@telestroke/shared';
import { WebSocket, WebSocketServer } from 'ws';
import type { UserPrincipal } from '../auth/access';
import type { AuthService } from '../auth/auth.service';
import { parseCookies } from '../http/cookies';
import type { Logger } from '../logger';

const PATH = '/ws';
/** Close code telling the client its session is over: log in again rather than reconnect. */
export const SESSION_ENDED = 4401;
// Sessions idle out after minutes: checking every 30 s is precise enough and costs one query per socket.
const REVALIDATE_MS = 30_000;

/**
 * The browser's live channel. Authentication and the Origin check happen on the HTTP upgrade request,
 * before any WebSocket exists: an unauthenticated client never gets a socket.
 */
export class WsHub extends EventEmitter {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  readonly #clients = new Map<WebSocket, UserPrincipal>();
  /** The session cookie each socket was opened with, kept in memory only, to re-check the session. */
  readonly #tokens = new Map<WebSocket, string>();
  #revalidateTimer: NodeJS.Timeout | undefined;
  #offSessionEnded: (() => void) | undefined;
  readonly #auth: AuthService;
  readonly #log: Logger;
  readonly #onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  #http: HttpServer | undefined;
  #closed = false;

  private constructor(http: HttpServer, auth: AuthService, log: Logger) {
    super();
    this.#auth = auth;
    this.#log = log;
    this.#http = http;
    this.#onUpgrade = (req, socket, head) => void this.#upgrade(req, socket, head);
    http.on('upgrade', this.#onUpgrade);
    // A socket outlives the request that opened it: drop it when its session ends (logout at once, idle timeout
    // or a disabled account within a revalidation period), so that pushed patient data stops with the session.
    this.#offSessionEnded = auth.onSessionEnded((idHash) => {
      for (const [ws, user] of this.#clients) if (user.session.idHash === idHash) ws.close(SESSION_ENDED, 'session ended');
    });
    this.#revalidateTimer = setInterval(() => void this.#revalidate(), REVALIDATE_MS);
    this.#revalidateTimer.unref();
  }

  async #revalidate(): Promise<void> {
    for (const [ws, token] of this.#tokens) {
      const user = await this.#auth.authenticateSession(token).catch(() => null);
      if (!user) ws.close(SESSION_ENDED, 'session ended');
      else if (this.#clients.has(ws)) this.#clients.set(ws, user);
    }
  }

  static async create(http: HttpServer, auth: AuthService, log: Logger): Promise<WsHub> {
    return new WsHub(http, auth, log.child({ component: 'ws' }));
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Sends an event to every connected user the filter admits; returns the ids of the users it reached. */
  publish(event: ServerEvent, to: (user: UserPrincipal) => boolean): string[] {
    const data = JSON.stringify(event);
    const reached = new Set<string>();
    for (const [ws, user] of this.#clients) {
      if (ws.readyState !== WebSocket.OPEN || !to(user)) continue;
      ws.send(data);
      reached.add(user.id);
    }
    return [...reached];
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== PATH) return refuse(404, 'Not Found');
      const origin = req.headers.origin;
      if (origin && new URL(origin).host !== req.headers.host) return refuse(403, 'Forbidden');
      const token = parseCookies(req.headers.cookie)[SESSION_COOKIE];
      const user = token ? await this.#auth.authenticateSession(token) : null;
      if (!user) return refuse(401, 'Unauthorized');
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        this.#clients.set(ws, user);
        this.#tokens.set(ws, token!);
        ws.on('close', () => {
          this.#clients.delete(ws);
          this.#tokens.delete(ws);
        });
        ws.on('error', () => ws.terminate());
        // Clients do not talk on this channel yet; anything they send is ignored.
        ws.send(JSON.stringify({ type: 'hello', userId: user.id } satisfies ServerEvent));
      });
    } catch (err) {
      this.#log.warn({ err }, 'websocket upgrade failed');
      refuse(400, 'Bad Request');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#revalidateTimer);
    this.#offSessionEnded?.();
    this.#http?.off('upgrade', this.#onUpgrade);
    this.#http = undefined;
    for (const ws of this.#clients.keys()) ws.terminate();
    this.#clients.clear();
    this.#tokens.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.emit('closed');
  }
}
