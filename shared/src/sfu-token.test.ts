import { describe, expect, it } from 'vitest';
import { AppError } from './errors';
import {
  SFU_TOKEN_MAX_TTL_SECONDS,
  signSfuToken,
  type SfuTokenSubject,
  verifySfuToken,
} from './sfu-token';

const SECRET = 'sfu-token-test-secret-'.repeat(2);
const OTHER_SECRET = 'another-secret-of-enough-length-'.repeat(2);
const NOW = Date.UTC(2025, 0, 15, 9, 30, 0);
const SUBJECT: SfuTokenSubject = {
  consultId: '3f1c2a4e-8b7d-4c1e-9a2b-5d6e7f809a1b',
  userId: '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  displayName: 'Dr Neuro',
  role: 'neurologist',
};

function rejection(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected verifySfuToken() to throw');
}

/** Rebuilds a token around a payload of our choosing, signed with `secret`, to reach the checks after the MAC. */
async function forge(payload: unknown, secret: string): Promise<string> {
  const { createHmac } = await import('node:crypto');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

describe('sfu-token', () => {
  it('verifySfuToken() with a fresh token returns its claims with iat, exp = iat + 120 and a jti', () => {
    const token = signSfuToken(SUBJECT, SECRET, undefined, NOW);
    const claims = verifySfuToken(token, SECRET, NOW + 1000);
    expect(claims).toMatchObject({ ...SUBJECT, iat: NOW / 1000, exp: NOW / 1000 + 120 });
    expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
  });

  it('signSfuToken() twice for the same subject gives two different tokens', () => {
    expect(signSfuToken(SUBJECT, SECRET, 60, NOW)).not.toBe(signSfuToken(SUBJECT, SECRET, 60, NOW));
  });

  it('verifySfuToken() with a tampered payload rejects with INVALID_TOKEN, reason signature', async () => {
    const token = signSfuToken(SUBJECT, SECRET, 120, NOW);
    const [, signature] = token.split('.');
    const payload = Buffer.from(
      JSON.stringify({ ...verifySfuToken(token, SECRET, NOW), role: 'admin' }),
    ).toString('base64url');
    const error = rejection(() => verifySfuToken(`${payload}.${signature}`, SECRET, NOW));
    expect(error).toMatchObject({ code: 'INVALID_TOKEN', status: 401, details: { reason: 'signature' } });
  });

  it('verifySfuToken() with a flipped signature character rejects with reason signature', () => {
    const token = signSfuToken(SUBJECT, SECRET, 120, NOW);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    expect(rejection(() => verifySfuToken(tampered, SECRET, NOW)).details).toEqual({ reason: 'signature' });
  });

  it('verifySfuToken() with a token signed by another secret rejects with reason signature', () => {
    const token = signSfuToken(SUBJECT, OTHER_SECRET, 120, NOW);
    expect(rejection(() => verifySfuToken(token, SECRET, NOW)).details).toEqual({ reason: 'signature' });
  });

  it('verifySfuToken() at exp rejects with INVALID_TOKEN, reason expired', () => {
    const token = signSfuToken(SUBJECT, SECRET, 120, NOW);
    expect(verifySfuToken(token, SECRET, NOW + 119_999).userId).toBe(SUBJECT.userId);
    const error = rejection(() => verifySfuToken(token, SECRET, NOW + 120_000));
    expect(error).toMatchObject({ code: 'INVALID_TOKEN', details: { reason: 'expired' } });
    expect(error.message).not.toContain(token);
  });

  it('verifySfuToken() with a token issued well in the future rejects with reason not_yet_valid', () => {
    const token = signSfuToken(SUBJECT, SECRET, 120, NOW + 60_000);
    expect(verifySfuToken(token, SECRET, NOW + 31_000).consultId).toBe(SUBJECT.consultId);
    expect(rejection(() => verifySfuToken(token, SECRET, NOW)).details).toEqual({ reason: 'not_yet_valid' });
  });

  it('verifySfuToken() with a correctly signed token claiming a lifetime over the maximum rejects with reason lifetime', async () => {
    const iat = NOW / 1000;
    const token = await forge(
      { ...SUBJECT, iat, exp: iat + SFU_TOKEN_MAX_TTL_SECONDS + 1, jti: 'abcdefghijklmnop' },
      SECRET,
    );
    expect(rejection(() => verifySfuToken(token, SECRET, NOW)).details).toEqual({ reason: 'lifetime' });
  });

  it('verifySfuToken() with a signed payload carrying an unknown claim rejects with reason malformed', async () => {
    const iat = NOW / 1000;
    const token = await forge({ ...SUBJECT, iat, exp: iat + 60, jti: 'abcdefghijklmnop', admin: true }, SECRET);
    expect(rejection(() => verifySfuToken(token, SECRET, NOW)).details).toEqual({ reason: 'malformed' });
  });

  it('verifySfuToken() with garbage rejects with reason malformed', () => {
    for (const token of ['', 'abc', 'a.b.c', 'no spaces.allowed', '.', `${'a'.repeat(3000)}.b`]) {
      expect(rejection(() => verifySfuToken(token, SECRET, NOW)).details).toEqual({ reason: 'malformed' });
    }
  });

  it('signSfuToken() with a short secret or an out-of-range ttl throws a RangeError', () => {
    expect(() => signSfuToken(SUBJECT, 'short', 120, NOW)).toThrow(RangeError);
    expect(() => signSfuToken(SUBJECT, SECRET, 0, NOW)).toThrow(RangeError);
    expect(() => signSfuToken(SUBJECT, SECRET, SFU_TOKEN_MAX_TTL_SECONDS + 1, NOW)).toThrow(RangeError);
    expect(() => verifySfuToken('a.b', 'short', NOW)).toThrow(RangeError);
  });

  it('signSfuToken() with a subject that is not a valid claim set throws rather than mint a token', () => {
    expect(() => signSfuToken({ ...SUBJECT, consultId: 'not-a-uuid' }, SECRET, 120, NOW)).toThrow();
    expect(() => signSfuToken({ ...SUBJECT, role: 'janitor' as never }, SECRET, 120, NOW)).toThrow();
  });
});
