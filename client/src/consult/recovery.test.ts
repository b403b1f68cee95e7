import { SFU_CLOSE_CODES } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import { endReasonOf, reconnectDelayMs, shouldReconnect, signalingUrl, tokenUsable } from './recovery';

describe('shouldReconnect()', () => {
  it('shouldReconnect() after replaced, room full, room closed or left is false', () => {
    for (const code of [SFU_CLOSE_CODES.REPLACED, SFU_CLOSE_CODES.ROOM_FULL, SFU_CLOSE_CODES.ROOM_CLOSED, SFU_CLOSE_CODES.LEFT]) {
      expect(shouldReconnect(code), String(code)).toBe(false);
    }
  });

  it('shouldReconnect() after a network drop, a shutdown, a join timeout or a flood close is true', () => {
    for (const code of [1000, 1001, 1006, 1011, 1013, SFU_CLOSE_CODES.JOIN_TIMEOUT, SFU_CLOSE_CODES.RATE_ABUSE]) {
      expect(shouldReconnect(code), String(code)).toBe(true);
    }
  });
});

describe('endReasonOf()', () => {
  it('endReasonOf() names the final close codes and calls anything else a failure', () => {
    expect(endReasonOf(SFU_CLOSE_CODES.REPLACED)).toBe('replaced');
    expect(endReasonOf(SFU_CLOSE_CODES.ROOM_FULL)).toBe('roomFull');
    expect(endReasonOf(SFU_CLOSE_CODES.ROOM_CLOSED)).toBe('roomClosed');
    expect(endReasonOf(SFU_CLOSE_CODES.LEFT)).toBe('left');
    expect(endReasonOf(1006)).toBe('failed');
  });
});

describe('reconnectDelayMs()', () => {
  it('reconnectDelayMs() retries at once, then quickly within the SFU’s 10 s grace period', () => {
    expect([0, 1, 2, 3].map((a) => reconnectDelayMs(a))).toEqual([0, 250, 500, 1000]);
    let total = 0;
    for (let a = 0; a < 6; a++) total += reconnectDelayMs(a, 1);
    expect(total).toBeLessThan(10_000);
  });

  it('reconnectDelayMs() never waits more than 3.6 s, and spreads later attempts with the random factor', () => {
    for (let a = 0; a < 50; a++) expect(reconnectDelayMs(a, 1)).toBeLessThanOrEqual(3600);
    expect(reconnectDelayMs(10, 0)).not.toBe(reconnectDelayMs(10, 1));
  });
});

describe('tokenUsable()', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  it('tokenUsable() with more than the margin left is true', () => {
    expect(tokenUsable('2026-01-01T12:01:00Z', now)).toBe(true);
  });

  it('tokenUsable() within the margin, expired, or unreadable is false', () => {
    expect(tokenUsable('2026-01-01T12:00:04Z', now)).toBe(false);
    expect(tokenUsable('2026-01-01T11:59:00Z', now)).toBe(false);
    expect(tokenUsable('not a date', now)).toBe(false);
  });
});

describe('signalingUrl()', () => {
  it('signalingUrl() adds the consult and the token as encoded query parameters', () => {
    const url = new URL(signalingUrl('wss://sfu.chu.example/ws', 'c-1', 'a.b+c/='));
    expect(url.pathname).toBe('/ws');
    expect(url.searchParams.get('consultId')).toBe('c-1');
    expect(url.searchParams.get('token')).toBe('a.b+c/=');
  });
});
