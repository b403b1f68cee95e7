import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { AppError, SFU_CLOSE_CODES, type SfuNotification, type SfuRequest } from '@telestroke/shared';
import { afterEach, describe, expect, it } from 'vitest';
import type { Peer } from './Peer';
import type { PeerConnection, PeerIdentity } from './PeerTypes';
import { picturesToRefresh, Room } from './Room';
import type { RoomOptions, RouterRecreatedEvent } from './RoomTypes';
import { workerBin } from './testing/harness';
import { WorkerPool } from './WorkerPool';

// Media ports of this file; SignalingServer.test.ts and the other SFU tests use other ranges.
const RTC_MIN_PORT = 47400;
const RTC_MAX_PORT = 47449;

class FakeConnection implements PeerConnection {
  readonly sent: SfuNotification[] = [];
  readonly closes: Array<{ code: number; reason: string }> = [];
  notify(notification: SfuNotification): void {
    this.sent.push(notification);
  }
  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
  }
  named(name: SfuNotification['notification']): SfuNotification[] {
    return this.sent.filter((n) => n.notification === name);
  }
}

const pools: WorkerPool[] = [];
const rooms: Room[] = [];

async function createPool(numWorkers: number): Promise<WorkerPool> {
  const pool = await WorkerPool.create({
    workerBin: workerBin(),
    numWorkers,
    rtcMinPort: RTC_MIN_PORT,
    rtcMaxPort: RTC_MAX_PORT,
    respawnDelayMs: 100,
  });
  pools.push(pool);
  return pool;
}

async function createRoom(pool: WorkerPool, options: Partial<RoomOptions> = {}): Promise<Room> {
  const room = await Room.create({ consultId: randomUUID(), pool, ...options });
  rooms.push(room);
  return room;
}

function identity(role: PeerIdentity['role'] = 'neurologist'): PeerIdentity {
  return { userId: randomUUID(), displayName: `Dr ${role}`, role };
}

let nextId = 1;
async function call<M extends SfuRequest['method']>(room: Room, peer: Peer, method: M, data?: unknown) {
  const handled = await room.handle(peer, { id: nextId++, method, data } as Extract<SfuRequest, { method: M }>);
  await handled.followUp?.();
  return handled.data;
}

async function joinedPeer(room: Room, role?: PeerIdentity['role']) {
  const connection = new FakeConnection();
  const peer = await room.connect(identity(role), connection);
  const { rtpCapabilities } = await call(room, peer, 'getRouterRtpCapabilities');
  await call(room, peer, 'join', { rtpCapabilities });
  return { peer, connection };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('Room', () => {
  afterEach(() => {
    for (const room of rooms.splice(0)) room.close();
    for (const pool of pools.splice(0)) pool.close();
  });

  it('Room.create() on a closed pool rejects with UNAVAILABLE', async () => {
    const pool = await createPool(1);
    pool.close();
    expect(await rejection(Room.create({ consultId: randomUUID(), pool }))).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('Room.create() with a capacity of 0 throws a RangeError', async () => {
    const pool = await createPool(1);
    await expect(Room.create({ consultId: randomUUID(), pool, capacity: 0 })).rejects.toThrow(RangeError);
  });

  it('Room.handle(join) for a seventh peer with the default capacity rejects with CONFLICT, reason roomFull', async () => {
    const room = await createRoom(await createPool(1));
    for (let i = 0; i < 6; i++) await joinedPeer(room);
    const seventh = await room.connect(identity(), new FakeConnection());
    const { rtpCapabilities } = await call(room, seventh, 'getRouterRtpCapabilities');

    const error = await rejection(call(room, seventh, 'join', { rtpCapabilities }));

    expect(error).toMatchObject({ code: 'CONFLICT', status: 409, details: { reason: 'roomFull', capacity: 6 } });
    expect(room.joinedPeers).toHaveLength(6);
  });

  it('Room.handle(createPlainTransport) without allowPlainTransports rejects with FORBIDDEN', async () => {
    const room = await createRoom(await createPool(1));
    const { peer } = await joinedPeer(room);
    expect(await rejection(call(room, peer, 'createPlainTransport', { direction: 'send' }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(room.counts.transports).toBe(0);
  });

  it('Room.handle(produce) with rtpParameters mediasoup refuses rejects with UNPROCESSABLE, not INTERNAL', async () => {
    const room = await createRoom(await createPool(1));
    const { peer } = await joinedPeer(room);
    const { transportId } = await call(room, peer, 'createWebRtcTransport', { direction: 'send' });
    const error = await rejection(
      call(room, peer, 'produce', {
        transportId,
        kind: 'video',
        // H264 is not among the router's codecs.
        rtpParameters: {
          codecs: [{ mimeType: 'video/H264', payloadType: 102, clockRate: 90000 }],
          encodings: [{ ssrc: 1 }],
        },
        appData: { source: 'camera' },
      }),
    );
    expect(error.code).toBe('UNPROCESSABLE');
    expect(room.counts.producers).toBe(0);
  });

  it('Room: the last peer leaving closes the room and its router', async () => {
    const room = await createRoom(await createPool(1));
    const router = room.router!;
    const a = await joinedPeer(room);
    const b = await joinedPeer(room);
    const closed = once(room, 'closed');

    a.peer.close('left');
    expect(b.connection.named('peerLeft')).toEqual([{ notification: 'peerLeft', data: { peerId: a.peer.id } }]);
    expect(room.closed).toBe(false);
    b.peer.close('left');

    await closed;
    expect(router.closed).toBe(true);
  });

  it('Room.close() twice tells peers roomClosed once, closes their channels with 4003 and emits closed once', async () => {
    const room = await createRoom(await createPool(1));
    const router = room.router!;
    const { connection } = await joinedPeer(room);
    let closedEvents = 0;
    room.on('closed', () => closedEvents++);

    room.close('consultEnded');
    room.close('consultEnded');

    expect(closedEvents).toBe(1);
    expect(connection.named('roomClosed')).toEqual([{ notification: 'roomClosed', data: { reason: 'consultEnded' } }]);
    expect(connection.closes).toEqual([{ code: SFU_CLOSE_CODES.ROOM_CLOSED, reason: 'room closed' }]);
    expect(router.closed).toBe(true);
    await expect(room.connect(identity(), new FakeConnection())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('Room: worker killed with a pool of one worker moves the room to the replacement and tells peers to reconnect', async () => {
    const pool = await createPool(1);
    const room = await createRoom(pool);
    const a = await joinedPeer(room, 'ward_doctor');
    const b = await joinedPeer(room, 'neurologist');
    await call(room, a.peer, 'createWebRtcTransport', { direction: 'send' });
    await call(room, b.peer, 'createWebRtcTransport', { direction: 'recv' });
    const victim = room.workerPid!;
    const recreated = once(room, 'routerRecreated', { signal: AbortSignal.timeout(5000) });

    process.kill(victim, 'SIGKILL');
    // A request arriving while there is no worker at all waits for the room's new router.
    const whileMoving = new Promise((resolve) => setTimeout(resolve, 5)).then(() =>
      call(room, b.peer, 'getRouterRtpCapabilities'),
    );
    const [event] = (await recreated) as [RouterRecreatedEvent];

    expect(event.oldWorkerPid).toBe(victim);
    expect(event.workerPid).toBe(pool.workers[0]!.pid);
    expect(event.elapsedMs).toBeLessThan(5000);
    expect(await whileMoving).toHaveProperty('rtpCapabilities');
    for (const { connection } of [a, b]) {
      expect(connection.named('reconnect')).toEqual([
        { notification: 'reconnect', data: { reason: 'mediaServerRestarted' } },
      ]);
    }
    expect(room.counts).toMatchObject({ joined: 2, transports: 0, producers: 0, consumers: 0 });
    // The peers set their media up again on the new router.
    const { transportId } = await call(room, a.peer, 'createWebRtcTransport', { direction: 'send' });
    expect(room.router!.closed).toBe(false);
    expect(transportId).toEqual(expect.any(String));
  });

  it('Room: a join in a room whose worker died rejoins in place, keeping the peer id', async () => {
    const pool = await createPool(2);
    const room = await createRoom(pool);
    const a = await joinedPeer(room);
    const recreated = once(room, 'routerRecreated', { signal: AbortSignal.timeout(5000) });
    process.kill(room.workerPid!, 'SIGKILL');
    await recreated;
    const { rtpCapabilities } = await call(room, a.peer, 'getRouterRtpCapabilities');
    expect(await call(room, a.peer, 'join', { rtpCapabilities })).toMatchObject({ peerId: a.peer.id, rejoined: true });
  });
});

describe('picturesToRefresh()', () => {
  // Plain records stand in for peers: this is only the choice of consumers, made from ids and kinds.
  const consumer = (kind: 'audio' | 'video', producerId: string) => ({ kind, producerId });
  const ward = { producers: [{ id: 'ward-cam' }, { id: 'ward-mic' }], consumers: [consumer('video', 'neuro-cam'), consumer('audio', 'neuro-mic')] };
  const neuro = { producers: [{ id: 'neuro-cam' }, { id: 'neuro-mic' }], consumers: [consumer('video', 'ward-cam'), consumer('audio', 'ward-mic')] };
  const observer = { producers: [], consumers: [consumer('video', 'ward-cam'), consumer('video', 'neuro-cam')] };
  const peers = [ward, neuro, observer];

  it('picturesToRefresh() when a sending side comes back answers the other peers\' video consumers of its producers', () => {
    expect(picturesToRefresh(peers, ward, 'send')).toEqual([consumer('video', 'ward-cam'), consumer('video', 'ward-cam')]);
  });

  it('picturesToRefresh() when a receiving side comes back answers its own video consumers only', () => {
    expect(picturesToRefresh(peers, ward, 'recv')).toEqual([consumer('video', 'neuro-cam')]);
  });

  it('picturesToRefresh() for a peer that sends nothing answers none', () => {
    expect(picturesToRefresh(peers, observer, 'send')).toEqual([]);
  });
});
