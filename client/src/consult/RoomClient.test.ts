import { randomUUID } from 'node:crypto';
import { type JoinConsultDto, SFU_CLOSE_CODES, type SfuNotification } from '@telestroke/shared';
import { Device, FakeHandler, testFakeParameters } from 'mediasoup-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoomClosedError } from './errors';
import { RoomClient } from './RoomClient';

// The browser side of the SFU protocol against a scripted SFU: mediasoup-client's FakeHandler stands in for
// RTCPeerConnection, and FakeSocket for the WebSocket. Media itself is proven in the browser by test/e2e.

interface SentRequest {
  id: number;
  method: string;
  data?: Record<string, unknown>;
}

/** One signaling socket, answering like the SFU does. */
class FakeSocket {
  static all: FakeSocket[] = [];
  /** Set by a test to refuse the next connection (as a refused upgrade looks to a browser: closed before open). */
  static refuseNext = false;
  readonly url: string;
  readonly sent: SentRequest[] = [];
  onopen: (() => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  joins = 0;

  constructor(url: string) {
    this.url = url;
    FakeSocket.all.push(this);
    const refuse = FakeSocket.refuseNext;
    FakeSocket.refuseNext = false;
    setTimeout(() => (refuse ? this.drop(1006) : this.onopen?.()), 0);
  }

  send(text: string): void {
    const request = JSON.parse(text) as SentRequest;
    this.sent.push(request);
    const ok = (data: unknown) => void setTimeout(() => this.deliver({ id: request.id, ok: true, data }), 0);
    switch (request.method) {
      case 'getRouterRtpCapabilities':
        return ok({ rtpCapabilities: testFakeParameters.generateRouterRtpCapabilities() });
      case 'join':
        return ok({ peerId: PEER_ID, peers: [OTHER], rejoined: this.joins++ > 0 || FakeSocket.all.length > 1 });
      case 'createWebRtcTransport': {
        const t = testFakeParameters.generateTransportRemoteParameters();
        return ok({
          transportId: randomUUID(),
          direction: request.data?.direction,
          iceParameters: t.iceParameters,
          iceCandidates: t.iceCandidates,
          dtlsParameters: t.dtlsParameters,
        });
      }
      default:
        return ok({});
    }
  }

  close(code = 1000): void {
    this.drop(code);
  }

  /** The socket closes (the SFU closed it, or the network dropped it). */
  drop(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.({ code, reason: '' });
  }

  notify(notification: SfuNotification): void {
    this.deliver(notification);
  }

  methods(): string[] {
    return this.sent.map((r) => (r.method === 'createWebRtcTransport' ? `${r.method}:${r.data?.direction}` : r.method));
  }

  private deliver(message: unknown): void {
    if (!this.closed) this.onmessage?.({ data: JSON.stringify(message) });
  }
}

const CONSULT_ID = randomUUID();
const PEER_ID = randomUUID();
const OTHER = { peerId: randomUUID(), userId: randomUUID(), displayName: 'Dr Neuro', role: 'neurologist' as const };

function joinAnswer(expiresInMs = 60_000): JoinConsultDto {
  return {
    consultId: CONSULT_ID,
    sfuUrl: 'ws://sfu.test/ws',
    token: `token-${randomUUID()}`,
    expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
    iceServers: [],
    self: { userId: randomUUID(), displayName: 'Dr Ward', role: 'ward_doctor' },
  };
}

function start(requestJoin: () => Promise<JoinConsultDto>, join?: JoinConsultDto) {
  return RoomClient.create({
    consultId: CONSULT_ID,
    requestJoin,
    ...(join ? { join } : {}),
    createDevice: () => new Device({ handlerFactory: FakeHandler.createFactory(testFakeParameters) }),
    WebSocket: FakeSocket as unknown as typeof WebSocket,
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const SETUP = ['getRouterRtpCapabilities', 'join', 'createWebRtcTransport:recv', 'createWebRtcTransport:send'];
let room: RoomClient | null = null;

afterEach(() => {
  room?.close();
  room = null;
  FakeSocket.all = [];
  vi.restoreAllMocks();
});

describe('RoomClient', () => {
  it('RoomClient.create() asks for a join, connects with its token, and sets up receiving before sending', async () => {
    const requestJoin = vi.fn(async () => joinAnswer());
    room = await start(requestJoin);
    expect(requestJoin).toHaveBeenCalledTimes(1);
    const [socket] = FakeSocket.all;
    const url = new URL(socket!.url);
    expect(url.searchParams.get('consultId')).toBe(CONSULT_ID);
    expect(url.searchParams.get('token')).toMatch(/^token-/);
    expect(socket!.methods()).toEqual(SETUP);
    expect(room.snapshot.state).toBe('connected');
    expect(room.snapshot.selfPeerId).toBe(PEER_ID);
    expect(room.snapshot.peers.map((p) => p.displayName)).toEqual(['Dr Neuro']);
  });

  it('RoomClient after a dropped socket reconnects with the same token and sets the media up again', async () => {
    const requestJoin = vi.fn(async () => joinAnswer());
    room = await start(requestJoin);
    const states: string[] = [];
    room.on('change', (s) => states.push(s.state));
    FakeSocket.all[0]!.drop(1006);
    await until(() => room!.snapshot.state === 'connected' && FakeSocket.all.length === 2, 'the reconnection');
    expect(states).toContain('reconnecting');
    expect(requestJoin).toHaveBeenCalledTimes(1);
    expect(FakeSocket.all[1]!.url).toBe(FakeSocket.all[0]!.url);
    expect(FakeSocket.all[1]!.methods()).toEqual(SETUP);
    expect(room.snapshot.recoveries).toBe(1);
  });

  it('RoomClient with an expired token asks the server for a fresh one before reconnecting', async () => {
    const requestJoin = vi.fn(async () => joinAnswer());
    room = await start(requestJoin, joinAnswer(6000));
    expect(requestJoin).toHaveBeenCalledTimes(0);
    // 2 s later the token has 4 s left: not the 5 s margin a connection wants.
    const now = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => now + 2000);
    FakeSocket.all[0]!.drop(1006);
    await until(() => room!.snapshot.state === 'connected' && FakeSocket.all.length === 2, 'the reconnection');
    expect(requestJoin).toHaveBeenCalledTimes(1);
    expect(FakeSocket.all[1]!.url).not.toBe(FakeSocket.all[0]!.url);
  });

  it('RoomClient after a refused connection fetches a new token and tries again', async () => {
    const requestJoin = vi.fn(async () => joinAnswer());
    room = await start(requestJoin);
    FakeSocket.refuseNext = true;
    FakeSocket.all[0]!.drop(1006);
    await until(() => room!.snapshot.state === 'connected' && FakeSocket.all.length === 3, 'the second attempt');
    expect(requestJoin).toHaveBeenCalledTimes(2);
  });

  it('RoomClient.create() tries again when the first connection is refused, with a fresh token', async () => {
    const requestJoin = vi.fn(async () => joinAnswer());
    FakeSocket.refuseNext = true;
    room = await start(requestJoin);
    expect(FakeSocket.all).toHaveLength(2);
    expect(requestJoin).toHaveBeenCalledTimes(2);
    expect(room.snapshot.state).toBe('connected');
  });

  it('RoomClient.create() gives up when the server refuses the join', async () => {
    const { ApiError } = await import('../api/ApiError');
    const requestJoin = vi.fn(async (): Promise<JoinConsultDto> => {
      throw new ApiError('FORBIDDEN', 403, 'not a participant');
    });
    await expect(start(requestJoin)).rejects.toSatisfy((err) => err instanceof RoomClosedError && err.reason === 'failed');
    expect(requestJoin).toHaveBeenCalledTimes(1);
    expect(FakeSocket.all).toHaveLength(0);
  });

  for (const [code, reason] of [
    [SFU_CLOSE_CODES.ROOM_CLOSED, 'roomClosed'],
    [SFU_CLOSE_CODES.REPLACED, 'replaced'],
    [SFU_CLOSE_CODES.LEFT, 'left'],
  ] as const) {
    it(`RoomClient closed by the SFU with ${code} stays closed (${reason})`, async () => {
      room = await start(async () => joinAnswer());
      const closed = vi.fn();
      room.on('closed', closed);
      FakeSocket.all[0]!.drop(code);
      await new Promise((r) => setTimeout(r, 50));
      expect(closed).toHaveBeenCalledWith(reason);
      expect(room.snapshot.state).toBe('closed');
      expect(FakeSocket.all).toHaveLength(1);
    });
  }

  it('RoomClient.create() into a full room rejects with RoomClosedError roomFull', async () => {
    const original = FakeSocket.prototype.send;
    vi.spyOn(FakeSocket.prototype, 'send').mockImplementation(function (this: FakeSocket, text: string) {
      if ((JSON.parse(text) as SentRequest).method === 'join') setTimeout(() => this.drop(SFU_CLOSE_CODES.ROOM_FULL), 0);
      else original.call(this, text);
    });
    await expect(start(async () => joinAnswer())).rejects.toSatisfy(
      (err) => err instanceof RoomClosedError && err.reason === 'roomFull',
    );
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('RoomClient on a reconnect notification sets the media up again on the same socket', async () => {
    room = await start(async () => joinAnswer());
    const socket = FakeSocket.all[0]!;
    socket.notify({ notification: 'reconnect', data: { reason: 'mediaServerRestarted' } });
    await until(() => socket.methods().length === 2 * SETUP.length, 'the second setup');
    expect(socket.methods()).toEqual([...SETUP, ...SETUP]);
    await until(() => room!.snapshot.state === 'connected', 'connected');
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('RoomClient on newConsumer receives the stream, then asks the SFU to resume it', async () => {
    room = await start(async () => joinAnswer());
    const socket = FakeSocket.all[0]!;
    const consumer = testFakeParameters.generateConsumerRemoteParameters({ codecMimeType: 'video/VP8' });
    const consumerId = randomUUID();
    socket.notify({
      notification: 'newConsumer',
      data: {
        peerId: OTHER.peerId,
        producerId: randomUUID(),
        consumerId,
        kind: 'video',
        source: 'camera',
        rtpParameters: consumer.rtpParameters as never,
        type: 'simulcast',
        paused: true,
        producerPaused: false,
      },
    });
    await until(() => socket.sent.some((r) => r.method === 'resumeConsumer'), 'resumeConsumer');
    expect(socket.sent.find((r) => r.method === 'resumeConsumer')?.data).toEqual({ consumerId });
    const peer = room.snapshot.peers.find((p) => p.peerId === OTHER.peerId);
    expect(peer?.camera?.consumerId).toBe(consumerId);

    socket.notify({ notification: 'producerPaused', data: { consumerId, producerId: randomUUID() } });
    await until(() => room!.snapshot.peers[0]?.camera?.paused === true, 'the paused camera');
    socket.notify({ notification: 'consumerClosed', data: { consumerId } });
    await until(() => room!.snapshot.peers[0]?.camera === null, 'the closed consumer');
  });

  it('RoomClient with remote media stalled shows reconnecting and restarts ICE once, without a new setup', async () => {
    room = await start(async () => joinAnswer());
    const socket = FakeSocket.all[0]!;
    const consumer = testFakeParameters.generateConsumerRemoteParameters({ codecMimeType: 'video/VP8' });
    socket.notify({
      notification: 'newConsumer',
      data: {
        peerId: OTHER.peerId,
        producerId: randomUUID(),
        consumerId: randomUUID(),
        kind: 'video',
        source: 'camera',
        rtpParameters: consumer.rtpParameters as never,
        type: 'simple',
        paused: true,
        producerPaused: false,
      },
    });
    // The fake handler receives no bytes: after 1.5 s the stream counts as stalled.
    await until(() => socket.sent.some((r) => r.method === 'restartIce'), 'an ICE restart');
    expect(room.snapshot.state).toBe('reconnecting');
    await new Promise((r) => setTimeout(r, 1500));
    expect(socket.sent.filter((r) => r.method === 'restartIce')).toHaveLength(1);
    expect(socket.sent.filter((r) => r.method === 'join')).toHaveLength(1);
  });

  it('RoomClient.leave() sends leave and closes without reconnecting', async () => {
    room = await start(async () => joinAnswer());
    await room.leave();
    expect(FakeSocket.all[0]!.sent.at(-1)?.method).toBe('leave');
    expect(FakeSocket.all[0]!.closed).toBe(true);
    expect(room.snapshot.state).toBe('closed');
    await new Promise((r) => setTimeout(r, 50));
    expect(FakeSocket.all).toHaveLength(1);
  });
});
