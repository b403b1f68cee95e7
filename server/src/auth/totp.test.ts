import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, currentStep, matchTotp, totpCode } from './totp';

// RFC 6238 appendix B, SHA-1 key "12345678901234567890"; the RFC lists 8 digits, we keep the last 6.
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890'));

describe('totp', () => {
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ])('totpCode() at unix time %i matches the RFC 6238 vector %s', (t, code) => {
    expect(totpCode(RFC_SECRET, Math.floor(t / 30))).toBe(code);
  });

  it('base32Decode(base32Encode(x)) returns x', () => {
    const buf = Buffer.from([0, 1, 2, 250, 255, 17, 99]);
    expect(base32Decode(base32Encode(buf))).toEqual(buf);
  });

  it('matchTotp() accepts one step of drift and refuses a replayed step', () => {
    const now = 1_800_000_000_000;
    const step = currentStep(now);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step - 1), null, now)).toBe(step - 1);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step), step, now)).toBeNull();
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step - 2), null, now)).toBeNull();
  });
});
