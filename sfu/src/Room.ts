import { EventEmitter, once } from 'node:events';
import {
  AppError,
  KIND_OF_SOURCE,
  type QualityStats,
  type RoomClosedReason,
  type SfuMethod,
  type SfuNotification,
  type SfuRequest,
  type SfuRequestOf,
  spatialLayerForTileHeight,
} from '@telestroke/shared';
import type { types as mediasoup } from 'mediasoup';
import { pino, type Logger } from 'pino';
import { media } from './errors';
import { MEDIA_CODECS } from './media';
import { Peer } from './Peer';
import type { ConsumerAppData, PeerConnection, PeerIdentity, PeerTransport, ProducerAppData } from './PeerTypes';
import type { HandledRequest, RoomCounts, RoomEvents, RoomOptions } from './RoomTypes';
import type { WorkerPool } from './WorkerPool';

export type {
  HandledRequest,
  RoomCounts,
  RoomEvents,
  RoomOptions,
  RoomSettings,
  RouterRecreatedEvent,
} from './RoomTypes';

type Handlers = { [M in SfuMethod]: (peer: Peer, data: SfuRequestOf<M>['data']) => Promise<HandledRequest<M>> };

interface Settings {
  capacity: number;
  listenIp: mediasoup.TransportListenIp;
  enableTcp: boolean;
  initialAvailableOutgoingBitrate: number;
  maxIncomingBitrate: number;
  reconnectGraceMs: number;
  statsIntervalMs: number;
  activeSpeakerThreshold: number;
  activeSpeakerIntervalMs: number;
  allowPlainTransports: boolean;
  recoveryWaitMs: number;
}

/**
 * One consult's call: a mediasoup router on one worker of the pool, and the peers in it. Every peer's producers are
 * consumed by every other joined peer; the room tells peers who comes and goes, who speaks, and how well media
 * flows. If the router's worker dies, the room moves to a live worker and tells its peers to set their media up
 * again, without them leaving the room.
 */
export class Room extends EventEmitter<RoomEvents> {
  readonly consultId: string;
  readonly #pool: WorkerPool;
  readonly #settings: Settings;
  readonly #log: Logger;
  /** Peers by user id: one peer per user, whatever number of sockets the user opens. */
  readonly #peers = new Map<string, Peer>();
  /** Null while the room moves to another worker. */
  #router: mediasoup.Router | null = null;
  #audioLevelObserver: mediasoup.AudioLevelObserver | null = null;
  /** Worker pid of each router, remembered at creation: a dead worker's pid is still wanted in the logs. */
  readonly #routerWorkerPid = new WeakMap<mediasoup.Router, number>();
  #statsTimer: NodeJS.Timeout | null = null;
  #statsRunning = false;
  #closed = false;
  readonly #handlers: Handlers;

  /** Creates the room's router on the next worker of the pool; rejects with UNAVAILABLE when no worker runs. */
  static async create(options: RoomOptions): Promise<Room> {
    const room = new Room(options);
    await room.#setUpRouter(options.pool.pick());
    room.#statsTimer = setInterval(() => void room.#sendQualityStats(), room.#settings.statsIntervalMs);
    room.#log.info({ workerPid: room.workerPid }, 'room created');
    return room;
  }

  private constructor(options: RoomOptions) {
    super();
    this.consultId = options.consultId;
    this.#pool = options.pool;
    this.#settings = {
      capacity: options.capacity ?? 6,
      listenIp: {
        ip: options.listenIp ?? '127.0.0.1',
        ...(options.announcedIp ? { announcedIp: options.announcedIp } : {}),
      },
      enableTcp: options.enableTcp ?? true,
      initialAvailableOutgoingBitrate: options.initialAvailableOutgoingBitrate ?? 1_000_000,
      maxIncomingBitrate: options.maxIncomingBitrate ?? 3_000_000,
      reconnectGraceMs: options.reconnectGraceMs ?? 10_000,
      statsIntervalMs: options.statsIntervalMs ?? 2000,
      activeSpeakerThreshold: options.activeSpeakerThreshold ?? -70,
      activeSpeakerIntervalMs: options.activeSpeakerIntervalMs ?? 800,
      allowPlainTransports: options.allowPlainTransports ?? false,
      recoveryWaitMs: options.recoveryWaitMs ?? 5000,
    };
    if (!Number.isInteger(this.#settings.capacity) || this.#settings.capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${this.#settings.capacity}`);
    }
    // The consult id is an opaque UUID, not patient data: fine in logs, and it ties SFU logs to the server's.
    this.#log = (options.logger ?? pino({ level: 'silent' })).child({ roomId: options.consultId });
    this.#handlers = {
      getRouterRtpCapabilities: async () => ({ data: { rtpCapabilities: (await this.#liveRouter()).rtpCapabilities } }),
      join: (peer, data) => this.#join(peer, data),
      createWebRtcTransport: (peer, data) => this.#createWebRtcTransport(peer, data),
      connectWebRtcTransport: (peer, data) => this.#connectWebRtcTransport(peer, data),
      restartIce: (peer, data) => this.#restartIce(peer, data),
      produce: (peer, data) => this.#produce(peer, data),
      closeProducer: async (peer, { producerId }) => {
        this.#ownProducer(peer, producerId).close();
        return { data: {} };
      },
      pauseProducer: async (peer, { producerId }) => {
        await media(this.#ownProducer(peer, producerId).pause());
        return { data: {} };
      },
      resumeProducer: async (peer, { producerId }) => {
        await media(this.#ownProducer(peer, producerId).resume());
        return { data: {} };
      },
      resumeConsumer: async (peer, { consumerId }) => {
        await media(this.#ownConsumer(peer, consumerId).resume());
        return { data: {} };
      },
      pauseConsumer: async (peer, { consumerId }) => {
        await media(this.#ownConsumer(peer, consumerId).pause());
        return { data: {} };
      },
      setPreferredLayers: (peer, data) => this.#setPreferredLayers(peer, data),
      setConsumerPriority: async (peer, { consumerId, priority }) => {
        await media(this.#ownConsumer(peer, consumerId).setPriority(priority));
        return { data: {} };
      },
      createPlainTransport: (peer, data) => this.#createPlainTransport(peer, data),
      connectPlainTransport: (peer, data) => this.#connectPlainTransport(peer, data),
      leave: async (peer) => ({ data: {}, followUp: async () => peer.close('left') }),
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The current router; null while the room moves to another worker. Exposed for stats and test tooling. */
  get router(): mediasoup.Router | null {
    return this.#router;
  }

  /** Process id of the worker hosting the room; null while the room moves to another worker. */
  get workerPid(): number | null {
    return this.#router ? (this.#routerWorkerPid.get(this.#router) ?? null) : null;
  }

  get peers(): Peer[] {
    return [...this.#peers.values()];
  }

  /** Peers that joined, connected or waiting to reconnect: they hold the seats. */
  get joinedPeers(): Peer[] {
    return this.peers.filter((p) => p.joined);
  }

  get counts(): RoomCounts {
    const counts: RoomCounts = { peers: this.#peers.size, joined: 0, transports: 0, producers: 0, consumers: 0 };
    for (const peer of this.#peers.values()) {
      if (peer.joined) counts.joined++;
      const m = peer.mediaCounts;
      counts.transports += m.transports;
      counts.producers += m.producers;
      counts.consumers += m.consumers;
    }
    return counts;
  }

  /**
   * A user connected to the room. Their existing peer, if any (reconnecting, or still connected on another socket),
   * takes the new channel; otherwise a new peer is created. Seats are taken at join, not here.
   */
  async connect(identity: PeerIdentity, connection: PeerConnection): Promise<Peer> {
    if (this.#closed) throw new AppError('UNAVAILABLE', 'the room is closed');
    const existing = this.#peers.get(identity.userId);
    if (existing) {
      existing.attach(connection, identity);
      return existing;
    }
    const peer = await Peer.create({
      identity,
      connection,
      reconnectGraceMs: this.#settings.reconnectGraceMs,
      logger: this.#log,
    });
    // Peer.create() yields to the event loop: the room may have closed, or the same user connected, meanwhile.
    const raced = this.#peers.get(identity.userId);
    if (this.#closed || raced) {
      peer.removeAllListeners();
      peer.close('neverJoined');
      if (!raced) throw new AppError('UNAVAILABLE', 'the room is closed');
      raced.attach(connection, identity);
      return raced;
    }
    this.#peers.set(identity.userId, peer);
    peer.once('closed', () => this.#onPeerClosed(peer));
    return peer;
  }

  /** The peer's channel `connection` dropped; the peer waits for its user to come back, or closes. */
  disconnect(peer: Peer, connection: PeerConnection): void {
    peer.detach(connection);
  }

  /**
   * Executes one validated request of `peer`. Rejects with an AppError the client may see; any other rejection is
   * an internal error.
   */
  async handle<M extends SfuMethod>(peer: Peer, request: SfuRequestOf<M>): Promise<HandledRequest<M>> {
    if (this.#closed) throw new AppError('UNAVAILABLE', 'the room is closed');
    if (peer.closed || this.#peers.get(peer.userId) !== peer) throw new AppError('UNAVAILABLE', 'the peer is closed');
    const method = request.method as M;
    if (method !== 'getRouterRtpCapabilities' && method !== 'join' && method !== 'leave' && !peer.joined) {
      throw new AppError('CONFLICT', `join the room before ${method}`);
    }
    const handler = this.#handlers[method] as (peer: Peer, data: SfuRequest['data']) => Promise<HandledRequest<M>>;
    return handler(peer, request.data);
  }

  /**
   * Closes the room and every peer in it. With a reason, the peers are told first (roomClosed); without one (the
   * room emptied itself) there is nobody to tell. Idempotent; emits 'closed' once.
   */
  close(reason?: RoomClosedReason): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#statsTimer) clearInterval(this.#statsTimer);
    this.#statsTimer = null;
    for (const peer of this.#peers.values()) {
      if (reason) peer.notify({ notification: 'roomClosed', data: { reason } });
      peer.close(reason === 'serverShutdown' ? 'serverShutdown' : 'roomClosed');
    }
    this.#peers.clear();
    this.#router?.close();
    this.#router = null;
    this.#audioLevelObserver = null;
    this.#log.info({ reason: reason ?? 'empty' }, 'room closed');
    this.emit('closed');
  }

  // -------------------------------------------------------------------------------------------------------------
  // Router life cycle

  async #setUpRouter(worker: mediasoup.Worker): Promise<void> {
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS, appData: { consultId: this.consultId } });
    let observer: mediasoup.AudioLevelObserver;
    try {
      observer = await router.createAudioLevelObserver({
        maxEntries: 1,
        threshold: this.#settings.activeSpeakerThreshold,
        interval: this.#settings.activeSpeakerIntervalMs,
      });
    } catch (err) {
      router.close();
      throw err;
    }
    if (this.#closed) {
      router.close();
      throw new AppError('UNAVAILABLE', 'the room is closed');
    }
    this.#routerWorkerPid.set(router, worker.pid);
    this.#router = router;
    this.#audioLevelObserver = observer;
    router.once('workerclose', () => this.#onWorkerDied(router));
    observer.on('volumes', (volumes: mediasoup.AudioLevelObserverVolume[]) => {
      const loudest = volumes[0];
      if (!loudest) return;
      const peerId = (loudest.producer.appData as ProducerAppData).peerId;
      this.#broadcast({ notification: 'activeSpeaker', data: { peerId, volume: loudest.volume } });
    });
    observer.on('silence', () => {
      this.#broadcast({ notification: 'activeSpeaker', data: { peerId: null, volume: null } });
    });
  }

  /** The router, or, while the room moves to another worker, the new one once ready. */
  async #liveRouter(): Promise<mediasoup.Router> {
    if (this.#router && !this.#router.closed) return this.#router;
    if (this.#closed) throw new AppError('UNAVAILABLE', 'the room is closed');
    try {
      await once(this, 'routerRecreated', { signal: AbortSignal.timeout(this.#settings.recoveryWaitMs) });
    } catch {
      // Timed out: answered below.
    }
    if (this.#router && !this.#router.closed) return this.#router;
    throw new AppError('UNAVAILABLE', 'the media server is restarting; try again shortly');
  }

  #onWorkerDied(router: mediasoup.Router): void {
    if (this.#closed || this.#router !== router) return;
    const oldWorkerPid = this.#routerWorkerPid.get(router) ?? 0;
    const diedAt = Date.now();
    this.#router = null;
    this.#audioLevelObserver = null;
    // mediasoup has closed every transport, producer and consumer of the router; drop them from the books.
    for (const peer of this.#peers.values()) peer.closeMedia();
    this.#log.error({ workerPid: oldWorkerPid }, 'media worker of the room died; moving the room');
    void this.#recreateRouter(oldWorkerPid, diedAt);
  }

  /** Recreates the router on a live worker, waiting for the pool's replacement if none is live. */
  async #recreateRouter(oldWorkerPid: number, diedAt: number): Promise<void> {
    while (!this.#closed) {
      if (this.#pool.closed) {
        this.close('serverShutdown');
        return;
      }
      let worker: mediasoup.Worker;
      try {
        worker = this.#pool.pick();
      } catch {
        await this.#nextWorker();
        continue;
      }
      try {
        await this.#setUpRouter(worker);
        break;
      } catch (err) {
        if (this.#closed) return;
        // The picked worker died too, or is dying: try the next one.
        this.#log.warn({ err: (err as Error).message, workerPid: worker.pid }, 'could not recreate the router');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    if (this.#closed) return;
    const workerPid = this.workerPid ?? 0;
    const elapsedMs = Date.now() - diedAt;
    this.#log.warn({ oldWorkerPid, workerPid, elapsedMs }, 'room moved to a live worker; peers told to reconnect');
    // Peers waiting in their grace period get nothing: they set everything up again when they rejoin.
    this.#broadcast({ notification: 'reconnect', data: { reason: 'mediaServerRestarted' } });
    this.emit('routerRecreated', { oldWorkerPid, workerPid, elapsedMs });
  }

  /** Resolves when the pool replaced a worker, the pool closed, or the room closed. */
  async #nextWorker(): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#pool.off('workerReplaced', done);
        this.#pool.off('closed', done);
        this.off('closed', done);
        resolve();
      };
      this.#pool.once('workerReplaced', done);
      this.#pool.once('closed', done);
      this.once('closed', done);
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Requests

  async #join(peer: Peer, data: SfuRequestOf<'join'>['data']): Promise<HandledRequest<'join'>> {
    await this.#liveRouter();
    if (!peer.joined && this.joinedPeers.length >= this.#settings.capacity) {
      // CONFLICT, not FORBIDDEN: the user may join this consult; the room's current state is what prevents it,
      // and a seat may free up. The client shows "room full" instead of an access error.
      throw new AppError('CONFLICT', 'the room is full', { reason: 'roomFull', capacity: this.#settings.capacity });
    }
    const { rejoined } = peer.join(data.rtpCapabilities, data.tileHeight);
    if (!rejoined) {
      this.#broadcast({ notification: 'peerJoined', data: peer.info }, peer);
      this.#log.info({ userId: peer.userId, joined: this.joinedPeers.length }, 'peer joined');
    } else {
      this.#log.info({ userId: peer.userId }, 'peer rejoined');
    }
    const peers = this.joinedPeers.filter((p) => p !== peer).map((p) => p.info);
    return { data: { peerId: peer.id, peers, rejoined } };
  }

  async #createWebRtcTransport(
    peer: Peer,
    { direction }: SfuRequestOf<'createWebRtcTransport'>['data'],
  ): Promise<HandledRequest<'createWebRtcTransport'>> {
    const router = await this.#liveRouter();
    const transport = await media(
      router.createWebRtcTransport({
        listenIps: [this.#settings.listenIp],
        enableUdp: true,
        enableTcp: this.#settings.enableTcp,
        preferUdp: true,
        initialAvailableOutgoingBitrate: this.#settings.initialAvailableOutgoingBitrate,
        appData: { peerId: peer.id, direction },
      }),
    );
    try {
      if (direction === 'send') await media(transport.setMaxIncomingBitrate(this.#settings.maxIncomingBitrate));
      this.#adopt(peer, transport, 'webrtc', direction);
    } catch (err) {
      transport.close();
      throw err;
    }
    let interrupted = false;
    transport.on('icestatechange', (iceState: mediasoup.IceState) => {
      if (iceState === 'disconnected') {
        interrupted = true;
        this.#log.info({ peerId: peer.id, direction }, 'transport ICE disconnected');
      } else if (interrupted && (iceState === 'connected' || iceState === 'completed')) {
        interrupted = false;
        // Decoders lost their reference frames during the cut: ask the senders for a keyframe now rather than wait
        // for each browser's own request.
        for (const consumer of picturesToRefresh(this.joinedPeers, peer, direction)) {
          consumer.requestKeyFrame().catch(() => undefined);
        }
      }
      peer.notify({
        notification: 'transportStateChanged',
        data: { transportId: transport.id, iceState, dtlsState: transport.dtlsState },
      });
    });
    transport.on('dtlsstatechange', (dtlsState: mediasoup.DtlsState) => {
      if (dtlsState !== 'failed' && dtlsState !== 'closed') return;
      this.#log.warn({ peerId: peer.id, direction, dtlsState }, 'transport DTLS ended');
      peer.notify({
        notification: 'transportStateChanged',
        data: { transportId: transport.id, iceState: transport.iceState, dtlsState },
      });
    });
    return {
      data: {
        transportId: transport.id,
        direction,
        iceParameters: transport.iceParameters,
        iceCandidates: transport.iceCandidates,
        dtlsParameters: transport.dtlsParameters,
      },
      followUp: direction === 'recv' ? () => this.#consumeAllFor(peer) : undefined,
    };
  }

  async #connectWebRtcTransport(
    peer: Peer,
    { transportId, dtlsParameters }: SfuRequestOf<'connectWebRtcTransport'>['data'],
  ): Promise<HandledRequest<'connectWebRtcTransport'>> {
    const entry = this.#ownTransport(peer, transportId, 'webrtc');
    if (entry.connected) throw new AppError('CONFLICT', 'the transport is already connected');
    await media((entry.transport as mediasoup.WebRtcTransport).connect({ dtlsParameters }));
    entry.connected = true;
    return { data: {} };
  }

  async #restartIce(
    peer: Peer,
    { transportId }: SfuRequestOf<'restartIce'>['data'],
  ): Promise<HandledRequest<'restartIce'>> {
    const entry = this.#ownTransport(peer, transportId, 'webrtc');
    const iceParameters = await media((entry.transport as mediasoup.WebRtcTransport).restartIce());
    this.#log.info({ peerId: peer.id, direction: entry.direction }, 'ICE restarted');
    return { data: { iceParameters } };
  }

  async #createPlainTransport(
    peer: Peer,
    { direction }: SfuRequestOf<'createPlainTransport'>['data'],
  ): Promise<HandledRequest<'createPlainTransport'>> {
    if (!this.#settings.allowPlainTransports) {
      throw new AppError('FORBIDDEN', 'plain RTP transports are disabled on this SFU');
    }
    const router = await this.#liveRouter();
    // Sending tools (ffmpeg) are told where to send and learn nothing back: comedia makes mediasoup take the
    // source address of the first packet. RTCP on its own port, as ffmpeg's RTP muxer sends it.
    const transport = await media(
      router.createPlainTransport({
        listenIp: this.#settings.listenIp,
        rtcpMux: false,
        comedia: direction === 'send',
        appData: { peerId: peer.id, direction },
      }),
    );
    try {
      this.#adopt(peer, transport, 'plain', direction);
    } catch (err) {
      transport.close();
      throw err;
    }
    return {
      data: {
        transportId: transport.id,
        direction,
        ip: this.#settings.listenIp.announcedIp ?? transport.tuple.localIp,
        port: transport.tuple.localPort,
        ...(transport.rtcpTuple ? { rtcpPort: transport.rtcpTuple.localPort } : {}),
      },
      followUp: direction === 'recv' ? () => this.#consumeAllFor(peer) : undefined,
    };
  }

  async #connectPlainTransport(
    peer: Peer,
    { transportId, ip, port, rtcpPort }: SfuRequestOf<'connectPlainTransport'>['data'],
  ): Promise<HandledRequest<'connectPlainTransport'>> {
    const entry = this.#ownTransport(peer, transportId, 'plain');
    if (entry.direction !== 'recv') {
      throw new AppError('CONFLICT', 'a sending plain transport learns its remote address from the first packet');
    }
    if (entry.connected) throw new AppError('CONFLICT', 'the transport is already connected');
    await media((entry.transport as mediasoup.PlainTransport).connect({ ip, port, ...(rtcpPort ? { rtcpPort } : {}) }));
    entry.connected = true;
    return { data: {} };
  }

  async #produce(peer: Peer, data: SfuRequestOf<'produce'>['data']): Promise<HandledRequest<'produce'>> {
    const { transportId, kind, rtpParameters } = data;
    const { source } = data.appData;
    const entry = this.#ownTransport(peer, transportId);
    if (entry.direction !== 'send') throw new AppError('CONFLICT', 'produce on a send transport');
    if (KIND_OF_SOURCE[source] !== kind) {
      throw new AppError('VALIDATION_FAILED', `a ${source} producer must be ${KIND_OF_SOURCE[source]}`, [
        { path: 'data.kind', code: 'invalid_value', message: `expected ${KIND_OF_SOURCE[source]}` },
      ]);
    }
    if (peer.producerOfSource(source)) {
      throw new AppError('CONFLICT', `the peer already produces its ${source}; close that producer first`);
    }
    const appData: ProducerAppData = { peerId: peer.id, source };
    const producer = await media(entry.transport.produce({ kind, rtpParameters, appData }));
    if (peer.closed || entry.transport.closed) {
      producer.close();
      throw new AppError('UNAVAILABLE', 'the transport closed meanwhile');
    }
    peer.addProducer(producer);
    if (kind === 'audio' && this.#audioLevelObserver) {
      try {
        await this.#audioLevelObserver.addProducer({ producerId: producer.id });
      } catch (err) {
        // Active speaker detection is a nicety; the audio itself flows without it.
        this.#log.warn({ err: (err as Error).message }, 'could not observe the audio level of a producer');
      }
    }
    this.#log.info({ peerId: peer.id, source, type: producer.type }, 'producer created');
    return {
      data: { producerId: producer.id },
      followUp: async () => {
        await Promise.all(this.joinedPeers.filter((p) => p !== peer).map((p) => this.#consume(p, peer, producer)));
      },
    };
  }

  async #setPreferredLayers(
    peer: Peer,
    { consumerId, spatialLayer, temporalLayer }: SfuRequestOf<'setPreferredLayers'>['data'],
  ): Promise<HandledRequest<'setPreferredLayers'>> {
    const consumer = this.#ownConsumer(peer, consumerId);
    // A simple consumer (audio, screen share) has one layer; there is nothing to prefer.
    if (consumer.type === 'simple') return { data: {} };
    await media(
      consumer.setPreferredLayers({ spatialLayer, ...(temporalLayer !== undefined ? { temporalLayer } : {}) }),
    );
    return { data: {} };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Consumers

  /** Consumes, for a peer that just got a receiving transport, every producer of the other joined peers. */
  async #consumeAllFor(peer: Peer): Promise<void> {
    const work: Promise<void>[] = [];
    for (const other of this.joinedPeers) {
      if (other === peer) continue;
      for (const producer of other.producers) work.push(this.#consume(peer, other, producer));
    }
    await Promise.all(work);
  }

  /**
   * Creates, paused, `consumer`'s consumer of `producer` on its receiving transport and tells it with newConsumer.
   * Without a receiving transport yet, nothing happens: creating one consumes everything. Failures are reported to
   * the consuming peer as an error notification, never thrown: the producing peer's request succeeded.
   */
  async #consume(consumer: Peer, producerPeer: Peer, producer: mediasoup.Producer): Promise<void> {
    const recv = consumer.recvTransport();
    const rtpCapabilities = consumer.rtpCapabilities;
    const router = this.#router;
    if (!recv || !rtpCapabilities || !router || producer.closed || consumer.closed) return;
    if (!consumer.beginConsuming(producer.id)) return;
    try {
      if (!router.canConsume({ producerId: producer.id, rtpCapabilities })) {
        consumer.notify({
          notification: 'error',
          data: { code: 'UNPROCESSABLE', message: 'your device cannot receive a stream of this room' },
        });
        return;
      }
      const { source } = producer.appData as ProducerAppData;
      const layers =
        producer.type === 'simulcast' && consumer.tileHeight !== undefined
          ? {
              spatialLayer: Math.min(
                spatialLayerForTileHeight(consumer.tileHeight),
                (producer.rtpParameters.encodings?.length ?? 1) - 1,
              ),
            }
          : undefined;
      const appData: ConsumerAppData = { peerId: consumer.id, producerPeerId: producerPeer.id, source };
      const created = await recv.transport.consume({
        producerId: producer.id,
        rtpCapabilities,
        // Paused until the client has its side ready: the first packets it gets are then a fresh keyframe.
        paused: true,
        ...(layers ? { preferredLayers: layers } : {}),
        appData,
      });
      if (consumer.closed || recv.transport.closed) {
        created.close();
        return;
      }
      consumer.addConsumer(created);
      created.on('producerclose', () => {
        consumer.notify({ notification: 'consumerClosed', data: { consumerId: created.id } });
      });
      created.on('producerpause', () => {
        consumer.notify({ notification: 'producerPaused', data: { consumerId: created.id, producerId: producer.id } });
      });
      created.on('producerresume', () => {
        consumer.notify({
          notification: 'producerResumed',
          data: { consumerId: created.id, producerId: producer.id },
        });
      });
      created.on('layerschange', (changed?: mediasoup.ConsumerLayers) => {
        consumer.notify({
          notification: 'consumerLayersChanged',
          data: { consumerId: created.id, layers: changed ? layersOf(changed) : null },
        });
      });
      consumer.notify({
        notification: 'newConsumer',
        data: {
          peerId: producerPeer.id,
          producerId: producer.id,
          consumerId: created.id,
          kind: created.kind,
          source,
          rtpParameters: created.rtpParameters as SfuRtpParameters,
          type: created.type,
          paused: created.paused,
          producerPaused: created.producerPaused,
        },
      });
    } catch (err) {
      if (producer.closed || consumer.closed) return;
      this.#log.warn({ err: (err as Error).message, peerId: consumer.id }, 'could not create a consumer');
      consumer.notify({
        notification: 'error',
        data: { code: 'INTERNAL', message: 'a stream of the room could not be forwarded to you' },
      });
    } finally {
      consumer.endConsuming(producer.id);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Quality stats

  async #sendQualityStats(): Promise<void> {
    // getStats() is a round trip to the worker per object; a slow tick must not pile up behind the next one.
    if (this.#statsRunning || this.#closed || !this.#router) return;
    this.#statsRunning = true;
    try {
      const joined = this.joinedPeers;
      if (!joined.some((p) => p.connected)) return;
      const all = await Promise.all(joined.map((peer) => this.#statsOf(peer)));
      for (const stats of all) this.#broadcast({ notification: 'qualityStats', data: stats });
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'quality stats failed');
    } finally {
      this.#statsRunning = false;
    }
  }

  async #statsOf(peer: Peer): Promise<QualityStats> {
    const [transports, producers, consumers] = await Promise.all([
      Promise.all(peer.transports.map((t) => transportStats(t))),
      Promise.all(peer.producers.map((p) => producerStats(p))),
      Promise.all(peer.consumers.map((c) => consumerStats(c))),
    ]);
    return {
      peerId: peer.id,
      transports: transports.filter((s) => s !== null),
      producers: producers.filter((s) => s !== null),
      consumers: consumers.filter((s) => s !== null),
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Helpers

  /** Adds a new transport to the peer, unless the peer closed while it was being created. */
  #adopt(peer: Peer, transport: PeerTransport['transport'], kind: PeerTransport['kind'], direction: 'send' | 'recv') {
    if (peer.closed) throw new AppError('UNAVAILABLE', 'the peer is closed');
    peer.addTransport(transport, kind, direction);
  }

  #ownTransport(peer: Peer, transportId: string, kind?: PeerTransport['kind']): PeerTransport {
    const entry = peer.transport(transportId);
    if (!entry || entry.transport.closed || (kind && entry.kind !== kind)) {
      throw new AppError('NOT_FOUND', 'no such transport');
    }
    return entry;
  }

  #ownProducer(peer: Peer, producerId: string): mediasoup.Producer {
    const producer = peer.producer(producerId);
    if (!producer || producer.closed) throw new AppError('NOT_FOUND', 'no such producer');
    return producer;
  }

  #ownConsumer(peer: Peer, consumerId: string): mediasoup.Consumer {
    const consumer = peer.consumer(consumerId);
    if (!consumer || consumer.closed) throw new AppError('NOT_FOUND', 'no such consumer');
    return consumer;
  }

  /** Sends a notification to every joined peer, except `except`. */
  #broadcast(notification: SfuNotification, except?: Peer): void {
    for (const peer of this.#peers.values()) if (peer !== except && peer.joined) peer.notify(notification);
  }

  #onPeerClosed(peer: Peer): void {
    if (this.#peers.get(peer.userId) !== peer) return;
    this.#peers.delete(peer.userId);
    if (this.#closed) return;
    if (peer.joined) {
      this.#broadcast({ notification: 'peerLeft', data: { peerId: peer.id } });
      this.#log.info({ userId: peer.userId, joined: this.joinedPeers.length }, 'peer left');
    }
    if (this.#peers.size === 0) this.close();
  }
}

type SfuRtpParameters = Extract<SfuNotification, { notification: 'newConsumer' }>['data']['rtpParameters'];

function layersOf(layers: mediasoup.ConsumerLayers) {
  return {
    spatialLayer: layers.spatialLayer,
    ...(layers.temporalLayer !== undefined ? { temporalLayer: layers.temporalLayer } : {}),
  };
}

/** A stats call on an object that closed meanwhile rejects; such an object is left out of that round. */
async function settle<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch {
    return null;
  }
}

type TransportStats = QualityStats['transports'][number];

async function transportStats({ transport, direction }: PeerTransport): Promise<TransportStats | null> {
  if (transport.closed) return null;
  type Stat = mediasoup.WebRtcTransportStat | mediasoup.PlainTransportStat;
  const all = await settle<Stat[]>(() => transport.getStats());
  const stats = all?.[0] as (Partial<mediasoup.WebRtcTransportStat> & mediasoup.PlainTransportStat) | undefined;
  if (!stats) return null;
  return {
    transportId: transport.id,
    direction,
    // A plain transport has neither ICE nor DTLS.
    iceState: stats.iceState ?? 'none',
    dtlsState: stats.dtlsState ?? 'none',
    sendBitrate: stats.sendBitrate,
    recvBitrate: stats.recvBitrate,
    ...(stats.availableOutgoingBitrate !== undefined
      ? { availableOutgoingBitrate: stats.availableOutgoingBitrate }
      : {}),
  };
}

async function producerStats(producer: mediasoup.Producer): Promise<QualityStats['producers'][number] | null> {
  if (producer.closed) return null;
  const stats = await settle(() => producer.getStats());
  if (!stats) return null;
  const { source } = producer.appData as ProducerAppData;
  return {
    producerId: producer.id,
    source,
    kind: producer.kind,
    paused: producer.paused,
    // The best encoding: a simulcast sender short of bandwidth stops its top layer, which is no fault of the link.
    score: Math.max(0, ...producer.score.map((s) => s.score)),
    bitrate: sum(stats.map((s) => s.bitrate)),
    packetsLost: sum(stats.map((s) => s.packetsLost)),
    fractionLost: Math.max(0, ...stats.map((s) => s.fractionLost)),
    jitter: Math.max(0, ...stats.map((s) => s.jitter ?? 0)),
  };
}

async function consumerStats(consumer: mediasoup.Consumer): Promise<QualityStats['consumers'][number] | null> {
  if (consumer.closed) return null;
  const stats = await settle(() => consumer.getStats());
  // The first entry is what the SFU sends (outbound-rtp); the others describe the producer's side.
  const sent = stats?.find((s) => s.type === 'outbound-rtp');
  if (!sent) return null;
  const current = consumer.currentLayers;
  return {
    consumerId: consumer.id,
    producerId: consumer.producerId,
    score: consumer.score.score,
    producerScore: consumer.score.producerScore,
    bitrate: sent.bitrate,
    packetsLost: sent.packetsLost,
    fractionLost: sent.fractionLost,
    ...(sent.roundTripTime !== undefined ? { roundTripTime: sent.roundTripTime } : {}),
    ...(current ? { currentLayers: layersOf(current) } : {}),
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + (b || 0), 0);
}

/** What `picturesToRefresh()` needs of a peer. */
interface MediaHolder<C> {
  producers: readonly { id: string }[];
  consumers: readonly C[];
}

/**
 * The video consumers whose picture broke while `peer`'s transport was cut: when its sending side comes back, the
 * other peers' consumers of its producers; when its receiving side comes back, its own.
 */
export function picturesToRefresh<C extends { kind: string; producerId: string }>(
  peers: readonly MediaHolder<C>[],
  peer: MediaHolder<C>,
  direction: 'send' | 'recv',
): C[] {
  if (direction === 'recv') return peer.consumers.filter((c) => c.kind === 'video');
  const produced = new Set(peer.producers.map((p) => p.id));
  return peers
    .filter((other) => other !== peer)
    .flatMap((other) => other.consumers.filter((c) => c.kind === 'video' && produced.has(c.producerId)));
}
