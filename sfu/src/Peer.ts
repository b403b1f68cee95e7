import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  type ProducerSource,
  type PeerInfo,
  type RtpCapabilities,
  SFU_CLOSE_CODES,
  type SfuNotification,
  type TransportDirection,
} from '@telestroke/shared';
import type { types as mediasoup } from 'mediasoup';
import { pino, type Logger } from 'pino';
import type {
  ConsumerAppData,
  PeerCloseReason,
  PeerConnection,
  PeerEvents,
  PeerIdentity,
  PeerMediaCounts,
  PeerOptions,
  PeerTransport,
  ProducerAppData,
  TransportKind,
} from './PeerTypes';

export type {
  ConsumerAppData,
  PeerCloseReason,
  PeerConnection,
  PeerEvents,
  PeerIdentity,
  PeerMediaCounts,
  PeerOptions,
  PeerTransport,
  ProducerAppData,
  TransportKind,
} from './PeerTypes';

const CLOSE_CODE: Record<PeerCloseReason, { code: number; reason: string } | null> = {
  left: { code: SFU_CLOSE_CODES.LEFT, reason: 'left' },
  roomClosed: { code: SFU_CLOSE_CODES.ROOM_CLOSED, reason: 'room closed' },
  // 1001 "going away": the client reconnects once the SFU is back.
  serverShutdown: { code: 1001, reason: 'server shutting down' },
  // These two happen only once the channel is already gone.
  graceExpired: null,
  neverJoined: null,
};

/**
 * One user in one room: its signaling channel, its transports, producers and consumers. The room decides what to
 * do; the peer keeps the books, so that closing it (or its channel dropping) leaves no mediasoup object behind.
 * A peer survives its channel: a dropped channel starts a grace period during which the same user can reconnect.
 */
export class Peer extends EventEmitter<PeerEvents> {
  /** Stable for the life of the peer, across reconnections of its user. */
  readonly id: string;
  #identity: PeerIdentity;
  #connection: PeerConnection | null;
  #joined = false;
  #rtpCapabilities: RtpCapabilities | null = null;
  #tileHeight: number | undefined;
  readonly #transports = new Map<string, PeerTransport>();
  readonly #producers = new Map<string, mediasoup.Producer>();
  readonly #consumers = new Map<string, mediasoup.Consumer>();
  /** Producers a consumer is being created for, so that two code paths never consume the same one twice. */
  readonly #consuming = new Set<string>();
  readonly #reconnectGraceMs: number;
  readonly #log: Logger;
  #graceTimer: NodeJS.Timeout | null = null;
  #closed = false;

  static async create(options: PeerOptions): Promise<Peer> {
    return new Peer(options);
  }

  private constructor(options: PeerOptions) {
    super();
    this.id = randomUUID();
    this.#identity = { ...options.identity };
    this.#connection = options.connection;
    this.#reconnectGraceMs = options.reconnectGraceMs ?? 10_000;
    this.#log = (options.logger ?? pino({ level: 'silent' })).child({ peerId: this.id });
  }

  get userId(): string {
    return this.#identity.userId;
  }

  /** What the other peers are told about this one. */
  get info(): PeerInfo {
    return {
      peerId: this.id,
      userId: this.#identity.userId,
      displayName: this.#identity.displayName,
      role: this.#identity.role,
    };
  }

  get joined(): boolean {
    return this.#joined;
  }

  /** False while the peer waits, in its grace period, for its user to reconnect. */
  get connected(): boolean {
    return this.#connection !== null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** What the peer can receive; null until it joined. */
  get rtpCapabilities(): RtpCapabilities | null {
    return this.#rtpCapabilities;
  }

  /** Device-pixel height of the peer's video tiles, from its join; undefined when it gave none. */
  get tileHeight(): number | undefined {
    return this.#tileHeight;
  }

  /** Sends a notification if the peer's channel is open. */
  notify(notification: SfuNotification): void {
    this.#connection?.notify(notification);
  }

  /**
   * The same user connected again: the new channel replaces the old one (closed if still open), the grace period
   * stops, and the identity is refreshed from the newer token. Media stays until the peer joins again.
   */
  attach(connection: PeerConnection, identity: PeerIdentity): void {
    if (this.#closed) throw new Error('attach() on a closed peer');
    const previous = this.#connection;
    this.#connection = connection;
    this.#identity = { ...identity };
    if (this.#graceTimer) {
      clearTimeout(this.#graceTimer);
      this.#graceTimer = null;
      this.#log.info('peer reconnected within the grace period');
    }
    if (previous && previous !== connection) previous.close(SFU_CLOSE_CODES.REPLACED, 'replaced by a new connection');
  }

  /**
   * The channel `connection` dropped. If it is the peer's current channel, a joined peer waits for its user for the
   * grace period, then closes; a peer that never joined closes at once. A channel that was already replaced is
   * ignored, so a late close of an old socket never evicts the new one.
   */
  detach(connection: PeerConnection): void {
    if (this.#closed || this.#connection !== connection) return;
    this.#connection = null;
    if (!this.#joined) {
      this.close('neverJoined');
      return;
    }
    this.#log.info({ graceMs: this.#reconnectGraceMs }, 'peer disconnected; waiting for it to reconnect');
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = null;
      this.close('graceExpired');
    }, this.#reconnectGraceMs);
  }

  /** Records a (re)join. A rejoin closes the previous media first: the client sets it up again from scratch. */
  join(rtpCapabilities: RtpCapabilities, tileHeight: number | undefined): { rejoined: boolean } {
    const rejoined = this.#joined;
    if (rejoined) this.closeMedia();
    this.#joined = true;
    this.#rtpCapabilities = rtpCapabilities;
    this.#tileHeight = tileHeight;
    return { rejoined };
  }

  /**
   * Adds a transport. A transport already there for the same direction and kind is closed with everything on it:
   * a client creates a second one only to replace a broken one (a failed DTLS handshake, a reconnection).
   */
  addTransport(transport: PeerTransport['transport'], kind: TransportKind, direction: TransportDirection): void {
    this.#assertOpen();
    for (const existing of this.#transports.values()) {
      if (existing.kind === kind && existing.direction === direction) existing.transport.close();
    }
    this.#transports.set(transport.id, { transport, kind, direction, connected: false });
    transport.observer.once('close', () => this.#transports.delete(transport.id));
  }

  transport(transportId: string): PeerTransport | undefined {
    return this.#transports.get(transportId);
  }

  /** The open receiving transport, WebRTC first; consumers are created on it. */
  recvTransport(): PeerTransport | undefined {
    let plain: PeerTransport | undefined;
    for (const t of this.#transports.values()) {
      if (t.direction !== 'recv' || t.transport.closed) continue;
      if (t.kind === 'webrtc') return t;
      plain = t;
    }
    return plain;
  }

  get transports(): PeerTransport[] {
    return [...this.#transports.values()];
  }

  addProducer(producer: mediasoup.Producer): void {
    this.#assertOpen();
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
  }

  producer(producerId: string): mediasoup.Producer | undefined {
    return this.#producers.get(producerId);
  }

  producerOfSource(source: ProducerSource): mediasoup.Producer | undefined {
    for (const producer of this.#producers.values()) {
      if ((producer.appData as ProducerAppData).source === source) return producer;
    }
    return undefined;
  }

  get producers(): mediasoup.Producer[] {
    return [...this.#producers.values()];
  }

  addConsumer(consumer: mediasoup.Consumer): void {
    this.#assertOpen();
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
  }

  consumer(consumerId: string): mediasoup.Consumer | undefined {
    return this.#consumers.get(consumerId);
  }

  get consumers(): mediasoup.Consumer[] {
    return [...this.#consumers.values()];
  }

  /** Whether the peer has, or is getting, a consumer of this producer. */
  isConsuming(producerId: string): boolean {
    if (this.#consuming.has(producerId)) return true;
    for (const consumer of this.#consumers.values()) if (consumer.producerId === producerId) return true;
    return false;
  }

  /** Marks a consumer of `producerId` as being created; returns false if one already is or exists. */
  beginConsuming(producerId: string): boolean {
    if (this.isConsuming(producerId)) return false;
    this.#consuming.add(producerId);
    return true;
  }

  endConsuming(producerId: string): void {
    this.#consuming.delete(producerId);
  }

  get mediaCounts(): PeerMediaCounts {
    return { transports: this.#transports.size, producers: this.#producers.size, consumers: this.#consumers.size };
  }

  /**
   * Closes every transport, and with them (mediasoup cascades) every producer and consumer of the peer. Consumers
   * of other peers that consumed its producers are closed by mediasoup and reported to them by the room.
   */
  closeMedia(): void {
    for (const { transport } of this.#transports.values()) transport.close();
    // Transports closed by their router (a dead worker) emit no second close; the books must still be empty.
    this.#transports.clear();
    this.#producers.clear();
    this.#consumers.clear();
    this.#consuming.clear();
  }

  /** Closes the peer's media and its channel. Idempotent; emits 'closed' once. */
  close(reason: PeerCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
    this.closeMedia();
    const close = CLOSE_CODE[reason];
    if (close) this.#connection?.close(close.code, close.reason);
    this.#connection = null;
    this.#log.info({ reason }, 'peer closed');
    this.emit('closed', reason);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the peer is closed');
  }
}

