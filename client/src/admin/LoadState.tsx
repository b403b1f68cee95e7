import { errorMessageKey } from '../i18n/errors';
import { useT } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import type { Resource } from '../ui/useResource';

/** What a panel shows before its list can: a loading line, or the error with a way to try again. */
export function LoadState({ resource, onRetry }: { resource: Resource<unknown>; onRetry(): void }) {
  const t = useT();
  if (resource.status === 'loading') return <p className="muted" role="status">{t('app.loading')}</p>;
  if (resource.status === 'error') {
    return (
      <Banner tone="error">
        <span>{t(errorMessageKey(resource.error))}</span>
        <button type="button" className="btn btn-secondary btn-inline" onClick={onRetry}>
          {t('app.retry')}
        </button>
      </Banner>
    );
  }
  return null;
}
