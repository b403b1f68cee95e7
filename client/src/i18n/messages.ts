import type { MessageKey, Messages } from './fr';

export const LANGUAGES = ['fr', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];
export const DEFAULT_LANG: Lang = 'fr';
export const LANGUAGE_STORAGE_KEY = 'telestroke.lang';

/** BCP 47 locale used for dates: en-GB keeps the day-month order clinicians in France expect. */
export const LOCALES: Record<Lang, string> = { fr: 'fr-FR', en: 'en-GB' };

export type Vars = Record<string, string | number>;

export function translate(messages: Messages, key: MessageKey, vars?: Vars): string {
  const template = messages[key];
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    const value = vars[name];
    return value === undefined ? placeholder : String(value);
  });
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Storage may be missing or throw (private browsing, disabled cookies): the default language then applies. */
export function loadLanguage(storage: Pick<Storage, 'getItem'> | null): Lang {
  try {
    const stored = storage?.getItem(LANGUAGE_STORAGE_KEY);
    return isLang(stored) ? stored : DEFAULT_LANG;
  } catch {
    return DEFAULT_LANG;
  }
}

export function saveLanguage(storage: Pick<Storage, 'setItem'> | null, lang: Lang): void {
  try {
    storage?.setItem(LANGUAGE_STORAGE_KEY, lang);
  } catch {
    // The choice then lasts until reload, which is better than failing the switch.
  }
}
