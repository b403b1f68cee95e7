import { describe, expect, it } from 'vitest';
import { realtimeBackoffMs, realtimeUrl } from './backoff';

describe('realtimeBackoffMs()', () => {
  it('realtimeBackoffMs() doubles from about 0.5 s and stays within 15 s ± 25 %', () => {
    expect(realtimeBackoffMs(0)).toBe(500);
    expect(realtimeBackoffMs(1)).toBe(1000);
    for (let a = 0; a < 40; a++) expect(realtimeBackoffMs(a, 1)).toBeLessThanOrEqual(18_750);
    expect(realtimeBackoffMs(3, 0)).toBeLessThan(realtimeBackoffMs(3, 1));
  });
});

describe('realtimeUrl()', () => {
  it('realtimeUrl() uses wss behind TLS and ws otherwise, on the page’s own host', () => {
    expect(realtimeUrl({ protocol: 'https:', host: 'telestroke.chu.fr' })).toBe('wss://telestroke.chu.fr/ws');
    expect(realtimeUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/ws');
  });
});
