import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { iceServersFor, turnCredential } from './ice';

const USER = '6f1c1f3e-0d7b-4c1e-9a51-0c8a3c5f2b10';
const NOW = Date.UTC(2026, 0, 15, 10, 0, 0);

describe('ICE servers', () => {
  it('turnCredential() follows the TURN REST API of coturn: `<expiry>:<user>` and base64 HMAC-SHA1 of it', () => {
    const { username, credential } = turnCredential(USER, 'coturn-static-secret', 3600, NOW);
    expect(username).toBe(`${NOW / 1000 + 3600}:${USER}`);
    expect(credential).toBe(createHmac('sha1', 'coturn-static-secret').update(username).digest('base64'));
    // A fixed vector, computed with Python's hmac module: a change of algorithm or encoding shows here.
    expect(turnCredential('u', 'secret', 0, 1_000_000)).toEqual({ username: '1000:u', credential: 'TeXDEJxLb3cYjdxw3qUaLSIyX/4=' });
  });

  it('iceServersFor() with nothing configured answers no ICE server (host candidates only)', () => {
    expect(iceServersFor(USER, { stunUrls: [], turnUrls: [], turnTtlSeconds: 60 }, NOW)).toEqual([]);
  });

  it('iceServersFor() with STUN and TURN answers STUN as is and TURN with a credential of this user', () => {
    const servers = iceServersFor(
      USER,
      { stunUrls: ['stun:a:3478'], turnUrls: ['turn:a:3478', 'turns:a:5349'], turnSecret: 's3cret-s3cret-s3cret', turnTtlSeconds: 600 },
      NOW,
    );
    expect(servers).toEqual([
      { urls: ['stun:a:3478'] },
      { urls: ['turn:a:3478', 'turns:a:5349'], ...turnCredential(USER, 's3cret-s3cret-s3cret', 600, NOW) },
    ]);
  });

  it('iceServersFor() with TURN URLs but no secret leaves TURN out rather than hand out unusable servers', () => {
    expect(iceServersFor(USER, { stunUrls: [], turnUrls: ['turn:a:3478'], turnTtlSeconds: 600 }, NOW)).toEqual([]);
  });
});
