import type { ReactNode } from 'react';
import { useT } from '../i18n/I18nProvider';
import { LanguageSwitch } from './LanguageSwitch';

/** A whole-page message for when there is no session to show yet: loading, or the server out of reach. */
export function StatusScreen({ title, children }: { title: string; children?: ReactNode }) {
  const t = useT();
  return (
    <div className="login-screen">
      <header className="login-top">
        <span className="brand">{t('app.name')}</span>
        <LanguageSwitch />
      </header>
      <main className="login-main">
        <div className="card login-card" aria-live="polite">
          <h1>{title}</h1>
          {children}
        </div>
      </main>
    </div>
  );
}
