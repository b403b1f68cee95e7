import type { Logger } from 'pino';
import type { RoomSettings } from './RoomTypes';
import type { WorkerPool } from './WorkerPool';

export interface RoomRegistryOptions {
  /** The workers the rooms' routers run on. Required. */
  pool: WorkerPool;
  /** Settings of every room; each field documents its own default. Default: all defaults. */
  room?: RoomSettings;
  /** Parent logger of the rooms. Default: a silent logger. */
  logger?: Logger;
}

export interface RoomRegistryEvents {
  /** The registry and its rooms were closed; emitted once. */
  closed: [];
}

/**
 * Live objects of the SFU. Routers come from the worker processes themselves (their dumps), transports, producers
 * and consumers from the dumps of the rooms' routers: an object the code lost track of still shows up here.
 */
export interface SfuStats {
  rooms: number;
  /** Peers in rooms: joined, waiting to join, or in their reconnection grace period. */
  peers: number;
  workers: number;
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
}
