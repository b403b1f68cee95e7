import { EventEmitter } from 'node:events';
import { type IncomingMessage, type Server as HttpServer, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  AppError,
  SFU_CLOSE_CODES,
  SFU_METHODS,
  SFU_WS_PATH,
  type SfuRequest,
  SfuRequestSchema,
  type SfuServerMessage,
} from '@telestroke/shared';
import { type SfuTokenClaims, verifySfuToken, SFU_TOKEN_MIN_SECRET_LENGTH } from '@telestroke/shared/sfu-token';
import { pino, type Logger } from 'pino';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { z } from 'zod';
import type { Peer } from './Peer';
import type { PeerConnection } from './PeerTypes';
import type { Room } from './Room';
import type { RoomRegistry } from './RoomRegistry';
import type { SignalingServerEvents, SignalingServerOptions } from './SignalingServerTypes';

export type { SignalingServerEvents, SignalingServerOptions } from './SignalingServerTypes';

/** Most requests of one socket waiting to be executed; beyond, they are refused like a flood. */
const MAX_PENDING_REQUESTS = 100;
/** Time sockets get to finish their closing handshake at shutdown before they are cut. */
const CLOSE_GRACE_MS = 1000;

interface Settings {
  maxPayloadBytes: number;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  rateAbuseSeconds: number;
  heartbeatIntervalMs: number;
  joinTimeoutMs: number;
  maxBufferedBytes: number;
}

/** One signaling socket and its state. */
interface Session {
  readonly ws: WebSocket;
  readonly claims: SfuTokenClaims;
  /** What the peer sends notifications through and closes. */
  readonly connection: PeerConnection;
  room: Room | null;
  peer: Peer | null;
  /** Settles once the socket is in its room (or failed to get there); requests wait for it. */
  ready: Promise<void>;
  /** Requests run one at a time, in arrival order: each sees the effects of the previous ones. */
  queue: Promise<void>;
  pending: number;
  joined: boolean;
  joinTimer: NodeJS.Timeout | null;
  /** Answered the last ping. */
  alive: boolean;
  // Token bucket of the rate limit, and the run of seconds with refused messages.
  tokens: number;
  refilledAt: number;
  refusedSecond: number;
  refusedStreak: number;
  refusedInSecond: number;
}

/**
 * The SFU's WebSocket endpoint. A socket exists only for a request to `/ws?consultId=…&token=…` whose join token
 * verifies and names that consult: everything else is answered with an HTTP error before any upgrade. The Origin
 * header is not looked at: the token, which another site cannot read, is the credential, and no cookie is involved.
 * Once open, every frame is rate limited, parsed and validated before the room executes it.
 */
export class SignalingServer extends EventEmitter<SignalingServerEvents> {
  readonly #server: HttpServer;
  readonly #registry: RoomRegistry;
  readonly #secret: string;
  readonly #now: () => number;
  readonly #settings: Settings;
  readonly #log: Logger;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Set<Session>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  #closed = false;

  /** Starts handling the upgrade requests of `options.server`. */
  static async create(options: SignalingServerOptions): Promise<SignalingServer> {
    if (options.tokenSecret.length < SFU_TOKEN_MIN_SECRET_LENGTH) {
      throw new RangeError(`tokenSecret must be at least ${SFU_TOKEN_MIN_SECRET_LENGTH} characters`);
    }
    return new SignalingServer(options);
  }

  private constructor(options: SignalingServerOptions) {
    super();
    this.#server = options.server;
    this.#registry = options.registry;
    this.#secret = options.tokenSecret;
    this.#now = options.now ?? Date.now;
    this.#settings = {
      maxPayloadBytes: options.maxPayloadBytes ?? 64 * 1024,
      rateLimitPerSecond: options.rateLimitPerSecond ?? 50,
      rateLimitBurst: options.rateLimitBurst ?? 50,
      rateAbuseSeconds: options.rateAbuseSeconds ?? 3,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5000,
      joinTimeoutMs: options.joinTimeoutMs ?? 30_000,
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    };
    this.#log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'signaling' });
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#settings.maxPayloadBytes,
      // Compression costs CPU and memory per socket, and invites compression-bomb floods; signaling is small.
      perMessageDeflate: false,
    });
    this.#onUpgrade = (req, socket, head) => this.#upgrade(req, socket, head);
    this.#server.on('upgrade', this.#onUpgrade);
    this.#heartbeat = setInterval(() => this.#ping(), this.#settings.heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  /** Open signaling sockets. */
  get connectionCount(): number {
    return this.#sessions.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Stops accepting sockets and closes the open ones with 1001 (going away), cutting those that do not finish
   * closing within a second. Close the registry first, so that peers are told why (roomClosed) rather than waiting
   * out a reconnection grace period. Idempotent; emits 'closed' once.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.off('upgrade', this.#onUpgrade);
    clearInterval(this.#heartbeat);
    for (const s of this.#sessions) {
      this.#clearJoinTimer(s);
      s.ws.close(1001, 'server shutting down');
    }
    const sessions = [...this.#sessions];
    setTimeout(() => {
      for (const s of sessions) s.ws.terminate();
    }, CLOSE_GRACE_MS).unref();
    this.#wss.close();
    this.emit('closed');
  }

  // -------------------------------------------------------------------------------------------------------------
  // Upgrade: authentication happens here, before any socket exists.

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client that resets the connection mid-refusal must not crash the process.
    socket.on('error', () => socket.destroy());
    const remote = req.socket.remoteAddress;
    const refuse = (error: AppError, why: string) => {
      // Never log req.url: it carries the token.
      this.#log.info({ remote, status: error.status, code: error.code, why }, 'signaling upgrade refused');
      const body = JSON.stringify(error.toBody());
      socket.end(
        `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
          'Connection: close\r\n' +
          'Content-Type: application/json; charset=utf-8\r\n' +
          'Cache-Control: no-store\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };

    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sfu');
    } catch {
      return refuse(new AppError('BAD_REQUEST', 'bad request'), 'unparsable url');
    }
    if (url.pathname !== SFU_WS_PATH) return refuse(new AppError('NOT_FOUND', 'not found'), 'unknown path');
    if (this.#closed) return refuse(new AppError('UNAVAILABLE', 'the SFU is shutting down'), 'closed');

    const token = url.searchParams.get('token');
    if (!token) return refuse(new AppError('UNAUTHENTICATED', 'a join token is required'), 'no token');
    let claims: SfuTokenClaims;
    try {
      claims = verifySfuToken(token, this.#secret, this.#now());
    } catch (err) {
      if (err instanceof AppError) return refuse(err, `token ${(err.details as { reason?: string }).reason}`);
      throw err;
    }
    // The token admits to one consult; the URL says which one the client means to join. They must agree, so that
    // a token can never be used for another consult's room.
    if (claims.consultId !== url.searchParams.get('consultId')) {
      return refuse(
        new AppError('INVALID_TOKEN', 'the token is for another consult', { reason: 'consult' }),
        'token for another consult',
      );
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, claims));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Sockets

  #onConnection(ws: WebSocket, claims: SfuTokenClaims): void {
    if (this.#closed) {
      ws.close(1001, 'server shutting down');
      return;
    }
    const session: Session = {
      ws,
      claims,
      connection: {
        notify: (notification) => this.#send(session, notification),
        close: (code, reason) => {
          if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
        },
      },
      room: null,
      peer: null,
      ready: Promise.resolve(),
      queue: Promise.resolve(),
      pending: 0,
      joined: false,
      joinTimer: null,
      alive: true,
      tokens: this.#settings.rateLimitBurst,
      refilledAt: Date.now(),
      refusedSecond: -1,
      refusedStreak: 0,
      refusedInSecond: 0,
    };
    this.#sessions.add(session);
    const log = this.#log.child({ roomId: claims.consultId, userId: claims.userId });
    log.info('signaling socket opened');

    ws.on('message', (data, isBinary) => this.#onMessage(session, data, isBinary));
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('error', (err) => log.info({ err: err.message }, 'signaling socket error'));
    ws.on('close', (code) => {
      this.#sessions.delete(session);
      this.#clearJoinTimer(session);
      log.info({ code }, 'signaling socket closed');
      void session.ready.then(() => {
        if (session.room && session.peer) session.room.disconnect(session.peer, session.connection);
      });
    });
    session.joinTimer = setTimeout(() => {
      session.joinTimer = null;
      if (!session.joined) session.connection.close(SFU_CLOSE_CODES.JOIN_TIMEOUT, 'join timeout');
    }, this.#settings.joinTimeoutMs);

    const identity = { userId: claims.userId, displayName: claims.displayName, role: claims.role };
    session.ready = this.#registry.connect(claims.consultId, identity, session.connection).then(
      ({ room, peer }) => {
        session.room = room;
        session.peer = peer;
        // The socket may have closed while the room was being created; its close handler already ran.
        if (ws.readyState !== WebSocket.OPEN) room.disconnect(peer, session.connection);
      },
      (err: unknown) => {
        const error = this.#toAppError(err, log, 'connect');
        this.#send(session, { notification: 'error', data: error.toBody().error });
        // 1013 "try again later": the client reconnects with backoff.
        session.connection.close(1013, 'media server unavailable');
      },
    );
    session.queue = session.ready;
  }

  #onMessage(session: Session, data: RawData, isBinary: boolean): void {
    if (!this.#admit(session)) {
      if (session.refusedStreak >= this.#settings.rateAbuseSeconds) {
        this.#log.warn(
          { roomId: session.claims.consultId, userId: session.claims.userId },
          'signaling socket closed for flooding',
        );
        session.connection.close(SFU_CLOSE_CODES.RATE_ABUSE, 'rate limit exceeded');
        return;
      }
      // Answer as many refusals per second as the rate allows; answering all of them would amplify the flood.
      if (session.refusedInSecond <= this.#settings.rateLimitPerSecond) {
        this.#reply(session, idOf(parseJson(data, isBinary)), new AppError('RATE_LIMITED', 'too many messages'));
      }
      return;
    }
    if (isBinary) {
      this.#reply(session, null, new AppError('VALIDATION_FAILED', 'expected a JSON text frame'));
      return;
    }
    const json = parseJson(data, false);
    if (json === undefined) {
      // The code the HTTP API answers a body that is not JSON with.
      this.#reply(session, null, new AppError('MALFORMED_JSON', 'the message is not valid JSON'));
      return;
    }
    const parsed = SfuRequestSchema.safeParse(json);
    if (!parsed.success) {
      this.#reply(session, idOf(json), invalidRequest(json, parsed.error));
      return;
    }
    const request = parsed.data;
    session.pending++;
    session.queue = session.queue
      .then(() => this.#execute(session, request))
      .finally(() => {
        session.pending--;
      });
  }

  async #execute(session: Session, request: SfuRequest): Promise<void> {
    const { room, peer } = session;
    if (!room || !peer || session.ws.readyState !== WebSocket.OPEN) return;
    const log = this.#log.child({ roomId: session.claims.consultId, peerId: peer.id });
    let handled;
    try {
      handled = await room.handle(peer, request);
    } catch (err) {
      const error = this.#toAppError(err, log, request.method);
      this.#reply(session, request.id, error);
      if ((error.details as { reason?: string } | undefined)?.reason === 'roomFull') {
        session.connection.close(SFU_CLOSE_CODES.ROOM_FULL, 'room full');
      }
      return;
    }
    this.#send(session, { id: request.id, ok: true, data: handled.data });
    if (request.method === 'join') {
      session.joined = true;
      this.#clearJoinTimer(session);
    }
    if (handled.followUp) {
      try {
        await handled.followUp();
      } catch (err) {
        log.error({ err, method: request.method }, 'signaling follow-up failed');
      }
    }
  }

  /** Takes a token from the socket's bucket; false when the socket is over its rate. */
  #admit(session: Session): boolean {
    if (session.pending >= MAX_PENDING_REQUESTS) return this.#refuse(session);
    const now = Date.now();
    const { rateLimitPerSecond: rate, rateLimitBurst: burst } = this.#settings;
    session.tokens = Math.min(burst, session.tokens + ((now - session.refilledAt) * rate) / 1000);
    session.refilledAt = now;
    if (session.tokens >= 1) {
      session.tokens -= 1;
      return true;
    }
    return this.#refuse(session);
  }

  #refuse(session: Session): false {
    const second = Math.floor(Date.now() / 1000);
    if (second !== session.refusedSecond) {
      session.refusedStreak = second === session.refusedSecond + 1 ? session.refusedStreak + 1 : 1;
      session.refusedSecond = second;
      session.refusedInSecond = 0;
    }
    session.refusedInSecond++;
    return false;
  }

  #reply(session: Session, id: number | null, error: AppError): void {
    this.#send(session, { id, ok: false, error: error.toBody().error });
  }

  #send(session: Session, message: SfuServerMessage): void {
    const { ws } = session;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.#settings.maxBufferedBytes) {
      this.#log.warn({ roomId: session.claims.consultId, userId: session.claims.userId }, 'signaling socket too slow');
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(message));
  }

  /** Drops sockets that did not answer the previous ping, and pings the others. */
  #ping(): void {
    for (const session of this.#sessions) {
      if (!session.alive) {
        const { consultId: roomId, userId } = session.claims;
        this.#log.info({ roomId, userId }, 'signaling socket timed out');
        session.ws.terminate();
        continue;
      }
      session.alive = false;
      session.ws.ping();
    }
  }

  #clearJoinTimer(session: Session): void {
    if (session.joinTimer) clearTimeout(session.joinTimer);
    session.joinTimer = null;
  }

  /** AppErrors reach the client as they are; anything else is an internal error, logged and not described. */
  #toAppError(err: unknown, log: Logger, method: string): AppError {
    if (err instanceof AppError) return err;
    log.error({ err, method }, 'signaling request failed');
    return new AppError('INTERNAL', 'internal error');
  }
}

/** The frame as JSON, or undefined when it is not JSON. */
function parseJson(data: RawData, isBinary: boolean): unknown {
  if (isBinary) return undefined;
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  const text = buffer.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The request id of a message that failed validation, if it has a usable one, so the client can match the error. */
function idOf(json: unknown): number | null {
  if (typeof json !== 'object' || json === null || !('id' in json)) return null;
  const { id } = json as { id: unknown };
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}

function invalidRequest(json: unknown, error: z.ZodError): AppError {
  const method = typeof json === 'object' && json !== null ? (json as { method?: unknown }).method : undefined;
  if (typeof method === 'string' && !(SFU_METHODS as readonly string[]).includes(method)) {
    return new AppError('VALIDATION_FAILED', 'unknown method', [
      { path: 'method', code: 'invalid_value', message: `expected one of ${SFU_METHODS.join(', ')}` },
    ]);
  }
  return new AppError(
    'VALIDATION_FAILED',
    'the request is not valid',
    error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message })),
  );
}
