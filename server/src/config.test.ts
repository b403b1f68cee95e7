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
});
