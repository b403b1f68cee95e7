import { ERROR_STATUS, ROLES, type ErrorCode } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/ApiError';
import { en } from './en';
import { errorMessageKey } from './errors';
import { fr } from './fr';
import { DEFAULT_LANG, LANGUAGE_STORAGE_KEY, loadLanguage, saveLanguage, translate } from './messages';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('en has every key of fr and no other', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
  });

  it('no message is empty in either language', () => {
    for (const messages of [fr, en]) {
      for (const [key, text] of Object.entries(messages)) expect(text.trim(), key).not.toBe('');
    }
  });

  it('each en message has the same placeholders as its fr original', () => {
    for (const key of Object.keys(fr) as (keyof typeof fr)[]) {
      expect(placeholders(en[key]), key).toEqual(placeholders(fr[key]));
    }
  });

  it('every role has a label', () => {
    for (const role of ROLES) expect(fr).toHaveProperty(`role.${role}`);
  });
});

describe('translate()', () => {
  it('translate() fills named placeholders and leaves unknown ones visible', () => {
    expect(translate(fr, 'admin.tokens.createdTitle', { name: 'CT' })).toBe('Jeton créé : CT');
    expect(translate(en, 'admin.tokens.createdTitle')).toBe('Token created: {name}');
  });
});

describe('errorMessageKey()', () => {
  const keyFor = (code: ErrorCode | 'NETWORK') => errorMessageKey(new ApiError(code, 0, 'server text'));

  it('errorMessageKey() gives the login and admin codes their own message', () => {
    for (const code of [
      'INVALID_CREDENTIALS',
      'ACCOUNT_LOCKED',
      'RATE_LIMITED',
      'TOTP_REQUIRED',
      'TOTP_INVALID',
      'SESSION_EXPIRED',
      'UNAUTHENTICATED',
      'VALIDATION_FAILED',
      'FORBIDDEN',
      'NOT_FOUND',
      'CONFLICT',
      'NETWORK',
    ] as const) {
      expect(keyFor(code)).toBe(`error.${code}`);
    }
    expect(keyFor('ALREADY_EXISTS')).toBe('error.CONFLICT');
  });

  it('errorMessageKey() maps every other code, and non-API errors, to a message that exists', () => {
    for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) expect(fr).toHaveProperty(keyFor(code));
    expect(keyFor('INTERNAL')).toBe('error.generic');
    expect(errorMessageKey(new Error('boom'))).toBe('error.generic');
  });
});

describe('loadLanguage() / saveLanguage()', () => {
  it('loadLanguage() defaults to French when nothing, or something unknown, is stored', () => {
    expect(DEFAULT_LANG).toBe('fr');
    expect(loadLanguage(null)).toBe('fr');
    expect(loadLanguage({ getItem: () => 'de' })).toBe('fr');
  });

  it('loadLanguage() with a throwing storage (private browsing) falls back to French', () => {
    expect(
      loadLanguage({
        getItem: () => {
          throw new Error('SecurityError');
        },
      }),
    ).toBe('fr');
  });

  it('saveLanguage() then loadLanguage() round-trips the choice', () => {
    const store = new Map<string, string>();
    saveLanguage({ setItem: (k, v) => void store.set(k, v) }, 'en');
    expect(store.get(LANGUAGE_STORAGE_KEY)).toBe('en');
    expect(loadLanguage({ getItem: (k) => store.get(k) ?? null })).toBe('en');
  });
});
