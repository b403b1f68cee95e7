import type { ErrorCode } from '@telestroke/shared';
import type { RoomEndReason } from './recovery';

/** The SFU answered a request with an error, or the request could not be answered (socket closed, timeout). */
export class SignalingError extends Error {
  /** The SFU's error code; 'CLOSED' when the socket closed first, 'TIMEOUT' when no answer came in time. */
  readonly code: ErrorCode | 'CLOSED';

  constructor(code: ErrorCode | 'CLOSED', message: string) {
    super(message);
    this.name = 'SignalingError';
    this.code = code;
  }
}

/** A signaling socket could not be opened (refused upgrade, network down). Browsers do not say which. */
export class ConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectError';
  }
}

/** The room client closed, or could not open, for this reason (room full, consult ended, unreachable…). */
export class RoomClosedError extends Error {
  readonly reason: RoomEndReason;

  constructor(reason: RoomEndReason, cause?: unknown) {
    super(`the room client closed: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'RoomClosedError';
    this.reason = reason;
  }
}
