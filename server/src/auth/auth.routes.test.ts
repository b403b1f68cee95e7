import { SESSION_COOKIE, XSRF_COOKIE } from '@telestroke/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, DEMO, startTestServer, TEST_DEMO_PASSWORD, type TestServer } from '../testing';
import { currentStep, totpCode } from './totp';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ LOGIN_MAX_FAILURES: '3', LOGIN_RATE_PER_MINUTE: '1000' });
});
afterAll(() => t.close());

describe('POST /api/auth/login', () => {
  it('with the right password answers the user and sets an HttpOnly session cookie and a readable XSRF cookie', async () => {
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: DEMO.neurologist, password: TEST_DEMO_PASSWORD }),
    });
    expect(res.status).toBe(200);
    const me: any = await res.json();
    expect(me.user).toMatchObject({ email: DEMO.neurologist, role: 'neurologist' });
    expect(me.user.sites.map((s: { code: string }) => s.code)).toEqual(['DIJON']);
    expect(me.visibleSiteCodes.sort()).toEqual(['DIJON', 'MACON', 'NEVERS']);
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    const xsrf = cookies.find((c) => c.startsWith(`${XSRF_COOKIE}=`))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(session).not.toMatch(/Secure/i);
    expect(xsrf).not.toMatch(/HttpOnly/i);
  });

  it('behind TLS (X-Forwarded-Proto with TRUST_PROXY) marks the cookies Secure', async () => {
    const tls = await startTestServer({ TRUST_PROXY: 'loopback' });
    try {
      const c = new ApiClient(tls.url);
      const res = await c.request('POST', '/api/auth/login', {
        json: { email: DEMO.admin, password: TEST_DEMO_PASSWORD },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie().every((c) => /;\s*Secure/i.test(c))).toBe(true);
    } finally {
      await tls.close();
    }
  });

  it('with a wrong password rejects with 401 INVALID_CREDENTIALS', async () => {
    const res = await new ApiClient(t.url).login(DEMO.radiologist, 'wrong password');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('with an unknown e-mail answers exactly like a wrong password', async () => {
    const res = await new ApiClient(t.url).login('nobody@demo.invalid', 'whatever');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: 'Wrong e-mail or password' } });
  });

  it('after LOGIN_MAX_FAILURES wrong passwords locks the account: 423 ACCOUNT_LOCKED even with the right one', async () => {
    const c = new ApiClient(t.url);
    expect((await c.login(DEMO.scheduler, 'bad-1')).status).toBe(401);
    expect((await c.login(DEMO.scheduler, 'bad-2')).status).toBe(401);
    const third = await c.login(DEMO.scheduler, 'bad-3');
    expect(third.status).toBe(423);
    expect(third.body.error.code).toBe('ACCOUNT_LOCKED');
    const right = await c.login(DEMO.scheduler);
    expect(right.status).toBe(423);
    expect(right.body.error.code).toBe('ACCOUNT_LOCKED');
    // Once the lock has expired, the right password works again.
    await t.server.db.query("UPDATE users SET locked_until = now() - interval '1 second' WHERE email = $1", [
      DEMO.scheduler,
    ]);
    expect((await c.login(DEMO.scheduler)).status).toBe(200);
  });

  it('with malformed JSON rejects with 400 MALFORMED_JSON', async () => {
    const res = await new ApiClient(t.url).request('POST', '/api/auth/login', {
      rawBody: '{"email": "a@b.fr", "password": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MALFORMED_JSON');
  });

  it('with an unknown field rejects with 400 VALIDATION_FAILED naming it', async () => {
    const res = await new ApiClient(t.url).post('/api/auth/login', { email: DEMO.admin, password: 'x', admin: true });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.error.details)).toContain('admin');
  });

  it('with a body over JSON_BODY_LIMIT rejects with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await new ApiClient(t.url).post('/api/auth/login', { email: DEMO.admin, password: 'x'.repeat(200_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('with a form-encoded body rejects with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await new ApiClient(t.url).request('POST', '/api/auth/login', {
      rawBody: 'email=a&password=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('beyond LOGIN_RATE_PER_MINUTE from one address rejects with 429 RATE_LIMITED and Retry-After', async () => {
    const limited = await startTestServer({ LOGIN_RATE_PER_MINUTE: '3' });
    try {
      const c = new ApiClient(limited.url);
      for (let i = 0; i < 3; i++) expect((await c.login('x@demo.invalid', 'y')).status).toBe(401);
      const res = await c.login(DEMO.admin);
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('RATE_LIMITED');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('sessions', () => {
  it('POST /api/auth/logout ends the session: the same cookie then gets 401 SESSION_EXPIRED', async () => {
    const c = new ApiClient(t.url);
    await c.login(DEMO.wardMacon);
    const cookie = c.cookies.get(SESSION_COOKIE)!;
    expect((await c.get('/api/me')).status).toBe(200);
    expect((await c.post('/api/auth/logout')).status).toBe(204);
    expect(c.cookies.has(SESSION_COOKIE)).toBe(false);
    c.cookies.set(SESSION_COOKIE, cookie);
    const res = await c.get('/api/me');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('SESSION_EXPIRED');
  });

  it('GET /api/me after SESSION_IDLE_MINUTES without a request answers 401 SESSION_EXPIRED', async () => {
    const c = new ApiClient(t.url);
    await c.login(DEMO.wardNevers);
    await t.server.db.query(
      "UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE user_id = (SELECT id FROM users WHERE email = $1)",
      [DEMO.wardNevers],
    );
    const res = await c.get('/api/me');
    expect(res.body.error?.code).toBe('SESSION_EXPIRED');
  });

  it('GET /api/me without any cookie answers 401 UNAUTHENTICATED', async () => {
    const res = await new ApiClient(t.url).get('/api/me');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('a cookie-authenticated change without the X-XSRF-Token header rejects with 403 CSRF_FAILED and changes nothing', async () => {
    const c = new ApiClient(t.url);
    await c.login(DEMO.admin);
    c.sendXsrf = false;
    const res = await c.post('/api/sites/MACON/tokens', { name: 'forged' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('CSRF_FAILED');
    c.sendXsrf = true;
    const list = await c.get('/api/sites/MACON/tokens');
    expect(list.body.map((x: { name: string }) => x.name)).not.toContain('forged');
  });

  it("a change whose X-XSRF-Token echoes another session's token rejects with 403 CSRF_FAILED", async () => {
    const a = new ApiClient(t.url);
    const b = new ApiClient(t.url);
    await a.login(DEMO.admin);
    await b.login(DEMO.admin);
    a.cookies.set(XSRF_COOKIE, b.cookies.get(XSRF_COOKIE)!);
    const res = await a.post('/api/sites/MACON/tokens', { name: 'cross' });
    expect(res.body.error?.code).toBe('CSRF_FAILED');
  });
});

describe('TOTP second factor', () => {
  it('enable, then login without a code gets TOTP_REQUIRED, with a code succeeds, and a replayed code gets TOTP_INVALID', async () => {
    const c = new ApiClient(t.url);
    await c.login(DEMO.radiologist);
    const setup = await c.post('/api/auth/totp/setup');
    expect(setup.status).toBe(200);
    expect(setup.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    const secret: string = setup.body.secret;
    expect((await c.post('/api/auth/totp/enable', { code: '000000' === totpCode(secret, currentStep()) ? '111111' : '000000' })).body.error.code).toBe('TOTP_INVALID');
    expect((await c.post('/api/auth/totp/enable', { code: totpCode(secret, currentStep()) })).status).toBe(204);
    expect((await c.get('/api/me')).body.user.totpEnabled).toBe(true);

    const d = new ApiClient(t.url);
    const noCode = await d.login(DEMO.radiologist);
    expect(noCode.status).toBe(401);
    expect(noCode.body.error.code).toBe('TOTP_REQUIRED');
    // The step used to enable cannot be used again; the next one can.
    const next = totpCode(secret, currentStep() + 1);
    expect((await d.login(DEMO.radiologist, TEST_DEMO_PASSWORD, next)).status).toBe(200);
    const replay = await new ApiClient(t.url).login(DEMO.radiologist, TEST_DEMO_PASSWORD, next);
    expect(replay.body.error.code).toBe('TOTP_INVALID');
  });
});

describe('bearer tokens', () => {
  it('a malformed, unknown or revoked bearer token gets 401 INVALID_TOKEN; a valid one is no user session', async () => {
    const admin = new ApiClient(t.url);
    await admin.login(DEMO.admin);
    const created = await admin.post('/api/sites/MACON/tokens', { name: 'gateway' });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    const row = await t.server.db.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens WHERE id = $1', [
      created.body.id,
    ]);
    expect(row.rows[0]!.token_hash).not.toContain(token);
    expect(row.rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);

    const gw = new ApiClient(t.url);
    gw.bearer = token;
    expect((await gw.get('/api/me')).body.error.code).toBe('FORBIDDEN');
    gw.bearer = 'tsg_' + 'A'.repeat(43);
    expect((await gw.get('/api/me')).body.error.code).toBe('INVALID_TOKEN');
    gw.bearer = 'not a token!';
    expect((await gw.get('/api/me')).status).toBe(401);

    expect((await admin.delete(`/api/tokens/${created.body.id}`)).status).toBe(204);
    gw.bearer = token;
    const revoked = await gw.get('/api/me');
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('INVALID_TOKEN');
  });
});

describe('audit', () => {
  it('logins, failures and token changes are in the audit log with the client address and no password', async () => {
    const { rows } = await t.server.db.query<{ action: string; ip: string; details: unknown }>(
      'SELECT action, ip, details FROM audit_log ORDER BY seq',
    );
    const actions = rows.map((r) => r.action);
    for (const a of ['auth.login', 'auth.login_failed', 'auth.account_locked', 'auth.logout', 'token.create', 'token.revoke']) {
      expect(actions).toContain(a);
    }
    expect(rows.find((r) => r.action === 'auth.login')!.ip).toMatch(/127\.0\.0\.1/);
    expect(JSON.stringify(rows)).not.toContain(TEST_DEMO_PASSWORD);
  });
});
