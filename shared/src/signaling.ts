/**
 * The SFU's signaling protocol, over the WebSocket `/ws?consultId=…&token=…`. Three kinds of JSON text frames:
 *
 * - client → SFU requests `{ id, method, data }`, answered exactly once;
 * - SFU → client responses `{ id, ok: true, data }` or `{ id, ok: false, error: { code, message, details? } }`;
 * - SFU → client notifications `{ notification, data }`, never answered.
 *
 * The SFU validates every request with these schemas (`.strict()`: unknown keys are refused) before acting on it.
 * The client may validate what it receives with the same schemas. Chat is not here: it goes through the server's
 * API, where it is persisted and audited with the consult.
 */
import { z } from 'zod';
import { RoleSchema } from './auth';
import { ERROR_STATUS, type ErrorCode } from './errors';

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

/** Request ids are chosen by the client; a counter is enough. Responses echo them. */
export const RequestIdSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** mediasoup names its objects with UUIDs; peers get UUIDs too. */
const ObjectId = z.uuid();

export const MediaKindSchema = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof MediaKindSchema>;

/** What a producer carries. It decides the kind (microphone is audio, the others video) and how tiles show it. */
export const ProducerSourceSchema = z.enum(['camera', 'microphone', 'screen']);
export type ProducerSource = z.infer<typeof ProducerSourceSchema>;
export const KIND_OF_SOURCE: Readonly<Record<ProducerSource, MediaKind>> = {
  camera: 'video',
  microphone: 'audio',
  screen: 'video',
};

export const TransportDirectionSchema = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof TransportDirectionSchema>;

const ShortString = z.string().max(256);
const Count = <T extends z.ZodType>(item: T, max: number) => z.array(item).max(max);
/** Codec and header extension parameters are open-ended by definition (fmtp lines); values are strings or numbers. */
const ParametersSchema = z.record(z.string().max(64), z.union([ShortString, z.number()]));
const RtcpFeedbackSchema = z.object({ type: z.string().max(32), parameter: z.string().max(32).optional() }).strict();
const PayloadType = z.number().int().min(0).max(127);
const Ssrc = z.number().int().min(0).max(0xffffffff);

// ORTC objects, as mediasoup 3.8 and mediasoup-client 3.x write them. Strict like the rest: a field a future
// mediasoup-client adds is refused with VALIDATION_FAILED naming it, rather than passed to the media worker unread.

export const RtpCodecCapabilitySchema = z
  .object({
    kind: MediaKindSchema,
    mimeType: z.string().max(64),
    preferredPayloadType: PayloadType.optional(),
    clockRate: z.number().int().positive(),
    channels: z.number().int().positive().max(16).optional(),
    parameters: ParametersSchema.optional(),
    rtcpFeedback: Count(RtcpFeedbackSchema, 32).optional(),
  })
  .strict();

export const RtpHeaderExtensionSchema = z
  .object({
    kind: MediaKindSchema,
    uri: z.string().max(256),
    preferredId: z.number().int().min(1).max(255),
    preferredEncrypt: z.boolean().optional(),
    direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
  })
  .strict();

export const RtpCapabilitiesSchema = z
  .object({
    codecs: Count(RtpCodecCapabilitySchema, 64).optional(),
    headerExtensions: Count(RtpHeaderExtensionSchema, 64).optional(),
  })
  .strict();
export type RtpCapabilities = z.infer<typeof RtpCapabilitiesSchema>;

export const RtpCodecParametersSchema = z
  .object({
    mimeType: z.string().max(64),
    payloadType: PayloadType,
    clockRate: z.number().int().positive(),
    channels: z.number().int().positive().max(16).optional(),
    parameters: ParametersSchema.optional(),
    rtcpFeedback: Count(RtcpFeedbackSchema, 32).optional(),
  })
  .strict();

export const RtpEncodingParametersSchema = z
  .object({
    ssrc: Ssrc.optional(),
    rid: z.string().max(32).optional(),
    codecPayloadType: PayloadType.optional(),
    rtx: z.object({ ssrc: Ssrc }).strict().optional(),
    dtx: z.boolean().optional(),
    scalabilityMode: z.string().max(16).optional(),
    scaleResolutionDownBy: z.number().min(1).optional(),
    maxBitrate: z.number().int().positive().optional(),
    maxFramerate: z.number().positive().optional(),
    adaptivePtime: z.boolean().optional(),
    priority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
    networkPriority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
    active: z.boolean().optional(),
  })
  .strict();

export const RtpHeaderExtensionParametersSchema = z
  .object({
    uri: z.string().max(256),
    id: z.number().int().min(1).max(255),
    encrypt: z.boolean().optional(),
    parameters: ParametersSchema.optional(),
  })
  .strict();

export const RtpParametersSchema = z
  .object({
    mid: z.string().max(32).optional(),
    codecs: Count(RtpCodecParametersSchema, 32).min(1),
    headerExtensions: Count(RtpHeaderExtensionParametersSchema, 32).optional(),
    // Simulcast in a browser is at most a handful of encodings; 8 leaves room without inviting abuse.
    encodings: Count(RtpEncodingParametersSchema, 8).optional(),
    rtcp: z
      .object({
        cname: z.string().max(256).optional(),
        reducedSize: z.boolean().optional(),
        mux: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type RtpParameters = z.infer<typeof RtpParametersSchema>;

export const DtlsParametersSchema = z
  .object({
    role: z.enum(['auto', 'client', 'server']).optional(),
    fingerprints: Count(
      z.object({ algorithm: z.string().max(16), value: z.string().max(256) }).strict(),
      8,
    ).min(1),
  })
  .strict();
export type DtlsParameters = z.infer<typeof DtlsParametersSchema>;

export const IceParametersSchema = z
  .object({ usernameFragment: z.string(), password: z.string(), iceLite: z.boolean().optional() })
  .strict();
export type IceParameters = z.infer<typeof IceParametersSchema>;

export const IceCandidateSchema = z
  .object({
    foundation: z.string(),
    priority: z.number(),
    ip: z.string(),
    protocol: z.enum(['udp', 'tcp']),
    port: z.number().int(),
    type: z.literal('host'),
    tcpType: z.literal('passive').optional(),
  })
  .strict();
export type IceCandidate = z.infer<typeof IceCandidateSchema>;

/** mediasoup's ICE states (an ICE-lite server has no 'failed': it sees 'disconnected') and DTLS states. */
export const IceStateSchema = z.enum(['new', 'connected', 'completed', 'disconnected', 'closed']);
export const DtlsStateSchema = z.enum(['new', 'connecting', 'connected', 'failed', 'closed']);

export const ConsumerLayersSchema = z
  .object({
    /** 0 is the smallest simulcast encoding. */
    spatialLayer: z.number().int().min(0).max(7),
    /** 0 is the lowest frame rate. Default: the highest. */
    temporalLayer: z.number().int().min(0).max(7).optional(),
  })
  .strict();
export type ConsumerLayers = z.infer<typeof ConsumerLayersSchema>;

export const PeerInfoSchema = z
  .object({
    peerId: ObjectId,
    userId: z.uuid(),
    displayName: z.string(),
    role: RoleSchema,
  })
  .strict();
export type PeerInfo = z.infer<typeof PeerInfoSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Simulcast profile: the camera's encodings, shared so that the client produces exactly what the SFU's layer
// choice assumes.

/**
 * The camera's simulcast encodings, lowest first, for a capture of CAMERA_CAPTURE_HEIGHT lines. The top layer carries
 * the NIHSS examination, so it gets most of the bitrate; the lowest keeps a thumbnail alive on a poor hospital link.
 * Pass them to mediasoup-client's `transport.produce({ encodings })`.
 */
export const CAMERA_SIMULCAST_ENCODINGS = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T3' },
  { scaleResolutionDownBy: 1, maxBitrate: 1_500_000, scalabilityMode: 'L1T3' },
] as const;
/** Height of the camera capture the encodings are scaled from (720p). */
export const CAMERA_CAPTURE_HEIGHT = 720;

/**
 * The spatial layer to prefer for a tile `heightPx` device pixels tall (CSS height × devicePixelRatio): the smallest
 * layer at least as tall as the tile, else the top one. Sending more than the tile shows wastes the receiver's
 * bandwidth; mediasoup then goes lower still when its bandwidth estimate says so.
 */
export function spatialLayerForTileHeight(heightPx: number): number {
  const layers = CAMERA_SIMULCAST_ENCODINGS.map((e) => CAMERA_CAPTURE_HEIGHT / e.scaleResolutionDownBy);
  const index = layers.findIndex((h) => h >= heightPx);
  return index === -1 ? layers.length - 1 : index;
}

// ---------------------------------------------------------------------------------------------------------------
// Requests (client → SFU)

const Empty = z.object({}).strict();
const NoData = Empty.optional();

function request<M extends string, D extends z.ZodType>(method: M, data: D) {
  return z.object({ id: RequestIdSchema, method: z.literal(method), data }).strict();
}

const TransportRef = z.object({ transportId: ObjectId }).strict();
const ProducerRef = z.object({ producerId: ObjectId }).strict();
const ConsumerRef = z.object({ consumerId: ObjectId }).strict();

export const JoinDataSchema = z
  .object({
    /** `device.rtpCapabilities` of mediasoup-client: what this peer can receive. The SFU consumes for it with them. */
    rtpCapabilities: RtpCapabilitiesSchema,
    /**
     * Height in device pixels of the tiles remote cameras will start in. New video consumers start at the layer
     * `spatialLayerForTileHeight()` gives; refine per consumer with setPreferredLayers. Default: the top layer.
     */
    tileHeight: z.number().int().min(1).max(4320).optional(),
  })
  .strict();

export const CreateWebRtcTransportDataSchema = z.object({ direction: TransportDirectionSchema }).strict();

export const ConnectWebRtcTransportDataSchema = z
  .object({ transportId: ObjectId, dtlsParameters: DtlsParametersSchema })
  .strict();

export const ProduceDataSchema = z
  .object({
    transportId: ObjectId,
    kind: MediaKindSchema,
    rtpParameters: RtpParametersSchema,
    appData: z.object({ source: ProducerSourceSchema }).strict(),
  })
  .strict();

export const SetPreferredLayersDataSchema = ConsumerLayersSchema.extend({ consumerId: ObjectId }).strict();

export const SetConsumerPriorityDataSchema = z
  .object({ consumerId: ObjectId, priority: z.number().int().min(1).max(255) })
  .strict();

export const CreatePlainTransportDataSchema = z.object({ direction: TransportDirectionSchema }).strict();

export const ConnectPlainTransportDataSchema = z
  .object({
    transportId: ObjectId,
    ip: z.union([z.ipv4(), z.ipv6()]),
    port: z.number().int().min(1).max(65535),
    rtcpPort: z.number().int().min(1).max(65535).optional(),
  })
  .strict();

export const SfuRequestSchema = z.discriminatedUnion('method', [
  /** The router's RTP capabilities, to load the mediasoup-client Device. Allowed before join. */
  request('getRouterRtpCapabilities', NoData),
  /** Enters the room (or re-enters it: a join while joined, or from a new socket, restarts the peer's media). */
  request('join', JoinDataSchema),
  /** One send and one recv transport per peer; creating another of a direction replaces the previous one. */
  request('createWebRtcTransport', CreateWebRtcTransportDataSchema),
  request('connectWebRtcTransport', ConnectWebRtcTransportDataSchema),
  /** New ICE credentials for a transport whose ICE got disconnected; pass them to `transport.restartIce()`. */
  request('restartIce', TransportRef),
  request('produce', ProduceDataSchema),
  request('closeProducer', ProducerRef),
  request('pauseProducer', ProducerRef),
  request('resumeProducer', ProducerRef),
  /** Consumers start paused, so the first packet is a keyframe the client is ready for; resume each once set up. */
  request('resumeConsumer', ConsumerRef),
  request('pauseConsumer', ConsumerRef),
  /** The highest layers this consumer should get; mediasoup goes lower when the bandwidth estimate requires it. */
  request('setPreferredLayers', SetPreferredLayersDataSchema),
  /** Share of the available bandwidth when it runs short: higher gets served first (1-255). */
  request('setConsumerPriority', SetConsumerPriorityDataSchema),
  /**
   * A plain RTP transport (no ICE/DTLS), for tooling that injects RTP (ffmpeg, GStreamer) in tests and benchmarks.
   * Refused with FORBIDDEN unless the SFU enables it; browsers never use it.
   */
  request('createPlainTransport', CreatePlainTransportDataSchema),
  request('connectPlainTransport', ConnectPlainTransportDataSchema),
  /** Leaves for good: the peer is removed at once, without the reconnection grace period, and the socket closes. */
  request('leave', NoData),
]);
export type SfuRequest = z.infer<typeof SfuRequestSchema>;
export type SfuMethod = SfuRequest['method'];
export type SfuRequestOf<M extends SfuMethod> = Extract<SfuRequest, { method: M }>;
export const SFU_METHODS = SfuRequestSchema.options.map((o) => o.shape.method.value) as readonly SfuMethod[];

// ---------------------------------------------------------------------------------------------------------------
// Responses (SFU → client)

const TransportCreatedSchema = z
  .object({
    transportId: ObjectId,
    direction: TransportDirectionSchema,
    iceParameters: IceParametersSchema,
    iceCandidates: z.array(IceCandidateSchema),
    dtlsParameters: DtlsParametersSchema,
  })
  .strict();

/** The `data` of a successful response, per method. */
export const SfuResponseDataSchemas = {
  getRouterRtpCapabilities: z.object({ rtpCapabilities: RtpCapabilitiesSchema }).strict(),
  join: z
    .object({
      /** This peer's id in the room; stable across rejoins of the same user. */
      peerId: ObjectId,
      /** The other peers, joined or reconnecting. */
      peers: z.array(PeerInfoSchema),
      /** True when the room already had this user (a rejoin): its previous media was closed. */
      rejoined: z.boolean(),
    })
    .strict(),
  createWebRtcTransport: TransportCreatedSchema,
  connectWebRtcTransport: Empty,
  restartIce: z.object({ iceParameters: IceParametersSchema }).strict(),
  produce: z.object({ producerId: ObjectId }).strict(),
  closeProducer: Empty,
  pauseProducer: Empty,
  resumeProducer: Empty,
  resumeConsumer: Empty,
  pauseConsumer: Empty,
  setPreferredLayers: Empty,
  setConsumerPriority: Empty,
  createPlainTransport: z
    .object({
      transportId: ObjectId,
      direction: TransportDirectionSchema,
      /** Where to send RTP (send direction) or where the SFU sends from (recv). */
      ip: z.string(),
      port: z.number().int(),
      rtcpPort: z.number().int().optional(),
    })
    .strict(),
  connectPlainTransport: Empty,
  leave: Empty,
} as const satisfies Record<SfuMethod, z.ZodType>;
export type SfuResponseData<M extends SfuMethod> = z.infer<(typeof SfuResponseDataSchemas)[M]>;

export const ErrorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

export const SfuErrorSchema = z
  .object({ code: ErrorCodeSchema, message: z.string(), details: z.unknown().optional() })
  .strict();
export type SfuError = z.infer<typeof SfuErrorSchema>;

export const SfuResponseSchema = z.discriminatedUnion('ok', [
  z.object({ id: RequestIdSchema, ok: z.literal(true), data: z.record(z.string(), z.unknown()) }).strict(),
  /** `id` is null when the request had none that could be read (a frame that is not JSON, say). */
  z.object({ id: RequestIdSchema.nullable(), ok: z.literal(false), error: SfuErrorSchema }).strict(),
]);
export type SfuResponse = z.infer<typeof SfuResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Notifications (SFU → client)

function notification<N extends string, D extends z.ZodType>(name: N, data: D) {
  return z.object({ notification: z.literal(name), data }).strict();
}

export const NewConsumerDataSchema = z
  .object({
    /** The peer whose producer this consumes. */
    peerId: ObjectId,
    producerId: ObjectId,
    consumerId: ObjectId,
    kind: MediaKindSchema,
    source: ProducerSourceSchema,
    rtpParameters: RtpParametersSchema,
    /** 'simulcast' consumers take setPreferredLayers; 'simple' ones (audio, screen) have one layer. */
    type: z.enum(['simple', 'simulcast', 'svc', 'pipe']),
    /** Always true: resume with resumeConsumer once the client-side consumer exists. */
    paused: z.boolean(),
    /** The sender has paused (muted) it; show the tile as muted until producerResumed. */
    producerPaused: z.boolean(),
  })
  .strict();

const TransportStatsSchema = z
  .object({
    transportId: ObjectId,
    direction: TransportDirectionSchema,
    iceState: z.string(),
    dtlsState: z.string(),
    /** What the SFU sends to this peer and receives from it, bits per second. */
    sendBitrate: z.number(),
    recvBitrate: z.number(),
    /** mediasoup's bandwidth estimate towards the peer; it bounds the layers the peer gets. */
    availableOutgoingBitrate: z.number().optional(),
  })
  .strict();

const ProducerStatsSchema = z
  .object({
    producerId: ObjectId,
    source: ProducerSourceSchema,
    kind: MediaKindSchema,
    paused: z.boolean(),
    /** 0-10, mediasoup's score of the stream as received; the lowest of the simulcast encodings that flow. */
    score: z.number(),
    bitrate: z.number(),
    packetsLost: z.number(),
    /** 0-255, of the last RTCP interval, as RTCP reports it; the highest of the encodings. */
    fractionLost: z.number(),
    jitter: z.number(),
  })
  .strict();

const ConsumerStatsSchema = z
  .object({
    consumerId: ObjectId,
    producerId: ObjectId,
    /** 0-10, as the receiving peer gets it. */
    score: z.number(),
    producerScore: z.number(),
    bitrate: z.number(),
    packetsLost: z.number(),
    fractionLost: z.number(),
    /** Milliseconds, from RTCP; absent until the first receiver report. */
    roundTripTime: z.number().optional(),
    /** The layers being forwarded now; absent for simple consumers and while nothing flows. */
    currentLayers: ConsumerLayersSchema.optional(),
  })
  .strict();

export const QualityStatsDataSchema = z
  .object({
    peerId: ObjectId,
    transports: z.array(TransportStatsSchema),
    producers: z.array(ProducerStatsSchema),
    consumers: z.array(ConsumerStatsSchema),
  })
  .strict();
export type QualityStats = z.infer<typeof QualityStatsDataSchema>;

/** Why the room closed; the client does not reconnect to a closed room. */
export const RoomClosedReasonSchema = z.enum(['serverShutdown', 'consultEnded']);
export type RoomClosedReason = z.infer<typeof RoomClosedReasonSchema>;

export const SfuNotificationSchema = z.discriminatedUnion('notification', [
  notification('peerJoined', PeerInfoSchema),
  notification('peerLeft', z.object({ peerId: ObjectId }).strict()),
  notification('newConsumer', NewConsumerDataSchema),
  notification('consumerClosed', z.object({ consumerId: ObjectId }).strict()),
  notification('producerPaused', z.object({ consumerId: ObjectId, producerId: ObjectId }).strict()),
  notification('producerResumed', z.object({ consumerId: ObjectId, producerId: ObjectId }).strict()),
  /** mediasoup changed the layers it forwards on a simulcast consumer (bandwidth, preferred layers); null: none. */
  notification(
    'consumerLayersChanged',
    z.object({ consumerId: ObjectId, layers: ConsumerLayersSchema.nullable() }).strict(),
  ),
  /** The loudest peer above the threshold; both null after a silence. */
  notification(
    'activeSpeaker',
    z.object({ peerId: ObjectId.nullable(), volume: z.number().min(-127).max(0).nullable() }).strict(),
  ),
  /** Every 2 s, one per peer in the room, to every peer. */
  notification('qualityStats', QualityStatsDataSchema),
  /**
   * The SFU saw a transport's ICE or DTLS state change. iceState 'disconnected': call restartIce and pass the answer to
   * `transport.restartIce()`. dtlsState 'failed': create a new transport of that direction (it replaces this one).
   */
  notification(
    'transportStateChanged',
    z
      .object({ transportId: ObjectId, iceState: IceStateSchema, dtlsState: DtlsStateSchema })
      .strict(),
  ),
  /**
   * The media server behind the room restarted: every transport, producer and consumer of every peer is gone, the
   * peers are still in the room. Close the local transports and run the media setup again on the same socket
   * (getRouterRtpCapabilities, join, createWebRtcTransport send and recv, produce).
   */
  notification('reconnect', z.object({ reason: z.literal('mediaServerRestarted') }).strict()),
  notification('roomClosed', z.object({ reason: RoomClosedReasonSchema }).strict()),
  /** A problem that is no answer to a request, e.g. a consumer that could not be created for this peer. */
  notification('error', SfuErrorSchema),
]);
export type SfuNotification = z.infer<typeof SfuNotificationSchema>;
export type SfuNotificationName = SfuNotification['notification'];
export type SfuNotificationOf<N extends SfuNotificationName> = Extract<SfuNotification, { notification: N }>;

/** Anything the SFU sends. A response has an `id`; a notification has a `notification` name. */
export const SfuServerMessageSchema = z.union([SfuResponseSchema, SfuNotificationSchema]);
export type SfuServerMessage = z.infer<typeof SfuServerMessageSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Connection

/** Query parameters of the signaling URL: `/ws?consultId=…&token=…`. */
export const SFU_WS_PATH = '/ws';

/**
 * WebSocket close codes the SFU uses, besides the standard ones (1001 going away at shutdown, 1009 frame too big).
 * The client reconnects after any other close, with a fresh token if the old one expired; not after these.
 */
export const SFU_CLOSE_CODES = {
  /** The same user connected again to this room (another tab, or a reconnection that raced this socket). */
  REPLACED: 4000,
  /** The socket sent no successful join in time. */
  JOIN_TIMEOUT: 4001,
  /** The room had no seat left (the join was answered CONFLICT). */
  ROOM_FULL: 4002,
  /** The room was closed; a roomClosed notification said why. */
  ROOM_CLOSED: 4003,
  /** The peer left with `leave`. */
  LEFT: 4004,
  /** Sustained flooding after RATE_LIMITED answers. */
  RATE_ABUSE: 4029,
} as const;
