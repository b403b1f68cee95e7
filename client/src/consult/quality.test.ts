import { randomUUID } from 'node:crypto';
import type { QualityStats } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import { summariseQuality, worseQuality } from './quality';

const id = () => randomUUID();

function stats(over: Partial<QualityStats> = {}): QualityStats {
  return {
    peerId: id(),
    transports: [
      { transportId: id(), direction: 'recv', iceState: 'completed', dtlsState: 'connected', sendBitrate: 1e6, recvBitrate: 0, availableOutgoingBitrate: 2e6 },
      { transportId: id(), direction: 'send', iceState: 'completed', dtlsState: 'connected', sendBitrate: 0, recvBitrate: 1e6 },
    ],
    producers: [
      { producerId: id(), source: 'camera', kind: 'video', paused: false, score: 10, bitrate: 1e6, packetsLost: 0, fractionLost: 0, jitter: 0 },
    ],
    consumers: [{ consumerId: id(), producerId: id(), score: 10, producerScore: 10, bitrate: 1e6, packetsLost: 0, fractionLost: 0, roundTripTime: 20 }],
    ...over,
  };
}

describe('summariseQuality()', () => {
  it('summariseQuality() of no stats yet is unknown', () => {
    expect(summariseQuality(undefined).level).toBe('unknown');
  });

  it('summariseQuality() of full scores, no loss and a short round trip is good', () => {
    const q = summariseQuality(stats());
    expect(q).toMatchObject({ level: 'good', score: 10, lossPercent: 0, rttMs: 20, availableBitrate: 2e6 });
  });

  it('summariseQuality() takes the worst stream: a consumer scored 6 makes it fair, 3 poor', () => {
    const base = stats();
    expect(summariseQuality({ ...base, consumers: [{ ...base.consumers[0]!, score: 6 }] }).level).toBe('fair');
    expect(summariseQuality({ ...base, consumers: [{ ...base.consumers[0]!, score: 3 }] }).level).toBe('poor');
  });

  it('summariseQuality() turns RTCP fraction lost into percent: 5 % is fair, 12 % poor', () => {
    const base = stats();
    const lossy = (fractionLost: number) => ({ ...base, consumers: [{ ...base.consumers[0]!, fractionLost }] });
    expect(summariseQuality(lossy(13))).toMatchObject({ level: 'fair', lossPercent: 5.1 });
    expect(summariseQuality(lossy(31)).level).toBe('poor');
  });

  it('summariseQuality() ignores a paused producer: a camera turned off is no network fault', () => {
    const base = stats();
    const q = summariseQuality({ ...base, producers: [{ ...base.producers[0]!, paused: true, score: 0 }] });
    expect(q.level).toBe('good');
  });

  it('summariseQuality() with a disconnected transport is poor', () => {
    const base = stats();
    const q = summariseQuality({ ...base, transports: [{ ...base.transports[0]!, iceState: 'disconnected' }] });
    expect(q.level).toBe('poor');
  });
});

describe('worseQuality()', () => {
  it('worseQuality() keeps the worse level, and unknown yields to a known one', () => {
    expect(worseQuality('good', 'poor')).toBe('poor');
    expect(worseQuality('fair', 'good')).toBe('fair');
    expect(worseQuality('unknown', 'good')).toBe('good');
    expect(worseQuality('unknown', 'unknown')).toBe('unknown');
  });
});
