/**
 * Join tokens for the SFU: the server signs one per user and consult when it answers `POST /api/consults/{id}/join`,
 * and the SFU checks it before upgrading the WebSocket. Node only (node:crypto): never export this module from
 * `index.ts`, which the browser bundle imports; it is reached as `@telestroke/shared/sfu-token`.
 *
 * Format: `base64url(JSON payload) "." base64url(HMAC-SHA256(secret, first part))`. There is no header: the algorithm
 * is fixed, so a token can never choose a weaker one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { RoleSchema } from './auth';
import { AppError } from './errors';

/** Shortest secret accepted, as in the SFU's and the server's config. */
export const SFU_TOKEN_MIN_SECRET_LENGTH = 32;
/** Lifetime of a token when the caller does not choose one: long enough to connect, short enough to leak little. */
export const SFU_TOKEN_DEFAULT_TTL_SECONDS = 120;
/**
 * Longest lifetime a token may claim. The SFU refuses anything longer even when correctly signed, so that a server
 * misconfigured to mint long-lived tokens cannot create credentials that outlive a consult.
 */
export const SFU_TOKEN_MAX_TTL_SECONDS = 600;
/** Clock skew tolerated between the server that signs and the SFU that verifies. */
export const SFU_TOKEN_CLOCK_SKEW_SECONDS = 30;
/** Tokens travel in a URL; anything longer than this is not one of ours. */
const MAX_TOKEN_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export const SfuTokenClaimsSchema = z
  .object({
    /** The one consult (and so the one room) the token admits to. */
    consultId: z.uuid(),
    /** The user the token was issued to; one live peer per user and room. */
    userId: z.uuid(),
    /** Shown to the other participants on the user's tile. */
    displayName: z.string().trim().min(1).max(200),
    role: RoleSchema,
    /** Issued at, seconds since the epoch. */
    iat: z.number().int().nonnegative(),
    /** Expires at, seconds since the epoch; the token is valid while now < exp. */
    exp: z.number().int().positive(),
    /** Random token id, so that two tokens issued in the same second differ and can be told apart in logs. */
    jti: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  })
  .strict();
export type SfuTokenClaims = z.infer<typeof SfuTokenClaimsSchema>;

/** What the server knows when it issues a token; the timing fields and the id are added by `signSfuToken()`. */
export type SfuTokenSubject = Omit<SfuTokenClaims, 'iat' | 'exp' | 'jti'>;

/** Why a token was refused; carried in the error's `details.reason`, never the token itself. */
export type SfuTokenRejection = 'malformed' | 'signature' | 'expired' | 'not_yet_valid' | 'lifetime';

function checkSecret(secret: string): void {
  // A programming or configuration error, not a client error: the config modules already refuse short secrets.
  if (secret.length < SFU_TOKEN_MIN_SECRET_LENGTH) {
    throw new RangeError(`the SFU token secret must be at least ${SFU_TOKEN_MIN_SECRET_LENGTH} characters`);
  }
}

function mac(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

function refuse(reason: SfuTokenRejection, message: string): AppError {
  return new AppError('INVALID_TOKEN', message, { reason });
}

/**
 * Signs a join token for one user in one consult.
 * @param ttlSeconds lifetime, 1 to SFU_TOKEN_MAX_TTL_SECONDS. Default 120.
 * @param now clock in milliseconds since the epoch. Default `Date.now()`.
 */
export function signSfuToken(
  subject: SfuTokenSubject,
  secret: string,
  ttlSeconds: number = SFU_TOKEN_DEFAULT_TTL_SECONDS,
  now: number = Date.now(),
): string {
  return issueSfuToken(subject, secret, ttlSeconds, now).token;
}

/**
 * `signSfuToken()`, with the claims signed: the token's id and expiry, for the audit entry and the answer, without
 * reading the token back. Same parameters and defaults.
 */
export function issueSfuToken(
  subject: SfuTokenSubject,
  secret: string,
  ttlSeconds: number = SFU_TOKEN_DEFAULT_TTL_SECONDS,
  now: number = Date.now(),
): { token: string; claims: SfuTokenClaims } {
  checkSecret(secret);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > SFU_TOKEN_MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be a whole number from 1 to ${SFU_TOKEN_MAX_TTL_SECONDS}`);
  }
  const iat = Math.floor(now / 1000);
  // Parsing what we sign means the server cannot mint a token the SFU would then refuse as malformed.
  const claims = SfuTokenClaimsSchema.parse({
    ...subject,
    iat,
    exp: iat + ttlSeconds,
    jti: randomBytes(16).toString('base64url'),
  });
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return { token: `${payload}.${mac(payload, secret).toString('base64url')}`, claims };
}

/**
 * Verifies a join token and returns its claims. Throws an `INVALID_TOKEN` AppError whose `details.reason` says why
 * (malformed, signature, expired, not_yet_valid, lifetime); the message never contains the token. Checking that the
 * token is for the consult being joined is the caller's job, since only the caller knows which one that is.
 * @param now clock in milliseconds since the epoch. Default `Date.now()`.
 */
export function verifySfuToken(token: string, secret: string, now: number = Date.now()): SfuTokenClaims {
  checkSecret(secret);
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw refuse('malformed', 'malformed token');
  const parts = token.split('.');
  if (parts.length !== 2) throw refuse('malformed', 'malformed token');
  const [payload = '', signature = ''] = parts;
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) throw refuse('malformed', 'malformed token');

  // The signature is checked before the payload is even decoded: nothing an attacker wrote is parsed unless signed.
  const expected = mac(payload, secret);
  const given = Buffer.from(signature, 'base64url');
  // The length of an HMAC-SHA256 is public, so comparing it first leaks nothing; timingSafeEqual needs equal lengths.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw refuse('signature', 'token signature does not match');
  }

  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw refuse('malformed', 'malformed token');
  }
  const parsed = SfuTokenClaimsSchema.safeParse(json);
  if (!parsed.success) throw refuse('malformed', 'malformed token');
  const claims = parsed.data;

  const nowSeconds = now / 1000;
  if (claims.exp - claims.iat > SFU_TOKEN_MAX_TTL_SECONDS || claims.exp <= claims.iat) {
    throw refuse('lifetime', 'token lifetime is out of bounds');
  }
  if (claims.iat > nowSeconds + SFU_TOKEN_CLOCK_SKEW_SECONDS) throw refuse('not_yet_valid', 'token is not valid yet');
  if (nowSeconds >= claims.exp) throw refuse('expired', 'token has expired');
  return claims;
}
