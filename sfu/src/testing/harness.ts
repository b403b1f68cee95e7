import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Role, SFU_WS_PATH } from '@telestroke/shared';
import { signSfuToken } from '@telestroke/shared/sfu-token';
import { pino } from 'pino';
import { createRequestListener } from '../http';
import { RoomRegistry } from '../RoomRegistry';
import type { RoomSettings } from '../RoomTypes';
import { SignalingServer } from '../SignalingServer';
import type { SignalingServerOptions } from '../SignalingServerTypes';
import { WorkerPool } from '../WorkerPool';
import { TestClient } from './TestClient';

export const TEST_SECRET = 'sfu-test-secret-of-sufficient-length';

/** Set by scripts/test.mjs. Without it the SFU tests fail rather than skip: a green run must mean the workers ran. */
export function workerBin(): string {
  const bin = process.env.MEDIASOUP_WORKER_BIN;
  if (!bin) {
    throw new Error(
      'MEDIASOUP_WORKER_BIN is unset: run the tests with `npm test`, or set it to the path printed by ' +
        '`node scripts/mediasoup-worker.mjs build`',
    );
  }
  return bin;
}

export interface TestSfuOptions {
  /** Worker processes. Default 2, so that a room can move to the other one when its worker dies. */
  numWorkers?: number;
  /** Media ports of this test file; each file takes its own range so that files can run in parallel. Required. */
  rtcMinPort: number;
  rtcMaxPort: number;
  /** Room settings. Default: the production defaults, listening on 127.0.0.1. */
  room?: RoomSettings;
  /** Signaling settings. Default: the production defaults. */
  signaling?: Omit<SignalingServerOptions, 'server' | 'registry' | 'tokenSecret'>;
}

/** An SFU in this process, wired as main.ts wires it, on a free port. */
export interface TestSfu {
  url: string;
  pool: WorkerPool;
  registry: RoomRegistry;
  signaling: SignalingServer;
  /** Signaling URL of a consult with a token (which may be for another consult: the tests of refusals do that). */
  wsUrl(consultId: string, token: string): string;
  /** A fresh token for a user of a consult. */
  token(consultId: string, user: TestUser, ttlSeconds?: number): string;
  /** Connects a user to a consult with a fresh token. */
  connect(consultId: string, user: TestUser): Promise<TestClient>;
  stats(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export interface TestUser {
  userId: string;
  displayName: string;
  role: Role;
}

export async function startTestSfu(options: TestSfuOptions): Promise<TestSfu> {
  // LOG_LEVEL=debug shows the SFU's logs while debugging a test.
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const pool = await WorkerPool.create({
    workerBin: workerBin(),
    numWorkers: options.numWorkers ?? 2,
    rtcMinPort: options.rtcMinPort,
    rtcMaxPort: options.rtcMaxPort,
    respawnDelayMs: 100,
    logger,
  });
  const registry = await RoomRegistry.create({ pool, room: { listenIp: '127.0.0.1', ...options.room }, logger });
  const server = http.createServer(createRequestListener(() => ({ pool, registry }), logger));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const signaling = await SignalingServer.create({
    ...options.signaling,
    server,
    registry,
    tokenSecret: TEST_SECRET,
    logger,
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const sfu: TestSfu = {
    url,
    pool,
    registry,
    signaling,
    wsUrl: (consultId, token) =>
      `ws://127.0.0.1:${port}${SFU_WS_PATH}?` + new URLSearchParams({ consultId, token }).toString(),
    token: (consultId, user, ttlSeconds = 120) => signSfuToken({ consultId, ...user }, TEST_SECRET, ttlSeconds),
    connect: (consultId, user) => TestClient.connect(sfu.wsUrl(consultId, sfu.token(consultId, user))),
    stats: async () => (await (await fetch(`${url}/stats`)).json()) as Record<string, number>,
    close: async () => {
      registry.close('serverShutdown');
      signaling.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      pool.close();
    },
  };
  return sfu;
}

/** Resolves once `condition` holds, polling every 20 ms. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
