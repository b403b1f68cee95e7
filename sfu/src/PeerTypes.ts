import type { ProducerSource, Role, SfuNotification, TransportDirection } from '@telestroke/shared';
import type { types as mediasoup } from 'mediasoup';
import type { Logger } from 'pino';

/** Who a peer is, as the join token says. */
export interface PeerIdentity {
  userId: string;
  displayName: string;
  role: Role;
}

/** The peer's signaling channel, whatever carries it (a WebSocket in production). */
export interface PeerConnection {
  /** Sends one notification; dropped when the channel is not open (the peer resynchronises when it rejoins). */
  notify(notification: SfuNotification): void;
  /** Closes the channel with a WebSocket close code. Idempotent. */
  close(code: number, reason: string): void;
}

export interface PeerOptions {
  /** Who the peer is. Required. */
  identity: PeerIdentity;
  /** The channel the peer connected with. Required. */
  connection: PeerConnection;
  /**
   * How long a joined peer whose channel dropped keeps its seat and its media, waiting for the same user to
   * reconnect. Default 10000 ms.
   */
  reconnectGraceMs?: number;
  /** Parent logger; the peer logs through a child carrying its id. Default: a silent logger. */
  logger?: Logger;
}

/**
 * Why a peer was closed. It decides the close code its channel gets, and so whether the client reconnects.
 * - left: it sent `leave`;
 * - graceExpired: its channel dropped and it did not come back in time;
 * - neverJoined: its channel dropped before it joined, so there was nothing to wait for;
 * - roomClosed: the consult ended;
 * - serverShutdown: the SFU is stopping (the client reconnects later).
 */
export type PeerCloseReason = 'left' | 'graceExpired' | 'neverJoined' | 'roomClosed' | 'serverShutdown';

export interface PeerEvents {
  /** The peer was closed with all its media; emitted once. */
  closed: [reason: PeerCloseReason];
}

export type TransportKind = 'webrtc' | 'plain';

/** One of the peer's transports, with what the signaling needs to know about it. */
export interface PeerTransport {
  readonly transport: mediasoup.WebRtcTransport | mediasoup.PlainTransport;
  readonly kind: TransportKind;
  readonly direction: TransportDirection;
  /** Set once connect has succeeded: mediasoup accepts a single connect per transport. */
  connected: boolean;
}

/** What mediasoup's appData of the peer's producers and consumers holds. */
export interface ProducerAppData {
  peerId: string;
  source: ProducerSource;
}

export interface ConsumerAppData {
  /** The consuming peer. */
  peerId: string;
  /** The peer whose producer is consumed. */
  producerPeerId: string;
  source: ProducerSource;
}

/** Live mediasoup objects a peer holds, by the peer's own bookkeeping. */
export interface PeerMediaCounts {
  transports: number;
  producers: number;
  consumers: number;
}
