import type { CaseRecordDto } from '@telestroke/shared';
import { useI18n } from '../i18n/I18nProvider';

/** The case's studies with their signed read: what the transfer and the summary carry. */
export function StudiesPanel({ record }: { record: CaseRecordDto }) {
  const { t, formatDateTime } = useI18n();
  return (
    <section className="card case-section" aria-labelledby="case-studies-title" data-testid="case-studies">
      <h2 id="case-studies-title">{t('case.studies.title')}</h2>
      {record.studies.length === 0 ? (
        <p className="muted">{t('case.studies.none')}</p>
      ) : (
        <ul className="case-studies">
          {record.studies.map((s) => (
            <li key={s.studyId} data-testid="case-study">
              <div>
                <strong>{s.modalities.join(', ') || '—'}</strong> · {s.description ?? ''}{' '}
                <span className="muted">{t('case.studies.received', { at: formatDateTime(s.firstReceivedAt) })}</span>
              </div>
              <div className="muted">
                {s.report
                  ? t('case.studies.report', {
                      aspects: s.report.aspectsScore,
                      name: s.report.signedBy.name,
                      at: formatDateTime(s.report.signedAt),
                    })
                  : t('case.studies.noReport')}
              </div>
              <div className="actions">
                <a className="btn btn-secondary" href={`#/studies/${s.studyInstanceUid}`}>
                  {t('case.studies.open')}
                </a>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
