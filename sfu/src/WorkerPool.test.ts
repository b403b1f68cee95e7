import { once } from 'node:events';
import { AppError } from '@telestroke/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool, type WorkerReplacedEvent } from './WorkerPool';

// Set by scripts/test.mjs. Without it these tests fail rather than skip: a green run must mean the workers ran.
const WORKER_BIN = process.env.MEDIASOUP_WORKER_BIN;

function workerBin(): string {
  if (!WORKER_BIN) {
    throw new Error(
      'MEDIASOUP_WORKER_BIN is unset: run the tests with `npm test`, or set it to the path printed by ' +
        '`node scripts/mediasoup-worker.mjs build`',
    );
  }
  return WORKER_BIN;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// A port range of their own, away from the defaults, so that a running SFU on this machine does not interfere.
const RTC_MIN_PORT = 47100;
const RTC_MAX_PORT = 47109;

const pools: WorkerPool[] = [];
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

describe('WorkerPool', () => {
  afterEach(() => {
    for (const pool of pools.splice(0)) pool.close();
  });

  it('WorkerPool.create() with 2 workers spawns 2 live worker processes', async () => {
    const pool = await createPool(2);
    const pids = pool.workers.map((w) => w.pid);
    expect(pool.size).toBe(2);
    expect(new Set(pids).size).toBe(2);
    for (const pid of pids) {
      expect(pid).not.toBe(process.pid);
      expect(isAlive(pid)).toBe(true);
    }
  });

  it('WorkerPool.create() gives each worker its own slice of the RTC port range', async () => {
    const pool = await createPool(2);
    const ports = await Promise.all(
      pool.workers.map(async (worker) => {
        const router = await worker.createRouter({ mediaCodecs: [] });
        const transport = await router.createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1' }] });
        return transport.iceCandidates.map((c) => c.port);
      }),
    );
    const [first = [], second = []] = ports;
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    for (const port of first) {
      expect(port).toBeGreaterThanOrEqual(47100);
      expect(port).toBeLessThanOrEqual(47104);
    }
    for (const port of second) {
      expect(port).toBeGreaterThanOrEqual(47105);
      expect(port).toBeLessThanOrEqual(47109);
    }
  });

  it('WorkerPool.pick() cycles through the live workers round-robin', async () => {
    const pool = await createPool(2);
    const [a, b] = pool.workers;
    expect([pool.pick(), pool.pick(), pool.pick(), pool.pick()]).toEqual([a, b, a, b]);
  });

  it('WorkerPool: a killed worker process is replaced within 5 s', async () => {
    const pool = await createPool(2);
    const victim = pool.workers[0]!;
    const survivor = pool.workers[1]!;
    const replaced = once(pool, 'workerReplaced', { signal: AbortSignal.timeout(5000) });

    process.kill(victim.pid, 'SIGKILL');
    const [event] = (await replaced) as [WorkerReplacedEvent];

    expect(event.oldPid).toBe(victim.pid);
    expect(event.index).toBe(0);
    expect(event.worker.pid).not.toBe(victim.pid);
    expect(isAlive(event.worker.pid)).toBe(true);
    expect(isAlive(victim.pid)).toBe(false);
    expect(pool.workers).toEqual([event.worker, survivor]);
    const router = await event.worker.createRouter({ mediaCodecs: [] });
    expect(router.closed).toBe(false);
  });

  it('WorkerPool.pick() while a killed worker is being replaced returns only live workers', async () => {
    const pool = await createPool(2);
    const [victim, survivor] = pool.workers;
    // 'died' listeners run in order, so this one runs after the pool's and before the replacement can start.
    const picked = new Promise<unknown[]>((resolve) => {
      victim!.on('died', () => resolve([pool.pick(), pool.pick(), pool.workers]));
    });
    process.kill(victim!.pid, 'SIGKILL');

    expect(await picked).toEqual([survivor, survivor, [survivor]]);
  });

  it('WorkerPool.close() twice is idempotent', async () => {
    const pool = await createPool(2);
    const pids = pool.workers.map((w) => w.pid);
    let closedEvents = 0;
    pool.on('closed', () => closedEvents++);

    pool.close();
    pool.close();

    expect(closedEvents).toBe(1);
    expect(pool.closed).toBe(true);
    expect(pool.workers).toEqual([]);
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 5000, 'the worker processes to exit');
  });

  it('WorkerPool.pick() after close() throws an UNAVAILABLE AppError', async () => {
    const pool = await createPool(1);
    pool.close();
    let error: unknown;
    try {
      pool.pick();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', status: 503, message: expect.stringContaining('closed') });
  });

  it('WorkerPool: a worker killed after close() is not replaced', async () => {
    const pool = await createPool(1);
    const pid = pool.workers[0]!.pid;
    let replaced = false;
    pool.on('workerReplaced', () => (replaced = true));
    pool.close();
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 5000, 'the worker process to exit');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(replaced).toBe(false);
  });

  it('WorkerPool.create() with a missing binary rejects naming the build command', async () => {
    await expect(WorkerPool.create({ workerBin: '/nonexistent/mediasoup-worker', numWorkers: 1 })).rejects.toThrow(
      /\/nonexistent\/mediasoup-worker is missing.*mediasoup-worker\.mjs build/,
    );
  });

  it('WorkerPool.create() with a binary other than the one mediasoup is bound to rejects', async () => {
    await createPool(1);
    await expect(WorkerPool.create({ workerBin: process.execPath, numWorkers: 1 })).rejects.toThrow(
      /bound to MEDIASOUP_WORKER_BIN/,
    );
  });

  it('WorkerPool.create() with fewer ports than workers rejects with a RangeError', async () => {
    await expect(
      WorkerPool.create({ workerBin: workerBin(), numWorkers: 3, rtcMinPort: 47100, rtcMaxPort: 47101 }),
    ).rejects.toThrow(RangeError);
  });
});
