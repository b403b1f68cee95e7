import type { SfuMethod, SfuResponseData } from '@telestroke/shared';
import type { Logger } from 'pino';
import type { WorkerPool } from './WorkerPool';

/** Room settings that are the same for every room of an SFU. */
export interface RoomSettings {
  /** Most peers joined at once; one more is refused with CONFLICT. Default 6. */
  capacity?: number;
  /** Address media transports bind to. Default '127.0.0.1'. */
  listenIp?: string;
  /** Address announced in ICE candidates when the SFU is behind NAT. Default unset: the listen address. */
  announcedIp?: string;
  /**
   * Offer ICE over TCP besides UDP. Hospital firewalls often drop UDP; TCP to the SFU still works where TURN is not
   * deployed. Default true.
   */
  enableTcp?: boolean;
  /**
   * mediasoup's bandwidth estimate towards a peer before it has measured anything, in bits per second. It decides
   * which simulcast layer a new consumer starts on: high enough for the middle layer at once. Default 1000000.
   */
  initialAvailableOutgoingBitrate?: number;
  /** Most a peer may send into its send transport, bits per second; protects the SFU's uplink. Default 3000000. */
  maxIncomingBitrate?: number;
  /** How long a joined peer whose channel dropped keeps its seat and media. Default 10000 ms. */
  reconnectGraceMs?: number;
  /** Period of the qualityStats notifications. Default 2000 ms. */
  statsIntervalMs?: number;
  /** Audio level, in dBov, above which a peer counts as speaking. Default -70. */
  activeSpeakerThreshold?: number;
  /** Period of the active speaker detection. Default 800 ms. */
  activeSpeakerIntervalMs?: number;
  /**
   * Accept createPlainTransport: RTP without ICE/DTLS, for tests and benchmarks that inject media with ffmpeg or
   * GStreamer. Never for production: plain RTP is unencrypted. Default false.
   */
  allowPlainTransports?: boolean;
  /**
   * How long requests wait for the room's media to be back after its worker died, before failing with UNAVAILABLE.
   * Default 5000 ms.
   */
  recoveryWaitMs?: number;
}

export interface RoomOptions extends RoomSettings {
  /** The consult the room is for; one room per consult. Required. */
  consultId: string;
  /** Where the room's router lives, and where it moves when its worker dies. Required. */
  pool: WorkerPool;
  /** Parent logger; the room logs through a child carrying its id. Default: a silent logger. */
  logger?: Logger;
}

export interface RouterRecreatedEvent {
  /** Process id of the worker that died with the previous router. */
  oldWorkerPid: number;
  /** Process id of the worker of the new router. */
  workerPid: number;
  /** From the worker's death to the new router being ready. */
  elapsedMs: number;
}

export interface RoomEvents {
  /** The room's worker died and its router was recreated on a live worker; peers were told to reconnect. */
  routerRecreated: [event: RouterRecreatedEvent];
  /** The room was closed (its last peer left, the consult ended, or the SFU stops); emitted once. */
  closed: [];
}

/** What a request handler returns: the response data, and work to do once the response is on its way. */
export interface HandledRequest<M extends SfuMethod> {
  data: SfuResponseData<M>;
  /**
   * Runs after the response was sent, so that notifications it causes (newConsumer after a recv transport is
   * created, say) reach the client after the response they depend on.
   */
  followUp?: () => Promise<void>;
}

/** Live objects of a room, by its own bookkeeping. */
export interface RoomCounts {
  peers: number;
  joined: number;
  transports: number;
  producers: number;
  consumers: number;
}
