import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { loadConfig, type SfuConfig } from './config';
import { createRequestListener } from './http';
import { RoomRegistry } from './RoomRegistry';
import { SignalingServer } from './SignalingServer';
import { WorkerPool } from './WorkerPool';

// A shutdown that hangs (a stuck connection, a worker that ignores SIGTERM) must not keep the port forever.
const SHUTDOWN_DEADLINE_MS = 10_000;

let config: SfuConfig;
try {
  config = loadConfig();
} catch (err) {
  pino({ name: 'sfu' }).fatal((err as Error).message);
  process.exit(1);
}
// mediasoup spawns its workers with a copy of process.env; the secret stays in the frozen config only.
delete process.env.SFU_TOKEN_SECRET;

const log = pino({ name: 'sfu', level: config.LOG_LEVEL });
let pool: WorkerPool | null = null;
let registry: RoomRegistry | null = null;
let signaling: SignalingServer | null = null;

const server = http.createServer(createRequestListener(() => ({ pool, registry }), log));

// Until the workers run there is no room to join: signaling upgrades get 503 (the client retries), not a reset.
const upgradeWhileStarting = (_req: http.IncomingMessage, socket: Duplex) => {
  socket.on('error', () => socket.destroy());
  socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
};
server.on('upgrade', upgradeWhileStarting);

const starting = WorkerPool.create({
  workerBin: config.MEDIASOUP_WORKER_BIN,
  numWorkers: config.SFU_NUM_WORKERS,
  rtcMinPort: config.RTC_MIN_PORT,
  rtcMaxPort: config.RTC_MAX_PORT,
  logger: log.child({ component: 'workers' }),
});
const ready = starting.then(
  async (created) => {
    pool = created;
    registry = await RoomRegistry.create({
      pool: created,
      room: { listenIp: config.SFU_LISTEN_IP, announcedIp: config.SFU_ANNOUNCED_IP },
      logger: log.child({ component: 'rooms' }),
    });
    signaling = await SignalingServer.create({
      server,
      registry,
      tokenSecret: config.SFU_TOKEN_SECRET,
      logger: log,
    });
    server.off('upgrade', upgradeWhileStarting);
  },
  (err: Error) => {
    log.fatal({ err: err.message }, 'mediasoup workers failed to start');
    process.exit(1);
  },
);

server.listen(config.SFU_PORT, config.SFU_HOST, () => {
  const { address, family, port } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  log.info(
    {
      workers: config.SFU_NUM_WORKERS,
      rtcPorts: `${config.RTC_MIN_PORT}-${config.RTC_MAX_PORT}`,
      listenIp: config.SFU_LISTEN_IP,
      announcedIp: config.SFU_ANNOUNCED_IP ?? null,
      workerBin: config.MEDIASOUP_WORKER_BIN,
    },
    'sfu config',
  );
  log.info({ url: `http://${host}:${port}` }, 'sfu listening');
});
server.on('error', (err) => {
  log.fatal({ err: err.message }, 'sfu http server failed');
  process.exit(1);
});

let shuttingDown = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info({ signal }, 'sfu shutting down');
  setTimeout(() => {
    log.error('sfu shutdown timed out');
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS).unref();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  // A pool still starting is closed once it is up, so no worker process outlives us.
  await ready.catch(() => null);
  const created = await starting.catch(() => null);
  // Rooms first: their peers are told the server is going away (roomClosed, then close code 1001).
  registry?.close('serverShutdown');
  signaling?.close();
  const pids = created?.workers.map((w) => w.pid) ?? [];
  created?.close();
  // Exiting only once the workers are gone means a restarted SFU finds their RTC ports free.
  await Promise.all([closed, ...pids.map(exited)]);
  log.info('sfu stopped');
  process.exit(0);
}

/** Resolves once the process is gone; the workers are our children, so Node reaps them as they exit. */
async function exited(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

process.on('SIGINT', (signal) => void shutdown(signal));
process.on('SIGTERM', (signal) => void shutdown(signal));
