import { SFU_CLOSE_CODES } from '@telestroke/shared';

/**
 * Close codes after which the room client stays closed: another connection of the same user took over, the room was
 * full, the room closed (the consult ended), or the user left. Any other close is a network problem or an SFU
 * restart, and the client reconnects.
 */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  SFU_CLOSE_CODES.REPLACED,
  SFU_CLOSE_CODES.ROOM_FULL,
  SFU_CLOSE_CODES.ROOM_CLOSED,
  SFU_CLOSE_CODES.LEFT,
]);

export function shouldReconnect(closeCode: number): boolean {
  return !FINAL_CLOSE_CODES.has(closeCode);
}

/** Why a room client closed for good, from the close code of its last socket. */
export type RoomEndReason = 'left' | 'replaced' | 'roomFull' | 'roomClosed' | 'failed';

export function endReasonOf(closeCode: number): RoomEndReason {
  switch (closeCode) {
    case SFU_CLOSE_CODES.REPLACED:
      return 'replaced';
    case SFU_CLOSE_CODES.ROOM_FULL:
      return 'roomFull';
    case SFU_CLOSE_CODES.ROOM_CLOSED:
      return 'roomClosed';
    case SFU_CLOSE_CODES.LEFT:
      return 'left';
    default:
      return 'failed';
  }
}

/**
 * Wait before reconnection attempt `attempt` (0 for the first). The SFU keeps a dropped peer's seat for 10 s, so the
 * first attempts come quickly: 0, 250, 500, 1000, 2000 ms, then every 3 s. `random` (0-1) spreads the later ones so
 * that both ends of a consult do not retry in lock step.
 */
export function reconnectDelayMs(attempt: number, random = 0.5): number {
  if (attempt <= 0) return 0;
  const base = Math.min(3000, 250 * 2 ** (attempt - 1));
  return Math.round(base * (attempt >= 4 ? 0.8 + 0.4 * random : 1));
}

/**
 * Whether a join token can still be used for a connection: the SFU checks it at the upgrade only, so it must be
 * valid for the few seconds the connection takes, `marginMs` (default 5000).
 */
export function tokenUsable(expiresAt: string, now: number, marginMs = 5000): boolean {
  const expiry = Date.parse(expiresAt);
  return Number.isFinite(expiry) && expiry - now > marginMs;
}

/** The signaling URL of a consult: `sfuUrl?consultId=…&token=…`. */
export function signalingUrl(sfuUrl: string, consultId: string, token: string): string {
  const url = new URL(sfuUrl);
  url.searchParams.set('consultId', consultId);
  url.searchParams.set('token', token);
  return url.toString();
}
