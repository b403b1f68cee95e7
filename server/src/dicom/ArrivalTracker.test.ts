import type { StudyEvent } from '@telestroke/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../events/EventBus';
import { ArrivalTracker, type StudyProgress } from './ArrivalTracker';

function progress(n: number, over: Partial<StudyProgress> = {}): StudyProgress {
  return {
    studyId: '11111111-1111-4111-8111-111111111111',
    studyInstanceUid: '1.2.3',
    siteCode: 'MACON',
    modalities: ['CT'],
    description: 'Scanner',
    seriesCount: 1,
    instanceCount: n,
    firstReceivedAt: new Date('2026-11-25T10:00:00Z'),
    isNewStudy: n === 1,
    ...over,
  };
}

describe('ArrivalTracker', () => {
  afterEach(() => vi.useRealTimers());

  it('instanceCommitted() for a new study publishes study.arriving at once, then coalesced updates, then complete after the quiet period', async () => {
    vi.useFakeTimers();
    const bus = new EventBus();
    const events: StudyEvent[] = [];
    bus.subscribe(['study.arriving', 'study.updated', 'study.complete'], (e) => events.push(e));
    const tracker = await ArrivalTracker.create(bus, { quietMs: 10_000, updateIntervalMs: 250 });

    tracker.instanceCommitted(progress(1));
    expect(events.map((e) => [e.type, e.instanceCount])).toEqual([['study.arriving', 1]]);

    for (let n = 2; n <= 50; n++) tracker.instanceCommitted(progress(n));
    await vi.advanceTimersByTimeAsync(300);
    // Forty-nine instances inside one interval make one update carrying the latest count.
    expect(events.map((e) => [e.type, e.instanceCount])).toEqual([
      ['study.arriving', 1],
      ['study.updated', 50],
    ]);

    await vi.advanceTimersByTimeAsync(9_000);
    expect(events.at(-1)!.type).toBe('study.updated');
    tracker.instanceCommitted(progress(51, { seriesCount: 2, modalities: ['CT'] }));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(events.some((e) => e.type === 'study.complete')).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    const complete = events.at(-1)!;
    expect(complete).toMatchObject({ type: 'study.complete', instanceCount: 51, seriesCount: 2, siteCode: 'MACON' });
    expect(tracker.arrivingCount).toBe(0);
    await tracker.close();
  });

  it('instanceCommitted() with counts arriving out of order keeps the highest count', async () => {
    vi.useFakeTimers();
    const bus = new EventBus();
    const events: StudyEvent[] = [];
    bus.subscribe('study.complete', (e) => events.push(e));
    const tracker = await ArrivalTracker.create(bus, { quietMs: 1000 });
    tracker.instanceCommitted(progress(1));
    tracker.instanceCommitted(progress(3));
    tracker.instanceCommitted(progress(2));
    await vi.advanceTimersByTimeAsync(1001);
    expect(events.map((e) => e.instanceCount)).toEqual([3]);
    await tracker.close();
  });

  it('close() twice is idempotent and cancels pending completions', async () => {
    vi.useFakeTimers();
    const bus = new EventBus();
    const events: StudyEvent[] = [];
    bus.subscribe('study.complete', (e) => events.push(e));
    const tracker = await ArrivalTracker.create(bus, { quietMs: 1000 });
    tracker.instanceCommitted(progress(1));
    await tracker.close();
    await tracker.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(events).toEqual([]);
  });
});

describe('EventBus', () => {
  it('publish() with a throwing subscriber still reaches the others and reports the error', () => {
    const errors: unknown[] = [];
    const bus = new EventBus((err) => errors.push(err));
    const seen: string[] = [];
    bus.subscribe('study.arriving', () => {
      throw new Error('subscriber bug');
    });
    const unsubscribe = bus.subscribe('study.arriving', (e) => seen.push(e.studyInstanceUid));
    const event = { type: 'study.arriving' as const, studyId: 'x', studyInstanceUid: '1.2', siteCode: 'M', modalities: [], description: null, seriesCount: 1, instanceCount: 1, firstReceivedAt: '', at: '' };
    bus.publish(event);
    unsubscribe();
    bus.publish(event);
    expect(seen).toEqual(['1.2']);
    expect(errors).toHaveLength(2);
  });
});
