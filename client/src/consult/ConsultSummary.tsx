import type { ConsultDto } from '@telestroke/shared';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { formatElapsed, lkwUrgency, minutesSince } from './clinical';
import { useNow } from './useNow';

/** "Time since last known well", ticking, coloured by the thrombolysis window. */
export function LkwElapsed({ lastKnownWellAt, testId }: { lastKnownWellAt: string; testId?: string }) {
  const { t } = useI18n();
  const now = useNow();
  const minutes = minutesSince(lastKnownWellAt, now);
  const text = formatElapsed(minutes);
  return (
    <span className={`lkw lkw-${lkwUrgency(minutes)}`} data-testid={testId}>
      {text ? t('consult.lkw.since', { elapsed: text }) : t('consult.lkw.unknown')}
    </span>
  );
}

export function statusKey(consult: ConsultDto): MessageKey {
  return `consult.status.${consult.status}`;
}

/** The patient in one line, and the request's facts: what the neurologist reads first. */
export function ConsultSummary({ consult, siteName }: { consult: ConsultDto; siteName?: string }) {
  const { t, formatDateTime } = useI18n();
  return (
    <dl className="consult-facts">
      <div>
        <dt>{t('consult.field.patientRef')}</dt>
        <dd className="mono" data-testid="consult-patient-ref">
          {consult.patientRef}
        </dd>
      </div>
      <div>
        <dt>{t('consult.patient')}</dt>
        <dd>
          {t('consult.patientLine', {
            age: consult.ageYears,
            sex: t(`consult.sex.${consult.sex}`),
            weight: consult.weightKg,
          })}
        </dd>
      </div>
      <div>
        <dt>{t('consult.field.lastKnownWell')}</dt>
        <dd>
          {formatDateTime(consult.lastKnownWellAt)} · <LkwElapsed lastKnownWellAt={consult.lastKnownWellAt} />
        </dd>
      </div>
      <div>
        <dt>{t('consult.site')}</dt>
        <dd>{siteName ?? consult.siteCode}</dd>
      </div>
      <div className="consult-facts-wide">
        <dt>{t('consult.field.reason')}</dt>
        <dd>{consult.reason}</dd>
      </div>
      {consult.studyInstanceUid && (
        <div className="consult-facts-wide">
          <dt>{t('consult.field.study')}</dt>
          <dd className="mono cell-wrap">{consult.studyInstanceUid}</dd>
        </div>
      )}
    </dl>
  );
}
