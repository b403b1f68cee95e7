import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { RoomRegistry } from './RoomRegistry';

export interface SignalingServerOptions {
  /** The HTTP server whose upgrade requests to `/ws` become signaling sockets. Required. */
  server: HttpServer;
  /** Where connecting users are put. Required. */
  registry: RoomRegistry;
  /** Secret the server signs join tokens with; at least 32 characters. Required, no default. */
  tokenSecret: string;
  /**
   * Largest frame accepted, in bytes; a bigger one closes the socket with 1009. The largest legitimate request (join
   * with a browser's RTP capabilities) is a few kilobytes. Default 65536.
   */
  maxPayloadBytes?: number;
  /** Messages per second a socket may send, sustained. Beyond, requests are answered RATE_LIMITED. Default 50. */
  rateLimitPerSecond?: number;
  /** Messages a socket may send at once above the sustained rate (the bucket's size). Default 50. */
  rateLimitBurst?: number;
  /**
   * Consecutive seconds in which a socket had messages refused, after which it is closed with RATE_ABUSE (4029).
   * Default 3.
   */
  rateAbuseSeconds?: number;
  /**
   * Period of WebSocket pings. A socket that has not answered the previous ping is dropped, which starts its peer's
   * reconnection grace period: a vanished client is noticed within two periods. Default 5000 ms.
   */
  heartbeatIntervalMs?: number;
  /** Time a socket has to join its room; then it is closed with JOIN_TIMEOUT (4001). Default 30000 ms. */
  joinTimeoutMs?: number;
  /**
   * Bytes waiting to be sent to a socket beyond which it is dropped as unable to keep up; signaling is small, so a
   * backlog this size means the client stopped reading. Default 1048576.
   */
  maxBufferedBytes?: number;
  /** Clock for token expiry, milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Parent logger. Default: a silent logger. */
  logger?: Logger;
}

export interface SignalingServerEvents {
  /** The server stopped accepting sockets and closed the open ones; emitted once. */
  closed: [];
}
