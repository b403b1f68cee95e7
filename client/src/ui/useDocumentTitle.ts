import { useEffect } from 'react';
import { useT } from '../i18n/I18nProvider';

/** Screen readers announce the title on navigation, and the tab or window switcher shows it. */
export function useDocumentTitle(title: string): void {
  const t = useT();
  const appName = t('app.name');
  useEffect(() => {
    document.title = title === appName ? appName : `${title} · ${appName}`;
  }, [title, appName]);
}
