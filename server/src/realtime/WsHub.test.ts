import { SESSION_COOKIE } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient, DEMO, startTestServer, type TestServer } from '../testing';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

function connect(headers: Record<string, string>): Promise<{ status?: number; first?: unknown }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(t.url.replace('http', 'ws') + '/ws', { headers });
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.on('message', (data) => {
      resolve({ first: JSON.parse(String(data)) });
      ws.close();
    });
    ws.on('error', () => resolve({}));
  });
}

describe('WsHub', () => {
  it('an upgrade without a session cookie is refused with 401 before any socket exists', async () => {
    expect(await connect({})).toEqual({ status: 401 });
  });

  it('an upgrade with an ended session is refused with 401', async () => {
    expect(await connect({ cookie: `${SESSION_COOKIE}=not-a-session` })).toEqual({ status: 401 });
  });

  it('an upgrade from another origin is refused with 403 even with a valid session', async () => {
    const c = new ApiClient(t.url);
    await c.login(DEMO.neurologist);
    const cookie = `${SESSION_COOKIE}=${c.cookies.get(SESSION_COOKIE)}`;
    expect(await connect({ cookie, origin: 'https://evil.example' })).toEqual({ status: 403 });
  });

  it('an upgrade with a live session gets a socket and a hello naming the user', async () => {
    const c = new ApiClient(t.url);
    const me = await c.login(DEMO.neurologist);
    const cookie = `${SESSION_COOKIE}=${c.cookies.get(SESSION_COOKIE)}`;
    expect(await connect({ cookie, origin: t.url })).toEqual({ first: { type: 'hello', userId: me.body.user.id } });
  });

  it('a socket whose session logs out is closed with 4401 at once', async () => {
    const c = new ApiClient(t.url);
    await c.login(DEMO.neurologist);
    const ws = new WebSocket(t.url.replace('http', 'ws') + '/ws', {
      headers: { cookie: `${SESSION_COOKIE}=${c.cookies.get(SESSION_COOKIE)}`, origin: t.url },
    });
    await new Promise((resolve) => ws.once('message', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    expect((await c.post('/api/auth/logout')).status).toBe(204);
    expect(await closed).toBe(4401);
  });
});
