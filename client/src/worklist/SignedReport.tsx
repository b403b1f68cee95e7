import { ADDENDUM_TEXT_MAX, ASPECTS_REGIONS, type SignedReportDto } from '@telestroke/shared';
import { useState } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { addAddendum, reportPdfHref } from './api';

interface SignedReportProps {
  report: SignedReportDto;
  /** Hub readers may append corrections; the sending site reads. */
  canAddAddendum: boolean;
  /** The report with the new addendum. */
  onAddendum(report: SignedReportDto): void;
}

/** A signed report as the sending site and the hub read it: immutable, its addenda below, and the PDF. */
export function SignedReport({ report, canAddAddendum, onAddendum }: SignedReportProps) {
  const { t, lang, formatDateTime } = useI18n();
  const f = report.findings;
  const affected = ASPECTS_REGIONS.filter((r) => f.aspects[r]);
  const yesNo = (v: boolean) => (v ? t('report.yes') : t('report.no'));

  return (
    <section className="report-signed" data-testid="report-signed" data-aspects={report.aspectsScore} aria-labelledby="report-signed-title">
      <h2 id="report-signed-title">{t('report.signedTitle')}</h2>
      <p className="report-signed-by" data-testid="report-signed-by">
        {t('report.signedBy', { name: report.signedBy.name, at: formatDateTime(report.signedAt) })}
      </p>
      <dl className="report-facts">
        <div>
          <dt>{t('report.haemorrhage')}</dt>
          <dd data-testid="report-signed-haemorrhage">{t(`report.haemorrhage.${f.haemorrhage}`)}</dd>
        </div>
        <div>
          <dt>{t('report.earlyIschaemicSigns')}</dt>
          <dd>{yesNo(f.earlyIschaemicSigns)}</dd>
        </div>
        <div>
          <dt>{t('report.aspects')}</dt>
          <dd>
            <strong data-testid="report-signed-aspects">{t('report.aspectsScore', { score: report.aspectsScore })}</strong>
            {affected.length > 0 && ` (${affected.map((r) => t(`report.region.${r}`)).join(', ')})`}
          </dd>
        </div>
        <div>
          <dt>{t('report.hyperdenseVesselSign')}</dt>
          <dd>{yesNo(f.hyperdenseVesselSign)}</dd>
        </div>
        <div>
          <dt>{t('report.lvo')}</dt>
          <dd>{t(`report.lvo.${f.lvo}`)}</dd>
        </div>
        <div>
          <dt>{t('report.recommendation')}</dt>
          <dd className="report-recommendation" data-testid="report-signed-recommendation">
            {t(`report.recommendation.${f.recommendation}`)}
          </dd>
        </div>
        {f.freeText && (
          <div className="report-facts-wide">
            <dt>{t('report.freeText')}</dt>
            <dd className="report-text">{f.freeText}</dd>
          </div>
        )}
      </dl>
      <a className="btn btn-secondary" href={reportPdfHref(report.requestId, lang)} target="_blank" rel="noopener" data-testid="report-pdf">
        {t('report.pdf')}
      </a>
      {report.addenda.length > 0 && (
        <>
          <h3>{t('report.addenda')}</h3>
          <ol className="report-addenda">
            {report.addenda.map((a) => (
              <li key={a.id} data-testid="report-addendum">
                <p className="report-text">{a.text}</p>
                <p className="muted">{t('report.addendumBy', { name: a.signedBy.name, at: formatDateTime(a.signedAt) })}</p>
              </li>
            ))}
          </ol>
        </>
      )}
      {canAddAddendum && <AddendumForm requestId={report.requestId} onAdded={onAddendum} />}
    </section>
  );
}

function AddendumForm({ requestId, onAdded }: { requestId: string; onAdded(report: SignedReportDto): void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  if (!open) {
    return (
      <button type="button" className="btn btn-secondary" onClick={() => setOpen(true)} data-testid="report-addendum-add">
        {t('report.addAddendum')}
      </button>
    );
  }
  return (
    <form
      className="report-addendum-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!text.trim()) {
          setError('report.addendumEmpty');
          return;
        }
        setPending(true);
        setError(null);
        try {
          onAdded(await addAddendum(requestId, text.trim()));
          setText('');
          setOpen(false);
        } catch (err) {
          setError(errorMessageKey(err));
        } finally {
          setPending(false);
        }
      }}
    >
      <div className="field">
        <label htmlFor={`addendum-${requestId}`}>{t('report.addendumText')}</label>
        <textarea
          id={`addendum-${requestId}`}
          rows={3}
          maxLength={ADDENDUM_TEXT_MAX}
          value={text}
          autoFocus
          onChange={(e) => setText(e.target.value)}
          data-testid="report-addendum-text"
        />
      </div>
      {error && <Banner tone="error">{t(error)}</Banner>}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={pending} data-testid="report-addendum-submit">
          {pending ? t('common.working') : t('report.addendumSubmit')}
        </button>
        <button type="button" className="btn btn-ghost" disabled={pending} onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
