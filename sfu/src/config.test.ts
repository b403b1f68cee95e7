import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';

const SECRET = 's3cr3t-'.repeat(6);
const REQUIRED = { MEDIASOUP_WORKER_BIN: '/opt/mediasoup/mediasoup-worker', SFU_TOKEN_SECRET: SECRET };

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('loadConfig()', () => {
  it('loadConfig() with only the required keys applies every documented default', () => {
    expect(loadConfig(REQUIRED)).toEqual({
      SFU_PORT: 4443,
      SFU_HOST: '127.0.0.1',
      MEDIASOUP_WORKER_BIN: '/opt/mediasoup/mediasoup-worker',
      SFU_NUM_WORKERS: os.availableParallelism(),
      RTC_MIN_PORT: 40000,
      RTC_MAX_PORT: 49999,
      SFU_LISTEN_IP: '127.0.0.1',
      SFU_TOKEN_SECRET: SECRET,
      LOG_LEVEL: 'info',
    });
  });

  it('loadConfig() returns a frozen object', () => {
    const config = loadConfig(REQUIRED);
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { SFU_PORT: number }).SFU_PORT = 1;
    }).toThrow(TypeError);
  });

  it('loadConfig() with every key set parses numbers and keeps strings', () => {
    const config = loadConfig({
      ...REQUIRED,
      SFU_PORT: '0',
      SFU_HOST: '::1',
      SFU_NUM_WORKERS: '3',
      RTC_MIN_PORT: '50000',
      RTC_MAX_PORT: '50002',
      SFU_ANNOUNCED_IP: '2001:db8::7',
      SFU_LISTEN_IP: '0.0.0.0',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      SFU_PORT: 0,
      SFU_HOST: '::1',
      SFU_NUM_WORKERS: 3,
      RTC_MIN_PORT: 50000,
      RTC_MAX_PORT: 50002,
      SFU_ANNOUNCED_IP: '2001:db8::7',
      SFU_LISTEN_IP: '0.0.0.0',
      LOG_LEVEL: 'debug',
    });
  });

  it('loadConfig() with empty values treats them as unset', () => {
    const config = loadConfig({ ...REQUIRED, SFU_PORT: '', SFU_ANNOUNCED_IP: '' });
    expect(config.SFU_PORT).toBe(4443);
    expect(config).not.toHaveProperty('SFU_ANNOUNCED_IP');
  });

  it('loadConfig() with an empty environment throws naming both required keys', () => {
    const { message } = errorOf(() => loadConfig({}));
    expect(message).toContain('MEDIASOUP_WORKER_BIN');
    expect(message).toContain('SFU_TOKEN_SECRET');
  });

  it('loadConfig() with RTC_MAX_PORT below RTC_MIN_PORT throws naming both keys', () => {
    const { message } = errorOf(() => loadConfig({ ...REQUIRED, RTC_MIN_PORT: '45000', RTC_MAX_PORT: '44999' }));
    expect(message).toMatch(/RTC_MAX_PORT: .*RTC_MIN_PORT/);
  });

  it('loadConfig() with fewer RTC ports than workers throws naming SFU_NUM_WORKERS', () => {
    const env = { ...REQUIRED, SFU_NUM_WORKERS: '4', RTC_MIN_PORT: '45000', RTC_MAX_PORT: '45002' };
    expect(() => loadConfig(env)).toThrow(/RTC_MAX_PORT: .*SFU_NUM_WORKERS/);
  });

  it('loadConfig() with several bad keys throws one error naming every one', () => {
    const { message } = errorOf(() =>
      loadConfig({
        MEDIASOUP_WORKER_BIN: 'relative/mediasoup-worker',
        SFU_TOKEN_SECRET: SECRET,
        SFU_PORT: '70000',
        SFU_NUM_WORKERS: '0',
        RTC_MIN_PORT: '1e3',
        SFU_ANNOUNCED_IP: 'sfu.example.org',
        SFU_LISTEN_IP: '300.1.1.1',
        LOG_LEVEL: 'verbose',
      }),
    );
    for (const key of [
      'MEDIASOUP_WORKER_BIN',
      'SFU_PORT',
      'SFU_NUM_WORKERS',
      'RTC_MIN_PORT',
      'SFU_ANNOUNCED_IP',
      'SFU_LISTEN_IP',
      'LOG_LEVEL',
    ]) {
      expect(message).toContain(`${key}:`);
    }
    expect(message).not.toContain('SFU_TOKEN_SECRET');
  });

  it('loadConfig() with a short SFU_TOKEN_SECRET throws without echoing the secret', () => {
    const { message } = errorOf(() => loadConfig({ ...REQUIRED, SFU_TOKEN_SECRET: 'hunter2-hunter2' }));
    expect(message).toContain('SFU_TOKEN_SECRET: must be at least 32 characters');
    expect(message).not.toContain('hunter2');
  });

  it('loadConfig() ignores keys it does not know', () => {
    expect(loadConfig({ ...REQUIRED, PATH: '/usr/bin', SFU_UNKNOWN: 'x' })).not.toHaveProperty('PATH');
  });
});
