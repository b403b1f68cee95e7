import type { QualityStats } from '@telestroke/shared';

/** How well media flows for one peer, as the quality indicator shows it. */
export type QualityLevel = 'good' | 'fair' | 'poor' | 'unknown';

export interface QualitySummary {
  level: QualityLevel;
  /** Worst mediasoup score (0-10) of what flows; null when nothing flows. */
  score: number | null;
  /** Worst loss of the last RTCP interval, percent. */
  lossPercent: number;
  /** Round-trip time to the SFU, milliseconds, when a receiver report gave one. */
  rttMs: number | null;
  /** What the SFU estimates it can send to the peer, bits per second. */
  availableBitrate: number | null;
}

/**
 * Summarises a peer's qualityStats. The score is mediasoup's (10 perfect): what the peer sends as the SFU receives
 * it, and what the SFU forwards as the peer receives it. Paused producers do not count: a muted camera is no fault
 * of the network. Loss is RTCP's fraction lost (0-255).
 */
export function summariseQuality(stats: QualityStats | undefined): QualitySummary {
  const empty: QualitySummary = { level: 'unknown', score: null, lossPercent: 0, rttMs: null, availableBitrate: null };
  if (!stats) return empty;
  const scores: number[] = [];
  let loss = 0;
  for (const p of stats.producers) {
    if (p.paused) continue;
    scores.push(p.score);
    loss = Math.max(loss, p.fractionLost);
  }
  let rtt: number | null = null;
  for (const c of stats.consumers) {
    scores.push(c.score);
    loss = Math.max(loss, c.fractionLost);
    if (c.roundTripTime !== undefined) rtt = Math.max(rtt ?? 0, c.roundTripTime);
  }
  const recv = stats.transports.find((t) => t.direction === 'recv');
  const availableBitrate = recv?.availableOutgoingBitrate ?? null;
  const broken = stats.transports.some((t) => t.iceState === 'disconnected' || t.dtlsState === 'failed');
  if (scores.length === 0) return { ...empty, level: broken ? 'poor' : 'unknown', rttMs: rtt, availableBitrate };
  const score = Math.min(...scores);
  const lossPercent = Math.round((loss / 255) * 1000) / 10;
  let level: QualityLevel;
  if (broken || score <= 4 || lossPercent >= 10 || (rtt !== null && rtt >= 500)) level = 'poor';
  else if (score <= 7 || lossPercent >= 3 || (rtt !== null && rtt >= 250)) level = 'fair';
  else level = 'good';
  return { level, score, lossPercent, rttMs: rtt, availableBitrate };
}

/** The worse of two levels; 'unknown' yields to anything known. */
export function worseQuality(a: QualityLevel, b: QualityLevel): QualityLevel {
  const rank: Record<QualityLevel, number> = { unknown: -1, good: 0, fair: 1, poor: 2 };
  return rank[a] >= rank[b] ? a : b;
}
