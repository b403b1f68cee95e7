import { XSRF_COOKIE, XSRF_HEADER } from '@telestroke/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, onSessionLost, readCookie, request } from './http';

// fetch is mocked: these tests pin the wrapper's own behaviour. The real server is exercised by the e2e tests.
const fetchMock = vi.fn<typeof fetch>();

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function sentHeaders(call = 0): Record<string, string> {
  const init = fetchMock.mock.calls[call]?.[1];
  return (init?.headers ?? {}) as Record<string, string>;
}

beforeEach(() => {
  vi.stubGlobal('fetch', fetchMock);
  vi.stubGlobal('document', { cookie: `other=1; ${XSRF_COOKIE}=tok%2Ben; last=2` });
});

afterEach(() => {
  fetchMock.mockReset();
  vi.unstubAllGlobals();
});

describe('request()', () => {
  it('request() with POST sends the XSRF cookie value in the XSRF header, JSON and same-origin credentials', async () => {
    fetchMock.mockResolvedValue(json(201, { id: 'a' }));
    await expect(request('/api/sites/MACON/tokens', { method: 'POST', body: { name: 'ct' } })).resolves.toEqual({
      id: 'a',
    });
    const init = fetchMock.mock.calls[0]?.[1];
    expect(sentHeaders()[XSRF_HEADER]).toBe('tok+en');
    expect(sentHeaders()['Content-Type']).toBe('application/json');
    expect(init?.credentials).toBe('same-origin');
    expect(init?.body).toBe('{"name":"ct"}');
  });

  it('request() with DELETE sends the XSRF header and resolves undefined on 204', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
    await expect(request('/api/tokens/1', { method: 'DELETE' })).resolves.toBeUndefined();
    expect(sentHeaders()[XSRF_HEADER]).toBe('tok+en');
  });

  it('request() with GET sends no XSRF header and no body', async () => {
    fetchMock.mockResolvedValue(json(200, []));
    await request('/api/sites');
    expect(sentHeaders()).not.toHaveProperty(XSRF_HEADER);
    expect(fetchMock.mock.calls[0]?.[1]?.body).toBeUndefined();
    expect(fetchMock.mock.calls[0]?.[1]?.credentials).toBe('same-origin');
  });

  it('request() without the XSRF cookie sends no XSRF header, leaving the refusal to the server', async () => {
    vi.stubGlobal('document', { cookie: '' });
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
    await request('/api/auth/logout', { method: 'POST' });
    expect(sentHeaders()).not.toHaveProperty(XSRF_HEADER);
  });

  it('request() on an error body rejects with ApiError carrying its code, status and message', async () => {
    fetchMock.mockResolvedValue(json(423, { error: { code: 'ACCOUNT_LOCKED', message: 'locked for a while' } }));
    const err = await request('/api/auth/login', { method: 'POST', body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'ACCOUNT_LOCKED', status: 423, message: 'locked for a while' });
  });

  it('request() on a non-JSON error page falls back to a code from the status', async () => {
    fetchMock.mockResolvedValue(new Response('<html>Bad gateway</html>', { status: 502 }));
    await expect(request('/api/me')).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 502 });
  });

  it('request() on an unknown code in the body falls back to a code from the status', async () => {
    fetchMock.mockResolvedValue(json(404, { error: { code: 'NOPE', message: 'x' } }));
    await expect(request('/api/x')).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('request() when fetch itself fails rejects with ApiError NETWORK and status 0', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
    await expect(request('/api/me')).rejects.toMatchObject({ code: 'NETWORK', status: 0 });
  });

  it('request() aborted by its signal rejects with the abort error, not NETWORK', async () => {
    const controller = new AbortController();
    controller.abort();
    fetchMock.mockRejectedValue(new DOMException('aborted', 'AbortError'));
    const err = await request('/api/me', { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApiError);
    expect((err as Error).name).toBe('AbortError');
  });
});

describe('onSessionLost()', () => {
  it('request() answered 401 SESSION_EXPIRED notifies the session-loss listeners', async () => {
    const listener = vi.fn();
    const unsubscribe = onSessionLost(listener);
    fetchMock.mockResolvedValue(json(401, { error: { code: 'SESSION_EXPIRED', message: 'expired' } }));
    await expect(request('/api/sites')).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
    unsubscribe();
    expect(listener).toHaveBeenCalledWith('SESSION_EXPIRED');
  });

  it('request() with reportSessionLoss false (login) answered 401 notifies nobody', async () => {
    const listener = vi.fn();
    const unsubscribe = onSessionLost(listener);
    fetchMock.mockResolvedValue(json(401, { error: { code: 'UNAUTHENTICATED', message: 'no' } }));
    await expect(request('/api/me', { reportSessionLoss: false })).rejects.toBeInstanceOf(ApiError);
    unsubscribe();
    expect(listener).not.toHaveBeenCalled();
  });

  it('request() answered 401 INVALID_CREDENTIALS notifies nobody', async () => {
    const listener = vi.fn();
    const unsubscribe = onSessionLost(listener);
    fetchMock.mockResolvedValue(json(401, { error: { code: 'INVALID_CREDENTIALS', message: 'no' } }));
    await expect(request('/api/auth/login', { method: 'POST' })).rejects.toBeInstanceOf(ApiError);
    unsubscribe();
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('readCookie()', () => {
  it('readCookie() finds a cookie among others and decodes it', () => {
    expect(readCookie('a=1; XSRF-TOKEN=x%3Dy; b=2', 'XSRF-TOKEN')).toBe('x=y');
  });

  it('readCookie() does not match a cookie whose name merely ends with the one asked for', () => {
    expect(readCookie('NOT-XSRF-TOKEN=1', 'XSRF-TOKEN')).toBeNull();
  });

  it('readCookie() keeps a value that is not valid percent-encoding as it is', () => {
    expect(readCookie('XSRF-TOKEN=%E0%A4%A', 'XSRF-TOKEN')).toBe('%E0%A4%A');
  });
});
