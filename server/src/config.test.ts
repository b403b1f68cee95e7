import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';

describe('server config', () => {
  it('loadConfig() with no environment gives the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 8080, DICOM_PORT: 11112, SESSION_IDLE_MINUTES: 30, DEMO_SEED: true });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('loadConfig() with bad values throws naming every bad key', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'eighty', DEMO_SEED: 'maybe', DATABASE_URL: 'mysql://x' });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const key of ['PORT', 'DEMO_SEED', 'DATABASE_URL']) expect(message).toContain(key);
  });

  it('loadConfig() with no video settings gives the documented defaults: local SFU, no secret, no ICE servers', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ SFU_PUBLIC_URL: 'ws://127.0.0.1:4443/ws', STUN_URLS: [], TURN_URLS: [], TURN_CREDENTIAL_TTL_SECONDS: 43200 });
    expect(c.SFU_TOKEN_SECRET).toBeUndefined();
    expect(c.TURN_SECRET).toBeUndefined();
  });

  it('loadConfig() splits STUN_URLS and TURN_URLS on commas', () => {
    const c = loadConfig({ STUN_URLS: 'stun:a:3478, stuns:b:5349', TURN_URLS: 'turn:a:3478?transport=tcp', TURN_SECRET: 'coturn-static-secret' });
    expect(c.STUN_URLS).toEqual(['stun:a:3478', 'stuns:b:5349']);
    expect(c.TURN_URLS).toEqual(['turn:a:3478?transport=tcp']);
  });

  it('loadConfig() with bad video settings throws naming each key, never a secret value', () => {
    const bad = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(bad({ SFU_TOKEN_SECRET: 'short-secret-value' })).toMatch(/SFU_TOKEN_SECRET: must be at least 32/);
    expect(bad({ SFU_TOKEN_SECRET: 'short-secret-value' })).not.toContain('short-secret-value');
    expect(bad({ SFU_PUBLIC_URL: 'http://sfu.example/ws' })).toMatch(/SFU_PUBLIC_URL/);
    expect(bad({ SFU_PUBLIC_URL: 'wss://sfu.example/ws?token=x' })).toMatch(/SFU_PUBLIC_URL/);
    expect(bad({ STUN_URLS: 'turn:a:3478' })).toMatch(/STUN_URLS/);
    expect(bad({ TURN_URLS: 'turn:a:3478' })).toMatch(/TURN_SECRET: required when TURN_URLS is set/);
  });
});
