import { useT } from '../i18n/I18nProvider';
import { useDocumentTitle } from '../ui/useDocumentTitle';

export function NotFoundPage() {
  const t = useT();
  useDocumentTitle(t('notFound.title'));
  return (
    <main className="page" id="main">
      <h1>{t('notFound.title')}</h1>
      <p>{t('notFound.body')}</p>
      <p>
        <a className="btn btn-primary" href="#/">
          {t('common.backHome')}
        </a>
      </p>
    </main>
  );
}
