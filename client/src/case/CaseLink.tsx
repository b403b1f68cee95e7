import { useI18n } from '../i18n/I18nProvider';
import { useResource } from '../ui/useResource';
import { getCaseOfConsult } from './api';

/** The way from a consult to its stroke case; nothing while it loads or when the caller may not see it. */
export function CaseLink({ consultId }: { consultId: string }) {
  const { t } = useI18n();
  const loaded = useResource((signal) => getCaseOfConsult(consultId, signal), [consultId]);
  if (loaded.status !== 'ready') return null;
  return (
    <a className="btn btn-secondary btn-large" href={`#/cases/${loaded.data.id}`} title={t('case.openTitle')} data-testid="consult-case-link">
      {t('case.open')}
    </a>
  );
}
