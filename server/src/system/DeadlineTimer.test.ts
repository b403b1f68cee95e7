import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DeadlineTimer } from './DeadlineTimer';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DeadlineTimer', () => {
  it('create() with an interval runs passes by itself until close(), which is idempotent', async () => {
    const passes: Date[] = [];
    const timer = await DeadlineTimer.create({ name: 'test', check: async (now) => void passes.push(now), intervalMs: 20 });
    while (passes.length < 3) await sleep(10);
    await timer.close();
    await timer.close();
    const after = passes.length;
    await sleep(100);
    expect(passes.length).toBe(after);
  });

  it('tick() during a pass joins it instead of starting a second one, and passes the clock’s time', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    const timer = await DeadlineTimer.create({
      name: 'test',
      check: async (now) => {
        running += 1;
        most = Math.max(most, running);
        seen.push(now.getTime());
        await sleep(30);
        running -= 1;
      },
      intervalMs: 0,
      clock: () => new Date(1_000),
    });
    await Promise.all([timer.tick(), timer.tick(), timer.tick()]);
    expect(most).toBe(1);
    expect(seen).toEqual([1_000]);
    await timer.close();
  });

  it('a pass that fails is logged with the timer’s name, and the next pass runs', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'error' }, new Writable({ write: (chunk, _enc, done) => done(void lines.push(JSON.parse(String(chunk)))) }));
    let calls = 0;
    const timer = await DeadlineTimer.create({
      name: 'consults',
      check: async () => {
        calls += 1;
        if (calls === 1) throw new Error('database unreachable');
      },
      intervalMs: 0,
      log,
    });
    await timer.tick();
    await timer.tick();
    expect(calls).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ timer: 'consults', msg: 'deadline check failed' });
    await timer.close();
  });
});
