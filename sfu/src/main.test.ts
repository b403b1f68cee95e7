import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signSfuToken } from '@telestroke/shared/sfu-token';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from './testing/TestClient';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const REPO_ROOT = path.resolve(path.dirname(MAIN), '../..');
const SECRET = 'test-secret-'.repeat(4);

// Set by scripts/test.mjs. Without it these tests fail rather than skip: a green run must mean the workers ran.
function workerBin(): string {
  const bin = process.env.MEDIASOUP_WORKER_BIN;
  if (!bin) {
    throw new Error(
      'MEDIASOUP_WORKER_BIN is unset: run the tests with `npm test`, or set it to the path printed by ' +
        '`node scripts/mediasoup-worker.mjs build`',
    );
  }
  return bin;
}

interface Sfu {
  child: ChildProcess;
  /** Every line the process wrote to stdout or stderr. */
  output: string[];
  /** Parsed JSON log lines of stdout. */
  logs: Array<Record<string, unknown>>;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

const running: Sfu[] = [];

function startSfu(env: Record<string, string>): Sfu {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      MEDIASOUP_WORKER_BIN: workerBin(),
      SFU_TOKEN_SECRET: SECRET,
      SFU_HOST: '127.0.0.1',
      SFU_PORT: '0',
      SFU_NUM_WORKERS: '1',
      RTC_MIN_PORT: '47200',
      RTC_MAX_PORT: '47209',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const sfu: Sfu = { child, output: [], logs: [], exited: once(child, 'exit') as Sfu['exited'] };
  const collect = (stream: NodeJS.ReadableStream, parse: boolean) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        sfu.output.push(line);
        if (!parse) continue;
        try {
          sfu.logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // Not a log line; it stays in `output` for the failure message.
        }
      }
    });
  };
  collect(child.stdout!, true);
  collect(child.stderr!, false);
  running.push(sfu);
  return sfu;
}

async function waitForLog(sfu: Sfu, msg: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = sfu.logs.find((l) => l.msg === msg);
    if (line) return line;
    if (Date.now() > deadline || sfu.child.exitCode !== null) {
      throw new Error(`no "${msg}" log line; output so far:\n${sfu.output.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('sfu main', () => {
  afterEach(async () => {
    for (const sfu of running.splice(0)) {
      if (sfu.child.exitCode === null && sfu.child.signalCode === null) {
        sfu.child.kill('SIGKILL');
        await sfu.exited;
      }
    }
  });

  it('main with SFU_PORT=0 logs the listening URL and /healthz answers 200 with the worker count', async () => {
    const sfu = startSfu({ SFU_NUM_WORKERS: '2' });
    const { url } = await waitForLog(sfu, 'sfu listening');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await waitForLog(sfu, 'mediasoup workers started');

    const health = await fetch(`${String(url)}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', workers: 2, rooms: 0, peers: 0 });

    const stats = await fetch(`${String(url)}/stats`);
    expect(await stats.json()).toEqual({
      rooms: 0,
      peers: 0,
      workers: 2,
      routers: 0,
      transports: 0,
      producers: 0,
      consumers: 0,
    });

    const other = await fetch(`${String(url)}/rooms`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('main accepts a signaling socket only with a token signed with SFU_TOKEN_SECRET', async () => {
    const sfu = startSfu({});
    const { url } = await waitForLog(sfu, 'sfu listening');
    await waitForLog(sfu, 'mediasoup workers started');
    const consultId = randomUUID();
    const subject = { consultId, userId: randomUUID(), displayName: 'Dr Test', role: 'neurologist' as const };
    const wsUrl = (token: string) => `${String(url).replace('http', 'ws')}/ws?consultId=${consultId}&token=${token}`;

    await expect(TestClient.connect(wsUrl(signSfuToken(subject, 'x'.repeat(32))))).rejects.toMatchObject({ status: 401 });
    // Workers start before signaling is wired; until then upgrades get 503, so retry briefly.
    let client: TestClient | undefined;
    for (let attempt = 0; !client && attempt < 50; attempt++) {
      client = await TestClient.connect(wsUrl(signSfuToken(subject, SECRET))).catch(async (err: { status?: number }) => {
        if (err.status !== 503) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return undefined;
      });
    }
    const { rtpCapabilities } = await client!.request('getRouterRtpCapabilities');
    expect(await client!.request('join', { rtpCapabilities })).toMatchObject({ peers: [], rejoined: false });
    expect(await (await fetch(`${String(url)}/healthz`)).json()).toMatchObject({ rooms: 1, peers: 1 });

    sfu.child.kill('SIGTERM');
    expect((await client!.closed).code).toBe(1001);
    expect(client!.all('roomClosed')).toEqual([{ reason: 'serverShutdown' }]);
    expect(await sfu.exited).toEqual([0, null]);
  });

  it('main on SIGTERM stops its worker processes and exits 0', async () => {
    const sfu = startSfu({});
    await waitForLog(sfu, 'sfu listening');
    const { pids } = (await waitForLog(sfu, 'mediasoup workers started')) as { pids: number[] };
    expect(pids).toHaveLength(1);
    expect(isAlive(pids[0]!)).toBe(true);

    sfu.child.kill('SIGTERM');
    const [code, signal] = await sfu.exited;

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(sfu.logs.map((l) => l.msg)).toContain('sfu stopped');
    expect(isAlive(pids[0]!)).toBe(false);
  });

  it('main keeps SFU_TOKEN_SECRET out of its logs and out of the worker processes', async () => {
    const sfu = startSfu({ LOG_LEVEL: 'trace' });
    const { pids } = (await waitForLog(sfu, 'mediasoup workers started')) as { pids: number[] };
    if (process.platform === 'linux') {
      const environ = readFileSync(`/proc/${pids[0]}/environ`, 'utf8').split('\0');
      expect(environ.some((kv) => kv.startsWith('MEDIASOUP_VERSION='))).toBe(true);
      expect(environ.filter((kv) => kv.startsWith('SFU_TOKEN_SECRET='))).toEqual([]);
    }
    sfu.child.kill('SIGINT');
    expect(await sfu.exited).toEqual([0, null]);
    expect(sfu.output.join('\n')).not.toContain(SECRET);
  });

  it('main with a bad environment exits 1 naming every bad key', async () => {
    const sfu = startSfu({ SFU_PORT: 'eighty', MEDIASOUP_WORKER_BIN: '', SFU_TOKEN_SECRET: 'tooShortSecretValue' });
    const [code] = await sfu.exited;
    const output = sfu.output.join('\n');
    expect(code).toBe(1);
    expect(output).toContain('SFU_PORT');
    expect(output).toContain('MEDIASOUP_WORKER_BIN');
    expect(output).toContain('SFU_TOKEN_SECRET');
    expect(output).not.toContain('tooShortSecretValue');
  });
});
