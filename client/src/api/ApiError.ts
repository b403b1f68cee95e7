import type { ErrorCode } from '@telestroke/shared';

/** The server's error codes, plus NETWORK when no answer came back at all. */
export type ApiErrorCode = ErrorCode | 'NETWORK';

/** A failed API call. Screens choose what to show from `code`, never from `message`. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  /** HTTP status; 0 when the request got no answer. */
  readonly status: number;

  constructor(code: ApiErrorCode, status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

export function isApiError(err: unknown, ...codes: ApiErrorCode[]): err is ApiError {
  return err instanceof ApiError && (codes.length === 0 || codes.includes(err.code));
}
