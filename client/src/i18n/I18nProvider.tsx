import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en } from './en';
import { fr, type MessageKey, type Messages } from './fr';
import { LOCALES, loadLanguage, saveLanguage, translate, type Lang, type Vars } from './messages';

const DICTIONARIES: Record<Lang, Messages> = { fr, en };

export type Translate = (key: MessageKey, vars?: Vars) => string;

export interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t: Translate;
  /** Date and time of an ISO timestamp in the user's language; the input itself when it is not a date. */
  formatDateTime(iso: string): string;
}

const I18nContext = createContext<I18n | null>(null);

function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => loadLanguage(browserStorage()));

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const value = useMemo<I18n>(() => {
    const dateTime = new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'short', timeStyle: 'short' });
    return {
      lang,
      setLang(next) {
        setLangState(next);
        saveLanguage(browserStorage(), next);
      },
      t: (key, vars) => translate(DICTIONARIES[lang], key, vars),
      formatDateTime(iso) {
        const date = new Date(iso);
        return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
      },
    };
  }, [lang]);

  return <I18nContext value={value}>{children}</I18nContext>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n() outside <I18nProvider>');
  return i18n;
}

export function useT(): Translate {
  return useI18n().t;
}
