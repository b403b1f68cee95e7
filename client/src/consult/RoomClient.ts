import {
  CAMERA_SIMULCAST_ENCODINGS,
  type DtlsParameters,
  type JoinConsultDto,
  type PeerInfo,
  type ProducerSource,
  type QualityStats,
  type RtpCapabilities,
  type SfuNotification,
  type SfuNotificationOf,
  spatialLayerForTileHeight,
} from '@telestroke/shared';
import { Device, type types as ms } from 'mediasoup-client';
import { ApiError } from '../api/ApiError';
import { Emitter } from '../realtime/Emitter';
import { ConnectError, RoomClosedError, SignalingError } from './errors';
import { toSfuRtpParameters } from './protocol';
import { summariseQuality, type QualitySummary } from './quality';
import { endReasonOf, reconnectDelayMs, type RoomEndReason, shouldReconnect, signalingUrl, tokenUsable } from './recovery';
import type {
  RemotePeer,
  RemoteStream,
  RoomClientEvents,
  RoomClientOptions,
  RoomConnectionState,
  RoomSnapshot,
} from './RoomClientTypes';
import { SignalingChannel } from './SignalingChannel';

export type * from './RoomClientTypes';

/** How long a local transport may stay disconnected after an ICE restart before the media is set up anew. */
const ICE_RESTART_RETRY_MS = 2500;
/** Gives up the ICE restarts of a transport and sets the media up again after this many. */
const MAX_ICE_RESTARTS = 3;
/** A leave request is a courtesy: the socket closes after this long whatever the answer. */
const LEAVE_TIMEOUT_MS = 1500;
/**
 * A joined peer gets the SFU's qualityStats every 2 s: this long without any frame means the socket is dead even if
 * the browser has not said so (a cut network leaves TCP hanging), and the client reconnects rather than wait for the
 * SFU's heartbeat to drop it.
 */
const SIGNAL_SILENCE_MS = 6000;
/** Back online, a socket silent for longer than this (the stats come every 2 s) is not trusted. */
const ONLINE_SILENCE_MS = 2500;
/** An ICE restart is asked for when the link is in doubt: an answer this late means the socket is gone too. */
const RESTART_ICE_TIMEOUT_MS = 3000;
/** Attempts of the first connection before giving up (0.5, 1 s apart): a flaky link at the moment of joining. */
const FIRST_ATTEMPTS = 3;
/** Period of the check that remote media still arrives. */
const WATCHDOG_MS = 500;
/**
 * Media expected but none received for this long counts as a stall: the banner shows and ICE is restarted. Browsers
 * take longer to call a silent link 'disconnected', and the SFU (ICE-lite, mediasoup 3.8) notices only TCP loss.
 * Video sends a frame a second at the very least and audio a packet every 20 ms (400 ms in DTX silence), so 1.5 s of
 * nothing is no lull.
 */
const STALL_MS = 1500;

interface ConsumerEntry {
  consumer: ms.Consumer;
  peerId: string;
  source: ProducerSource;
  paused: boolean;
  spatialLayer: number | null;
  /** Layer last asked with setPreferredLayers, to ask only on changes. */
  preferredLayer: number | null;
}

interface PeerEntry {
  info: PeerInfo;
  quality: QualitySummary;
}

const NO_QUALITY = summariseQuality(undefined);

class StaleSetupError extends Error {
  constructor() {
    super('a newer media setup took over');
    this.name = 'StaleSetupError';
  }
}

/**
 * A consult's call, on the browser side: the signaling socket to the SFU, the mediasoup-client Device, one send and
 * one receive transport, the local producers and the remote consumers. It recovers by itself:
 * - a local transport whose ICE goes disconnected or failed, or that the SFU reports disconnected, gets an ICE
 *   restart (mediasoup 3.8 only notices TCP loss itself, so the browser's own state counts);
 * - a failed DTLS handshake, or the SFU's `reconnect` notification (its media worker restarted), sets the media up
 *   again on the same socket;
 * - a dropped socket is reopened (same user, so the same peer within the SFU's 10 s grace), with the token while it
 *   is valid, else a fresh one from the server, and the media is set up again.
 * It stays closed after the close codes that mean so (replaced, room full, room closed, left).
 *
 * React renders `snapshot`, which is replaced on every change ('change' event).
 */
export class RoomClient extends Emitter<RoomClientEvents> {
  readonly consultId: string;
  readonly #options: RoomClientOptions;
  #join: JoinConsultDto | null;
  #channel: SignalingChannel | null = null;
  #send: ms.Transport | null = null;
  #recv: ms.Transport | null = null;
  #recvReady: { promise: Promise<void>; resolve(): void };
  readonly #producers = new Map<ProducerSource, ms.Producer>();
  /** Producers being created, so that two calls never produce one source twice. */
  readonly #producing = new Map<ProducerSource, Promise<void>>();
  readonly #consumers = new Map<string, ConsumerEntry>();
  #peers = new Map<string, PeerEntry>();
  readonly #tracks: Record<ProducerSource, MediaStreamTrack | null> = { camera: null, microphone: null, screen: null };
  readonly #paused = { camera: false, microphone: false };
  readonly #tileHeights = new Map<string, number>();
  readonly #iceRestarts = new Map<string, { count: number; timer: ReturnType<typeof setTimeout> | null }>();
  /** Bumped by every media setup: async work of an older setup stops at its next step. */
  #generation = 0;
  #state: RoomConnectionState = 'connecting';
  #selfPeerId: string | null = null;
  #activeSpeakerId: string | null = null;
  #quality: QualitySummary = NO_QUALITY;
  #recoveries = 0;
  #endReason: RoomEndReason | null = null;
  #snapshot: RoomSnapshot;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #watchdog: ReturnType<typeof setInterval>;
  #recvBytes = 0;
  #recvAt = Date.now();
  #mediaStalled = false;
  #stallRestart = false;
  #reconnectAttempt = 0;
  #disconnectedSince: number | null = null;
  #closed = false;

  /**
   * Connects, joins and sets the media up. Resolves once the call is up; rejects with RoomClosedError (and closes the
   * client) when the server refused the join, the room is full or closed, or the SFU stayed out of reach over a few
   * attempts (FIRST_ATTEMPTS).
   */
  static async create(options: RoomClientOptions): Promise<RoomClient> {
    const client = new RoomClient(options);
    for (let attempt = 1; ; attempt++) {
      try {
        await client.#attempt();
        return client;
      } catch (err) {
        if (!client.#closed && attempt < FIRST_ATTEMPTS && isTransient(err)) {
          // A socket that dropped mid-setup scheduled its own reconnection: this loop is the one that retries.
          if (client.#reconnectTimer) clearTimeout(client.#reconnectTimer);
          client.#reconnectTimer = null;
          await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 1)));
          if (!client.#closed) continue;
        }
        // The SFU may have closed the socket for good meanwhile (room full): that is the better explanation.
        const reason = client.#endReason ?? (err instanceof ClosedDuringSetup ? err.reason : 'failed');
        client.#finish(reason);
        throw new RoomClosedError(reason, err);
      }
    }
  }

  private constructor(options: RoomClientOptions) {
    super();
    this.consultId = options.consultId;
    this.#options = options;
    this.#join = options.join ?? null;
    for (const source of ['camera', 'microphone', 'screen'] as const) this.#tracks[source] = options.tracks?.[source] ?? null;
    this.#recvReady = deferred();
    this.#snapshot = this.#buildSnapshot();
    this.#watchdog = setInterval(() => void this.#checkMedia(), WATCHDOG_MS);
  }

  get snapshot(): RoomSnapshot {
    return this.#snapshot;
  }

  get state(): RoomConnectionState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** For the UI's "subscribe" of useSyncExternalStore. */
  readonly subscribe = (onChange: () => void): (() => void) => this.on('change', onChange);

  // -------------------------------------------------------------------------------------------------------------
  // Local media

  /**
   * Sets the track sent for a source (a new camera or microphone picked, a screen shared), or stops sending it with
   * null. The caller owns the tracks: the client never stops them.
   */
  async setTrack(source: ProducerSource, track: MediaStreamTrack | null): Promise<void> {
    this.#tracks[source] = track;
    this.#changed();
    const producer = this.#producers.get(source);
    if (producer && !producer.closed) {
      if (track) {
        await producer.replaceTrack({ track });
        if (source !== 'screen' && this.#paused[source]) track.enabled = false;
      } else {
        this.#producers.delete(source);
        producer.close();
        await this.#channel?.request('closeProducer', { producerId: producer.id }).catch(() => undefined);
      }
      this.#changed();
      return;
    }
    if (track && this.#send && this.#state !== 'closed') await this.#produce(source, this.#generation);
  }

  /** Mutes or unmutes the microphone, turns the camera off or on. The others see the stream paused. */
  async setPaused(source: 'camera' | 'microphone', paused: boolean): Promise<void> {
    this.#paused[source] = paused;
    const track = this.#tracks[source];
    if (track) track.enabled = !paused;
    this.#changed();
    const producer = this.#producers.get(source);
    if (!producer || producer.closed || producer.paused === paused) return;
    if (paused) producer.pause();
    else producer.resume();
    await this.#channel
      ?.request(paused ? 'pauseProducer' : 'resumeProducer', { producerId: producer.id })
      .catch(() => undefined);
  }

  /**
   * The device-pixel height of a peer's video tile changed: asks the SFU for the simulcast layer that fits, so a
   * thumbnail never costs the bandwidth of a full-screen picture.
   */
  setTileHeight(peerId: string, heightPx: number): void {
    if (!(heightPx > 0)) return;
    this.#tileHeights.set(peerId, Math.round(heightPx));
    for (const [consumerId, entry] of this.#consumers) {
      if (entry.peerId === peerId && entry.source === 'camera') void this.#preferLayer(consumerId, entry);
    }
  }

  /**
   * The browser says it is back online: reconnects at once if waiting to, and replaces a socket that has been silent
   * for longer than the SFU's stats period (it most likely died with the network) rather than wait to find out.
   */
  retryNow(): void {
    if (this.#closed) return;
    if (this.#reconnectTimer) {
      clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = null;
      this.#reconnectAttempt = 0;
      this.#scheduleReconnect();
      return;
    }
    const channel = this.#channel;
    if (!channel) return;
    if (Date.now() - channel.lastMessageAt > ONLINE_SILENCE_MS) {
      this.#dropChannel(channel);
      return;
    }
    // The socket lived through it: restart ICE now rather than wait for the browser's next connectivity check.
    if (this.#mediaStalled || this.#transportTrouble()) {
      for (const transport of [this.#recv, this.#send]) {
        if (transport && !transport.closed) void this.#askIceRestart(transport, channel, this.#generation);
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Closing

  /** Leaves the room for good: the others see this peer go at once. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    const channel = this.#channel;
    if (channel && !channel.closed) {
      await Promise.race([
        channel.request('leave').catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, LEAVE_TIMEOUT_MS)),
      ]);
    }
    this.#finish('left');
  }

  /** Closes without telling the room (the SFU keeps the seat for its grace period). Idempotent. */
  close(): void {
    this.#finish('left');
  }

  #finish(reason: RoomEndReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#endReason = reason;
    this.#generation++;
    clearInterval(this.#watchdog);
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    const channel = this.#channel;
    this.#channel = null;
    channel?.close(1000, 'left');
    this.#closeMedia();
    this.#peers.clear();
    this.#setState('closed');
    this.emit('closed', reason);
    this.removeAllListeners();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Connection

  /** One connection attempt: a join answer, a socket, the media. Rejects when any step fails. */
  async #attempt(): Promise<void> {
    const generation = ++this.#generation;
    const preloaded = this.#preloadDevice();
    const join = await this.#currentJoin();
    this.#check(generation);
    let channel: SignalingChannel;
    try {
      channel = await SignalingChannel.open(signalingUrl(join.sfuUrl, this.consultId, join.token), {
        requestTimeoutMs: this.#options.requestTimeoutMs ?? 10_000,
        ...(this.#options.WebSocket ? { WebSocket: this.#options.WebSocket } : {}),
      });
    } catch (err) {
      // A refused upgrade looks like any other failure to a browser: the token may be the reason, get a new one.
      this.#join = null;
      throw err;
    }
    if (this.#closed || generation !== this.#generation) {
      channel.close(1000, 'superseded');
      this.#check(generation);
    }
    this.#channel = channel;
    channel.on('notification', (n) => this.#onNotification(channel, n));
    channel.on('close', (code) => this.#onChannelClose(channel, code));
    try {
      await this.#setUpMedia(channel, generation, preloaded);
    } catch (err) {
      if (this.#channel === channel) {
        this.#channel = null;
        channel.close(1000, 'setup failed');
      }
      throw err;
    }
  }

  /** The join answer while its token is usable, else a fresh one from the server. */
  async #currentJoin(): Promise<JoinConsultDto> {
    if (this.#join && tokenUsable(this.#join.expiresAt, Date.now())) return this.#join;
    this.#join = await this.#options.requestJoin();
    return this.#join;
  }

  #onChannelClose(channel: SignalingChannel, code: number): void {
    if (this.#channel !== channel || this.#closed) return;
    this.#channel = null;
    if (!shouldReconnect(code)) {
      this.#finish(endReasonOf(code));
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    this.#setState('reconnecting');
    const now = Date.now();
    this.#disconnectedSince ??= now;
    if (now - this.#disconnectedSince > (this.#options.reconnectForMs ?? 120_000)) {
      this.#finish('failed');
      return;
    }
    const delay = reconnectDelayMs(this.#reconnectAttempt++, Math.random());
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.#attempt().then(
        () => {
          this.#reconnectAttempt = 0;
          this.#disconnectedSince = null;
          this.#recoveries++;
          this.#changed();
        },
        (err: unknown) => {
          if (this.#closed || err instanceof StaleSetupError) return;
          if (err instanceof ClosedDuringSetup) return this.#finish(err.reason);
          // The server refusing the join (consult ended, access withdrawn) will not change by retrying.
          if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
            return this.#finish(err.code === 'CONSULT_STATE' ? 'roomClosed' : 'failed');
          }
          if (!(err instanceof ConnectError || err instanceof SignalingError || err instanceof ApiError)) {
            console.warn('room: reconnection attempt failed', err);
          }
          this.#scheduleReconnect();
        },
      );
    }, delay);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Media setup

  /**
   * Sets the media up from scratch on `channel`: router capabilities, join (a rejoin makes the SFU close this peer's
   * previous media), the receive transport first (consumers of the others' streams follow at once), then the send
   * transport and the producers. With a device `preloaded` from the capabilities of an earlier join, the requests go
   * out in one burst (the SFU executes them in order) instead of one round trip each; should the router's capabilities
   * have changed meanwhile, the setup starts again with the right ones.
   */
  async #setUpMedia(channel: SignalingChannel, generation: number, preloaded?: Promise<PreloadedDevice | null>): Promise<void> {
    this.#closeMedia();
    const capsRequest = channel.request('getRouterRtpCapabilities');
    const tileHeight = this.#options.tileHeight ?? 720;
    const burst = (device: ms.Device) => {
      const requests = {
        joined: channel.request('join', { rtpCapabilities: device.rtpCapabilities as unknown as RtpCapabilities, tileHeight }),
        recvInfo: channel.request('createWebRtcTransport', { direction: 'recv' }),
        sendInfo: channel.request('createWebRtcTransport', { direction: 'send' }),
      };
      // Awaited in order below; a failure of the first makes the others fail too, and only the first is reported.
      for (const p of Object.values(requests)) p.catch(() => undefined);
      return requests;
    };

    const early = preloaded ? await preloaded : null;
    const pipelined = early ? burst(early.device) : null;
    capsRequest.catch(() => undefined);
    const { rtpCapabilities } = await capsRequest;
    this.#check(generation);
    const capsJson = JSON.stringify(rtpCapabilities);
    rememberRouterCapabilities(capsJson);
    let device: ms.Device;
    let requests: ReturnType<typeof burst>;
    if (early && pipelined && early.capsJson === capsJson) {
      device = early.device;
      requests = pipelined;
    } else {
      if (pipelined) {
        // Joined with capabilities of another router configuration: join again from scratch.
        await pipelined.sendInfo.catch(() => undefined);
        this.#check(generation);
      }
      device = this.#options.createDevice?.() ?? new Device();
      await device.load({ routerRtpCapabilities: rtpCapabilities as unknown as ms.RtpCapabilities });
      this.#check(generation);
      requests = burst(device);
    }

    const joined = await requests.joined;
    this.#check(generation);
    this.#selfPeerId = joined.peerId;
    const previous = this.#peers;
    this.#peers = new Map(
      joined.peers.map((info) => [info.peerId, { info, quality: previous.get(info.peerId)?.quality ?? NO_QUALITY }]),
    );
    this.#changed();

    const iceServers = (this.#join?.iceServers ?? []) as RTCIceServer[];
    const recvInfo = await requests.recvInfo;
    this.#check(generation);
    const recv = device.createRecvTransport({
      id: recvInfo.transportId,
      iceParameters: recvInfo.iceParameters,
      iceCandidates: recvInfo.iceCandidates as ms.IceCandidate[],
      dtlsParameters: recvInfo.dtlsParameters as ms.DtlsParameters,
      iceServers,
    });
    this.#wireTransport(recv, channel, generation);
    this.#recv = recv;
    this.#recvReady.resolve();

    const sendInfo = await requests.sendInfo;
    this.#check(generation);
    const send = device.createSendTransport({
      id: sendInfo.transportId,
      iceParameters: sendInfo.iceParameters,
      iceCandidates: sendInfo.iceCandidates as ms.IceCandidate[],
      dtlsParameters: sendInfo.dtlsParameters as ms.DtlsParameters,
      iceServers,
    });
    this.#wireTransport(send, channel, generation);
    send.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      channel
        .request('produce', {
          transportId: send.id,
          kind,
          rtpParameters: toSfuRtpParameters(rtpParameters),
          appData: { source: (appData as { source: ProducerSource }).source },
        })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });
    this.#send = send;

    await Promise.all(
      (['microphone', 'camera', 'screen'] as const).map((source) =>
        this.#tracks[source] ? this.#produce(source, generation) : undefined,
      ),
    );
    this.#check(generation);
    this.#setState(this.#healthy() ? 'connected' : 'reconnecting');
  }

  /**
   * A Device loaded with the router capabilities of the last join, if any, so that loading (which builds a throwaway
   * peer connection) runs while the join answer and the socket are on their way. Never rejects.
   */
  async #preloadDevice(): Promise<PreloadedDevice | null> {
    const capsJson = recalledRouterCapabilities();
    if (!capsJson) return null;
    try {
      const device = this.#options.createDevice?.() ?? new Device();
      await device.load({ routerRtpCapabilities: JSON.parse(capsJson) as ms.RtpCapabilities });
      return { device, capsJson };
    } catch {
      return null;
    }
  }

  #wireTransport(transport: ms.Transport, channel: SignalingChannel, generation: number): void {
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      channel
        .request('connectWebRtcTransport', {
          transportId: transport.id,
          dtlsParameters: dtlsParameters as unknown as DtlsParameters,
        })
        .then(() => callback(), errback);
    });
    transport.on('connectionstatechange', (state) => {
      if (generation !== this.#generation || this.#closed) return;
      if (state === 'disconnected' || state === 'failed') {
        this.#setState('reconnecting');
        void this.#restartIce(transport, channel, generation);
      } else if (state === 'connected') {
        const restarts = this.#iceRestarts.get(transport.id);
        if (restarts?.timer) clearTimeout(restarts.timer);
        if (restarts) {
          this.#iceRestarts.delete(transport.id);
          this.#recoveries++;
        }
        if (this.#channel === channel && this.#healthy() && this.#state === 'reconnecting') {
          this.#setState('connected');
        }
      }
    });
  }

  /** Connected, in the UI's sense: signaling up, transports connected, remote media arriving. */
  #healthy(): boolean {
    return this.#channel !== null && !this.#transportTrouble() && !this.#mediaStalled;
  }

  /**
   * Checks that remote media still arrives. A stall with a live socket is a media path problem (a cut that neither
   * the browser's ICE nor the SFU has noticed yet): the UI says so, and the receive transport's ICE is restarted.
   * Streams the sender paused are not expected to flow.
   */
  async #checkMedia(): Promise<void> {
    const recv = this.#recv;
    const channel = this.#channel;
    if (!recv || recv.closed || !channel || this.#closed) return;
    if (Date.now() - channel.lastMessageAt > SIGNAL_SILENCE_MS) {
      this.#dropChannel(channel);
      return;
    }
    const generation = this.#generation;
    const expecting = [...this.#consumers.values()].some((e) => !e.paused && !e.consumer.paused);
    let bytes = 0;
    try {
      (await recv.getStats()).forEach((s: { type: string; bytesReceived?: number }) => {
        if (s.type === 'inbound-rtp') bytes += s.bytesReceived ?? 0;
      });
    } catch {
      return;
    }
    if (generation !== this.#generation || this.#recv !== recv) return;
    const now = Date.now();
    if (bytes > this.#recvBytes || !expecting) {
      this.#recvBytes = bytes;
      this.#recvAt = now;
      if (this.#mediaStalled) {
        this.#mediaStalled = false;
        this.#recoveries++;
        if (this.#state === 'reconnecting' && this.#healthy()) this.#setState('connected');
        else this.#changed();
      }
      return;
    }
    if (!this.#mediaStalled && now - this.#recvAt > STALL_MS) {
      this.#mediaStalled = true;
      this.#setState('reconnecting');
      void this.#restartIceForStall(recv, channel, generation);
    }
  }

  #transportTrouble(): boolean {
    return [this.#send, this.#recv].some(
      (t) => t !== null && !t.closed && (t.connectionState === 'disconnected' || t.connectionState === 'failed'),
    );
  }

  /**
   * New ICE credentials from the SFU for a transport that lost its connectivity, retried every few seconds while it
   * stays disconnected; after a few vain attempts the media is set up again from scratch.
   */
  async #restartIce(transport: ms.Transport, channel: SignalingChannel, generation: number): Promise<void> {
    const entry = this.#iceRestarts.get(transport.id) ?? { count: 0, timer: null };
    if (entry.timer) return;
    this.#iceRestarts.set(transport.id, entry);
    const stillBroken = () =>
      generation === this.#generation &&
      !transport.closed &&
      (transport.connectionState === 'disconnected' || transport.connectionState === 'failed');
    if (entry.count >= MAX_ICE_RESTARTS) {
      this.#iceRestarts.delete(transport.id);
      if (this.#channel === channel) void this.#resync(channel);
      return;
    }
    entry.count++;
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (stillBroken()) void this.#restartIce(transport, channel, generation);
    }, ICE_RESTART_RETRY_MS);
    if (channel.closed) return;
    try {
      const { iceParameters } = await channel.request(
        'restartIce',
        { transportId: transport.id },
        RESTART_ICE_TIMEOUT_MS,
      );
      if (generation !== this.#generation || transport.closed) return;
      await transport.restartIce({ iceParameters });
    } catch (err) {
      // Retried by the timer while the transport stays disconnected; a socket that no longer answers is replaced.
      if (err instanceof SignalingError && err.code === 'TIMEOUT') this.#dropChannel(channel);
    }
  }

  /**
   * One ICE restart for a stall of the remote media. It is not counted towards setting the media up again: the stall
   * may well be the other participant's network, which nothing on this side repairs.
   */
  async #restartIceForStall(transport: ms.Transport, channel: SignalingChannel, generation: number): Promise<void> {
    if (this.#stallRestart) return;
    this.#stallRestart = true;
    try {
      await this.#askIceRestart(transport, channel, generation);
    } finally {
      this.#stallRestart = false;
    }
  }

  /** New ICE credentials from the SFU, passed to the transport; a socket that does not answer in time is replaced. */
  async #askIceRestart(transport: ms.Transport, channel: SignalingChannel, generation: number): Promise<void> {
    if (channel.closed) return;
    try {
      const { iceParameters } = await channel.request(
        'restartIce',
        { transportId: transport.id },
        RESTART_ICE_TIMEOUT_MS,
      );
      if (generation === this.#generation && !transport.closed) await transport.restartIce({ iceParameters });
    } catch (err) {
      if (err instanceof SignalingError && err.code === 'TIMEOUT') this.#dropChannel(channel);
    }
  }

  /** Gives up a socket that stopped answering, and reconnects (the SFU replaces it by the new one, same peer). */
  #dropChannel(channel: SignalingChannel): void {
    if (this.#channel !== channel || this.#closed) return;
    this.#channel = null;
    channel.close(1000, 'unresponsive');
    this.#scheduleReconnect();
  }

  /** Sets the media up again on the same socket (the SFU's media worker restarted, or DTLS failed). */
  async #resync(channel: SignalingChannel): Promise<void> {
    if (this.#closed || this.#channel !== channel) return;
    const generation = ++this.#generation;
    this.#setState('reconnecting');
    try {
      await this.#setUpMedia(channel, generation, this.#preloadDevice());
      this.#recoveries++;
      this.#changed();
    } catch (err) {
      if (err instanceof StaleSetupError || this.#closed || this.#channel !== channel) return;
      console.warn('room: media setup failed; reconnecting', err);
      this.#channel = null;
      channel.close(1000, 'setup failed');
      this.#scheduleReconnect();
    }
  }

  async #produce(source: ProducerSource, generation: number): Promise<void> {
    const running = this.#producing.get(source);
    if (running) return running;
    const work = (async () => {
      const send = this.#send;
      const track = this.#tracks[source];
      if (!send || !track || this.#producers.has(source)) return;
      const common = { track, stopTracks: false, appData: { source } };
      let producer: ms.Producer;
      if (source === 'camera') {
        producer = await send.produce({
          ...common,
          encodings: CAMERA_SIMULCAST_ENCODINGS.map((e) => ({ ...e })),
          codecOptions: { videoGoogleStartBitrate: 1000 },
        });
      } else if (source === 'screen') {
        // One layer, sharp text: a screen share is read, not watched.
        producer = await send.produce({ ...common, encodings: [{ maxBitrate: 1_500_000 }] });
      } else {
        producer = await send.produce({ ...common, codecOptions: { opusFec: true, opusDtx: true } });
      }
      if (generation !== this.#generation || this.#closed || this.#tracks[source] === null) {
        producer.close();
        if (generation === this.#generation) {
          await this.#channel?.request('closeProducer', { producerId: producer.id }).catch(() => undefined);
        }
        return;
      }
      this.#producers.set(source, producer);
      producer.on('trackended', () => {
        // A camera unplugged, a screen share stopped from the browser's own bar.
        if (this.#tracks[source]?.readyState === 'ended') void this.setTrack(source, null);
      });
      if (source !== 'screen' && this.#paused[source]) {
        producer.pause();
        await this.#channel?.request('pauseProducer', { producerId: producer.id }).catch(() => undefined);
      }
      this.#changed();
    })();
    this.#producing.set(source, work);
    try {
      await work;
    } finally {
      this.#producing.delete(source);
    }
  }

  /** Closes the local transports, and with them the producers and consumers, without telling the SFU. */
  #closeMedia(): void {
    for (const entry of this.#iceRestarts.values()) if (entry.timer) clearTimeout(entry.timer);
    this.#iceRestarts.clear();
    for (const { consumer } of this.#consumers.values()) consumer.close();
    this.#consumers.clear();
    for (const producer of this.#producers.values()) producer.close();
    this.#producers.clear();
    this.#send?.close();
    this.#recv?.close();
    this.#send = null;
    this.#recv = null;
    this.#recvReady = deferred();
    this.#recvBytes = 0;
    this.#recvAt = Date.now();
    this.#mediaStalled = false;
  }

  #check(generation: number): void {
    if (this.#closed) throw new ClosedDuringSetup(this.#endReason ?? 'left');
    if (generation !== this.#generation) throw new StaleSetupError();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Notifications

  #onNotification(channel: SignalingChannel, n: SfuNotification): void {
    if (this.#channel !== channel || this.#closed) return;
    switch (n.notification) {
      case 'peerJoined':
        this.#peers.set(n.data.peerId, { info: n.data, quality: NO_QUALITY });
        break;
      case 'peerLeft':
        this.#peers.delete(n.data.peerId);
        for (const [id, entry] of this.#consumers) {
          if (entry.peerId === n.data.peerId) this.#dropConsumer(id);
        }
        if (this.#activeSpeakerId === n.data.peerId) this.#activeSpeakerId = null;
        break;
      case 'newConsumer':
        void this.#onNewConsumer(channel, n.data);
        return;
      case 'consumerClosed':
        this.#dropConsumer(n.data.consumerId);
        break;
      case 'producerPaused':
      case 'producerResumed': {
        const entry = this.#consumers.get(n.data.consumerId);
        if (!entry) return;
        entry.paused = n.notification === 'producerPaused';
        break;
      }
      case 'consumerLayersChanged': {
        const entry = this.#consumers.get(n.data.consumerId);
        if (!entry) return;
        entry.spatialLayer = n.data.layers?.spatialLayer ?? null;
        break;
      }
      case 'activeSpeaker':
        if (this.#activeSpeakerId === n.data.peerId) return;
        this.#activeSpeakerId = n.data.peerId;
        break;
      case 'qualityStats':
        this.#onQualityStats(n.data);
        break;
      case 'transportStateChanged':
        this.#onTransportStateChanged(channel, n.data);
        return;
      case 'reconnect':
        void this.#resync(channel);
        return;
      case 'roomClosed':
        // The SFU closes the socket with ROOM_CLOSED right after; nothing to wait for.
        this.#finish('roomClosed');
        return;
      case 'error':
        console.warn('room: the SFU reported a problem', n.data.code, n.data.message);
        return;
    }
    this.#changed();
  }

  async #onNewConsumer(channel: SignalingChannel, data: SfuNotificationOf<'newConsumer'>['data']): Promise<void> {
    const generation = this.#generation;
    await this.#recvReady.promise;
    const recv = this.#recv;
    if (generation !== this.#generation || this.#closed || !recv) return;
    let consumer: ms.Consumer;
    try {
      consumer = await recv.consume({
        id: data.consumerId,
        producerId: data.producerId,
        kind: data.kind,
        rtpParameters: data.rtpParameters as unknown as ms.RtpParameters,
        // Camera and microphone of one peer share a stream, so the browser keeps lips and voice in sync.
        streamId: data.source === 'screen' ? `${data.peerId}-screen` : data.peerId,
        appData: { peerId: data.peerId, source: data.source },
      });
    } catch (err) {
      console.warn('room: could not receive a stream', err);
      return;
    }
    if (generation !== this.#generation || this.#closed) {
      consumer.close();
      return;
    }
    const entry: ConsumerEntry = {
      consumer,
      peerId: data.peerId,
      source: data.source,
      paused: data.producerPaused,
      spatialLayer: null,
      preferredLayer: null,
    };
    this.#consumers.set(consumer.id, entry);
    this.#changed();
    try {
      await channel.request('resumeConsumer', { consumerId: consumer.id });
    } catch {
      return;
    }
    if (data.type === 'simulcast') await this.#preferLayer(consumer.id, entry);
  }

  async #preferLayer(consumerId: string, entry: ConsumerEntry): Promise<void> {
    const height = this.#tileHeights.get(entry.peerId);
    const channel = this.#channel;
    if (height === undefined || !channel || entry.consumer.closed) return;
    const layer = spatialLayerForTileHeight(height);
    if (layer === entry.preferredLayer) return;
    entry.preferredLayer = layer;
    await channel.request('setPreferredLayers', { consumerId, spatialLayer: layer }).catch(() => {
      entry.preferredLayer = null;
    });
  }

  #dropConsumer(consumerId: string): void {
    const entry = this.#consumers.get(consumerId);
    if (!entry) return;
    this.#consumers.delete(consumerId);
    entry.consumer.close();
  }

  #onQualityStats(stats: QualityStats): void {
    const summary = summariseQuality(stats);
    if (stats.peerId === this.#selfPeerId) {
      this.#quality = summary;
      return;
    }
    const peer = this.#peers.get(stats.peerId);
    if (peer) peer.quality = summary;
  }

  #onTransportStateChanged(
    channel: SignalingChannel,
    data: SfuNotificationOf<'transportStateChanged'>['data'],
  ): void {
    const transport = [this.#send, this.#recv].find((t) => t?.id === data.transportId);
    if (!transport) return;
    if (data.dtlsState === 'failed' || data.dtlsState === 'closed') {
      void this.#resync(channel);
    } else if (data.iceState === 'disconnected') {
      this.#setState('reconnecting');
      void this.#restartIce(transport, channel, this.#generation);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Snapshot

  #setState(state: RoomConnectionState): void {
    if (this.#state === state) return;
    if (this.#state === 'closed') return;
    this.#state = state;
    this.#changed();
  }

  #changed(): void {
    this.#snapshot = this.#buildSnapshot();
    this.emit('change', this.#snapshot);
  }

  #buildSnapshot(): RoomSnapshot {
    const streams = new Map<string, Partial<Record<ProducerSource, RemoteStream>>>();
    for (const [consumerId, entry] of this.#consumers) {
      const byPeer = streams.get(entry.peerId) ?? {};
      byPeer[entry.source] = {
        consumerId,
        track: entry.consumer.track,
        paused: entry.paused,
        spatialLayer: entry.spatialLayer,
      };
      streams.set(entry.peerId, byPeer);
    }
    const peers: RemotePeer[] = [...this.#peers.values()].map(({ info, quality }) => {
      const s = streams.get(info.peerId) ?? {};
      return {
        ...info,
        camera: s.camera ?? null,
        microphone: s.microphone ?? null,
        screen: s.screen ?? null,
        quality,
      };
    });
    return {
      state: this.#state,
      selfPeerId: this.#selfPeerId,
      peers,
      activeSpeakerId: this.#activeSpeakerId,
      local: {
        microphone: { track: this.#tracks.microphone, paused: this.#paused.microphone },
        camera: { track: this.#tracks.camera, paused: this.#paused.camera },
        screen: { track: this.#tracks.screen },
      },
      quality: this.#quality,
      endReason: this.#endReason,
      recoveries: this.#recoveries,
    };
  }
}

/** The client was closed (left, or the SFU closed it for good) while a setup ran. */
class ClosedDuringSetup extends Error {
  constructor(readonly reason: RoomEndReason) {
    super(`the room client closed (${reason})`);
    this.name = 'ClosedDuringSetup';
  }
}

/** A failure that trying again may cure: no answer, a dropped socket, a server error. */
function isTransient(err: unknown): boolean {
  if (err instanceof ConnectError) return true;
  if (err instanceof SignalingError) return err.code === 'CLOSED' || err.code === 'TIMEOUT' || err.code === 'UNAVAILABLE';
  if (err instanceof ApiError) return err.code === 'NETWORK' || err.status >= 500 || err.status === 429;
  return false;
}

interface PreloadedDevice {
  device: ms.Device;
  /** The router capabilities it was loaded with, as JSON. */
  capsJson: string;
}

/** Router capabilities are a codec list, the same for every room of an SFU: kept for the next join, even after a reload. */
const ROUTER_CAPS_KEY = 'telestroke.sfu.routerRtpCapabilities';
let routerCapsJson: string | null = null;

function rememberRouterCapabilities(json: string): void {
  routerCapsJson = json;
  try {
    globalThis.localStorage?.setItem(ROUTER_CAPS_KEY, json);
  } catch {
    // Private browsing: kept for this page only.
  }
}

function recalledRouterCapabilities(): string | null {
  if (routerCapsJson) return routerCapsJson;
  try {
    return globalThis.localStorage?.getItem(ROUTER_CAPS_KEY) ?? null;
  } catch {
    return null;
  }
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
