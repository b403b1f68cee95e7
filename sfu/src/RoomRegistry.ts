import { EventEmitter } from 'node:events';
import { AppError, type RoomClosedReason } from '@telestroke/shared';
import { pino, type Logger } from 'pino';
import type { Peer } from './Peer';
import type { PeerConnection, PeerIdentity } from './PeerTypes';
import { Room } from './Room';
import type { RoomRegistryEvents, RoomRegistryOptions, SfuStats } from './RoomRegistryTypes';
import type { RoomSettings } from './RoomTypes';
import type { WorkerPool } from './WorkerPool';

export type { RoomRegistryEvents, RoomRegistryOptions, SfuStats } from './RoomRegistryTypes';

/** How often connecting retries when the room it got closed in between (its last peer left at that moment). */
const CONNECT_ATTEMPTS = 3;

/** The SFU's rooms, one per consult: created on the first connection, closed when their last peer is gone. */
export class RoomRegistry extends EventEmitter<RoomRegistryEvents> {
  readonly #pool: WorkerPool;
  readonly #settings: RoomSettings;
  readonly #log: Logger;
  readonly #rooms = new Map<string, Room>();
  /** Rooms being created, so that two users arriving together share one room. */
  readonly #creating = new Map<string, Promise<Room>>();
  #closed = false;

  static async create(options: RoomRegistryOptions): Promise<RoomRegistry> {
    return new RoomRegistry(options);
  }

  private constructor(options: RoomRegistryOptions) {
    super();
    this.#pool = options.pool;
    this.#settings = { ...options.room };
    this.#log = options.logger ?? pino({ level: 'silent' });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rooms(): Room[] {
    return [...this.#rooms.values()];
  }

  room(consultId: string): Room | undefined {
    return this.#rooms.get(consultId);
  }

  /** Peers in all rooms. */
  get peerCount(): number {
    let count = 0;
    for (const room of this.#rooms.values()) count += room.peers.length;
    return count;
  }

  /** Puts a user into the consult's room, creating the room if needed. */
  async connect(
    consultId: string,
    identity: PeerIdentity,
    connection: PeerConnection,
  ): Promise<{ room: Room; peer: Peer }> {
    for (let attempt = 1; ; attempt++) {
      const room = await this.#acquire(consultId);
      try {
        return { room, peer: await room.connect(identity, connection) };
      } catch (err) {
        if (!room.closed || this.#closed || attempt >= CONNECT_ATTEMPTS) throw err;
      }
    }
  }

  /** Counts of the SFU's live objects, for `/stats` and leak checks. */
  async stats(): Promise<SfuStats> {
    const workers = this.#pool.closed ? [] : this.#pool.workers;
    const rooms = this.rooms;
    const [workerDumps, routerDumps] = await Promise.all([
      Promise.all(workers.map((w) => w.dump().catch(() => null) as Promise<{ routerIds?: string[] } | null>)),
      Promise.all(
        rooms.map((r) =>
          r.router && !r.router.closed ? (r.router.dump().catch(() => null) as Promise<RouterDump | null>) : null,
        ),
      ),
    ]);
    const stats: SfuStats = {
      rooms: rooms.length,
      peers: this.peerCount,
      workers: workers.length,
      routers: 0,
      transports: 0,
      producers: 0,
      consumers: 0,
    };
    for (const dump of workerDumps) stats.routers += dump?.routerIds?.length ?? 0;
    for (const dump of routerDumps) {
      if (!dump) continue;
      stats.transports += dump.transportIds?.length ?? 0;
      stats.producers += Object.keys(dump.mapProducerIdConsumerIds ?? {}).length;
      stats.consumers += Object.keys(dump.mapConsumerIdProducerId ?? {}).length;
    }
    return stats;
  }

  /** Closes every room, telling their peers why. Idempotent; emits 'closed' once. */
  close(reason: RoomClosedReason = 'serverShutdown'): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of this.#rooms.values()) room.close(reason);
    this.#rooms.clear();
    this.emit('closed');
  }

  async #acquire(consultId: string): Promise<Room> {
    if (this.#closed) throw new AppError('UNAVAILABLE', 'the SFU is shutting down');
    const existing = this.#rooms.get(consultId);
    if (existing && !existing.closed) return existing;
    const pending = this.#creating.get(consultId);
    if (pending) return pending;
    const creating = Room.create({ ...this.#settings, consultId, pool: this.#pool, logger: this.#log }).then((room) => {
      if (this.#closed) {
        room.close('serverShutdown');
        throw new AppError('UNAVAILABLE', 'the SFU is shutting down');
      }
      this.#rooms.set(consultId, room);
      room.once('closed', () => {
        if (this.#rooms.get(consultId) === room) this.#rooms.delete(consultId);
      });
      return room;
    });
    this.#creating.set(consultId, creating);
    try {
      return await creating;
    } finally {
      this.#creating.delete(consultId);
    }
  }
}

/** The part of mediasoup's router dump the stats read. */
interface RouterDump {
  transportIds?: string[];
  mapProducerIdConsumerIds?: Record<string, string[]>;
  mapConsumerIdProducerId?: Record<string, string>;
}
