import { useI18n } from '../i18n/I18nProvider';
import type { Lang } from '../i18n/messages';

/** Language names stay in their own language: someone who cannot read the current one must still find theirs. */
const OPTIONS: ReadonlyArray<{ lang: Lang; short: string; name: string }> = [
  { lang: 'fr', short: 'FR', name: 'Français' },
  { lang: 'en', short: 'EN', name: 'English' },
];

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <div className="lang-switch" role="group" aria-label={t('lang.label')}>
      {OPTIONS.map((option) => (
        <button
          key={option.lang}
          type="button"
          lang={option.lang}
          title={option.name}
          aria-pressed={lang === option.lang}
          onClick={() => setLang(option.lang)}
          data-testid={`lang-${option.lang}`}
        >
          {option.short}
        </button>
      ))}
    </div>
  );
}
