import type { JoinConsultDto, PeerInfo, ProducerSource } from '@telestroke/shared';
import type { Device } from 'mediasoup-client';
import type { QualitySummary } from './quality';
import type { RoomEndReason } from './recovery';

/**
 * - connecting: the first connection and media setup;
 * - connected: joined, transports created and media produced;
 * - reconnecting: the socket dropped, a transport failed or the media server restarted, and the client is setting
 *   everything up again;
 * - closed: for good (left, room closed, replaced by another tab, or room full).
 */
export type RoomConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface RoomClientOptions {
  consultId: string;
  /** Asks the server for a fresh join answer (SFU URL, token, ICE servers): `POST /api/consults/{id}/join`. Required. */
  requestJoin(): Promise<JoinConsultDto>;
  /** A join answer already fetched, used for the first connection. Default: none, requestJoin() is called. */
  join?: JoinConsultDto;
  /** Local tracks sent from the start. Default: none; set them later with setTrack(). */
  tracks?: Partial<Record<ProducerSource, MediaStreamTrack | null>>;
  /** Device-pixel height of the remote video tiles at start, for the first simulcast layer. Default 720. */
  tileHeight?: number;
  /** Longest wait for one signaling answer. Default 10000 ms. */
  requestTimeoutMs?: number;
  /**
   * How long the client keeps trying after the signaling socket dropped before it gives up and closes with 'failed'.
   * Default 120000 ms: a clinician on a poor ward network would rather see "reconnecting…" than lose the call.
   */
  reconnectForMs?: number;
  /** Creates the mediasoup-client Device; for tests. Default `new Device()`. */
  createDevice?: () => Device;
  /** WebSocket constructor; for tests. Default: the global one. */
  WebSocket?: typeof WebSocket;
}

/** One remote stream of a peer. */
export interface RemoteStream {
  consumerId: string;
  track: MediaStreamTrack;
  /** The sender paused it (mic muted, camera off). */
  paused: boolean;
  /** Simulcast layer being forwarded; null for one-layer streams or while none is. */
  spatialLayer: number | null;
}

/** Another participant, as the room UI shows them. */
export interface RemotePeer extends PeerInfo {
  camera: RemoteStream | null;
  microphone: RemoteStream | null;
  screen: RemoteStream | null;
  /** From the SFU's qualityStats of this peer (what they send, what they receive). */
  quality: QualitySummary;
}

export interface LocalMediaState {
  /** Whether a track is set for each source, and whether it is paused (muted). */
  microphone: { track: MediaStreamTrack | null; paused: boolean };
  camera: { track: MediaStreamTrack | null; paused: boolean };
  screen: { track: MediaStreamTrack | null };
}

/** Everything the room UI renders; replaced as a whole on every change, so it can be compared by identity. */
export interface RoomSnapshot {
  state: RoomConnectionState;
  /** This client's peer id in the room; null before the first join. */
  selfPeerId: string | null;
  peers: RemotePeer[];
  /** The peer speaking loudest now (may be this client's own), or null. */
  activeSpeakerId: string | null;
  local: LocalMediaState;
  /** This client's own link, from the SFU's qualityStats. */
  quality: QualitySummary;
  /** Set once closed. */
  endReason: RoomEndReason | null;
  /** Number of recoveries (reconnections, ICE restarts) since the start, for the UI and tests. */
  recoveries: number;
}

export interface RoomClientEvents {
  /** The snapshot changed. */
  change: [snapshot: RoomSnapshot];
  /** The client closed for good; emitted once. */
  closed: [reason: RoomEndReason];
}
