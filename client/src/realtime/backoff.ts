/**
 * Wait before reconnection attempt `attempt` of the live channel (0 for the first): 0.5 s doubling to 15 s, spread by
 * `random` (0-1) so that a ward full of tablets does not reconnect in one burst after a server restart.
 */
export function realtimeBackoffMs(attempt: number, random = 0.5): number {
  const base = Math.min(15_000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + 0.5 * random));
}

/** The `/ws` URL of the page's own origin. */
export function realtimeUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
