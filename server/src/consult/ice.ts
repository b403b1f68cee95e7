import { createHmac } from 'node:crypto';
import type { IceServer } from '@telestroke/shared';

export interface IceSettings {
  /** `stun:`/`stuns:` URLs. */
  stunUrls: readonly string[];
  /** `turn:`/`turns:` URLs of coturn; used only with `turnSecret`. */
  turnUrls: readonly string[];
  /** coturn's static-auth-secret. */
  turnSecret?: string;
  /** Lifetime of a TURN credential, in seconds. */
  turnTtlSeconds: number;
}

/**
 * Ephemeral TURN credentials of the "TURN REST API" that coturn implements with `use-auth-secret`: the username is
 * `<expiry in epoch seconds>:<user id>` and the password is base64(HMAC-SHA1(secret, username)). coturn recomputes the
 * password from the username, so nothing is stored, and the credential stops working at the expiry.
 * @param now clock in milliseconds since the epoch. Default `Date.now()`.
 */
export function turnCredential(
  userId: string,
  secret: string,
  ttlSeconds: number,
  now: number = Date.now(),
): { username: string; credential: string } {
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${userId}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** The ICE servers one user gets to reach the SFU: STUN as configured, TURN with a credential of their own. */
export function iceServersFor(userId: string, settings: IceSettings, now: number = Date.now()): IceServer[] {
  const servers: IceServer[] = [];
  if (settings.stunUrls.length) servers.push({ urls: [...settings.stunUrls] });
  if (settings.turnUrls.length && settings.turnSecret) {
    servers.push({ urls: [...settings.turnUrls], ...turnCredential(userId, settings.turnSecret, settings.turnTtlSeconds, now) });
  }
  return servers;
}
