import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient } from './RealtimeClient';

class FakeWs {
  static all: FakeWs[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  closedWith: number | null = null;
  constructor(readonly url: string) {
    FakeWs.all.push(this);
  }
  close(code: number) {
    this.closedWith = code;
  }
}

const open = (n: number) => FakeWs.all[n]!.onopen?.();

beforeEach(() => {
  vi.useFakeTimers();
  FakeWs.all = [];
});
afterEach(() => vi.useRealTimers());

describe('RealtimeClient', () => {
  it('RealtimeClient emits the server events that match the shared schema and drops the others', () => {
    const client = new RealtimeClient({ url: 'ws://x/ws', WebSocket: FakeWs as unknown as typeof WebSocket });
    const events: unknown[] = [];
    client.on('event', (e) => events.push(e));
    open(0);
    const userId = randomUUID();
    FakeWs.all[0]!.onmessage?.({ data: JSON.stringify({ type: 'hello', userId }) });
    FakeWs.all[0]!.onmessage?.({ data: JSON.stringify({ type: 'future.event', x: 1 }) });
    FakeWs.all[0]!.onmessage?.({ data: 'not json' });
    expect(events).toEqual([{ type: 'hello', userId }]);
    client.close();
  });

  it('RealtimeClient reconnects after a drop with a growing delay and says resync once back', () => {
    const client = new RealtimeClient({ url: 'ws://x/ws', WebSocket: FakeWs as unknown as typeof WebSocket });
    const resync = vi.fn();
    const statuses: string[] = [];
    client.on('resync', resync);
    client.on('status', (s) => statuses.push(s));
    open(0);
    expect(resync).not.toHaveBeenCalled();
    FakeWs.all[0]!.onclose?.();
    expect(client.status).toBe('reconnecting');
    vi.advanceTimersByTime(300);
    expect(FakeWs.all).toHaveLength(1);
    vi.advanceTimersByTime(500);
    expect(FakeWs.all).toHaveLength(2);
    open(1);
    expect(resync).toHaveBeenCalledTimes(1);
    expect(statuses).toEqual(['open', 'reconnecting', 'open']);
    client.close();
  });

  it('RealtimeClient.close() closes the socket and never reconnects', () => {
    const client = new RealtimeClient({ url: 'ws://x/ws', WebSocket: FakeWs as unknown as typeof WebSocket });
    open(0);
    client.close();
    expect(FakeWs.all[0]!.closedWith).toBe(1000);
    vi.advanceTimersByTime(60_000);
    expect(FakeWs.all).toHaveLength(1);
    expect(client.status).toBe('closed');
  });
});
