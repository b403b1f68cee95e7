import { ERROR_STATUS, XSRF_COOKIE, XSRF_HEADER, type ErrorCode } from '@telestroke/shared';
import { ApiError } from './ApiError';

export { ApiError, isApiError, type ApiErrorCode } from './ApiError';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  /** Default 'GET'. */
  method?: HttpMethod;
  /** Sent as JSON. Default: no body. */
  body?: unknown;
  signal?: AbortSignal;
  /**
   * Whether a 401 SESSION_EXPIRED or UNAUTHENTICATED sends the user back to the login screen. Default true.
   * Turned off where a 401 is an expected answer: login itself, logout and the start-up session probe.
   */
  reportSessionLoss?: boolean;
}

export type SessionLossCode = Extract<ErrorCode, 'SESSION_EXPIRED' | 'UNAUTHENTICATED'>;
type SessionLossListener = (code: SessionLossCode) => void;

const sessionLossListeners = new Set<SessionLossListener>();

/** Calls `listener` whenever an API call finds the session gone. Returns the unsubscribe function. */
export function onSessionLost(listener: SessionLossListener): () => void {
  sessionLossListeners.add(listener);
  return () => sessionLossListeners.delete(listener);
}

export function readCookie(cookies: string, name: string): string | null {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

/**
 * Calls the platform's API on the same origin. Resolves with the parsed JSON body (undefined for 204);
 * rejects with an ApiError, or with the AbortError itself when `signal` aborted the call.
 */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    // Double-submit CSRF defence: only same-origin script can read this cookie and echo it in a header.
    const token = typeof document === 'undefined' ? null : readCookie(document.cookie, XSRF_COOKIE);
    if (token) headers[XSRF_HEADER] = token;
  }

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new ApiError('NETWORK', 0, err instanceof Error ? err.message : 'network failure');
  }

  if (!response.ok) {
    const error = await errorFrom(response);
    if (
      options.reportSessionLoss !== false &&
      error.status === 401 &&
      (error.code === 'SESSION_EXPIRED' || error.code === 'UNAUTHENTICATED')
    ) {
      for (const listener of sessionLossListeners) listener(error.code);
    }
    throw error;
  }

  if (response.status === 204 || method === 'HEAD') return undefined as T;
  const text = await response.text();
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError('INTERNAL', response.status, 'response body is not JSON');
  }
}

export const http = {
  get: <T>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'GET' }),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'POST', body }),
  delete: <T = void>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'DELETE' }),
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** When no error body came back (a proxy's page, a cut connection), the status is all there is to go on. */
function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 423:
      return 'ACCOUNT_LOCKED';
    case 429:
      return 'RATE_LIMITED';
    case 502:
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'TIMEOUT';
    default:
      return 'INTERNAL';
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = isRecord(body) && isRecord(body.error) ? body.error : null;
  const code = error && isErrorCode(error.code) ? error.code : codeForStatus(response.status);
  const message =
    error && typeof error.message === 'string' ? error.message : response.statusText || `HTTP ${response.status}`;
  return new ApiError(code, response.status, message);
}
