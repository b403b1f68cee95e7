import { CASE_DECISION_LABELS, CASE_DECISIONS, type CaseDecision, type CaseRecordDto } from '@telestroke/shared';
import { useState, type FormEvent } from 'react';
import { useSiteNames } from '../consult/useSiteNames';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { acknowledgeTransfer, decide, requestTransfer } from './api';

const TRANSFER_DECISIONS: readonly CaseDecision[] = ['thrombectomy_transfer', 'thrombolysis_and_transfer'];

interface DecisionPanelProps {
  record: CaseRecordDto;
  onRecord(record: CaseRecordDto): void;
}

/** The decision (thrombolysis, transfer, both, neither), the transfer request it may lead to, and the CHU's receipt. */
export function DecisionPanel({ record, onRecord }: DecisionPanelProps) {
  const { t, lang, formatDateTime } = useI18n();
  const [choice, setChoice] = useState<CaseDecision | null>(record.decision?.decision ?? null);
  const [note, setNote] = useState('');
  const [editing, setEditing] = useState(record.decision === null);
  const [transferNote, setTransferNote] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const { decision, transfer } = record;
  const siteNames = useSiteNames();

  async function run(action: () => Promise<CaseRecordDto>) {
    setSaving(true);
    setError(null);
    try {
      onRecord(await action());
      return true;
    } catch (err) {
      setError(errorMessageKey(err));
      return false;
    } finally {
      setSaving(false);
    }
  }

  async function submitDecision(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!choice) return;
    const trimmed = note.trim();
    if (await run(() => decide(record.id, trimmed ? { decision: choice, note: trimmed } : { decision: choice }))) {
      setEditing(false);
      setNote('');
    }
  }

  const transferWanted = decision !== null && TRANSFER_DECISIONS.includes(decision.decision);

  return (
    <>
      <section className="card case-section" aria-labelledby="decision-title" data-testid="case-decision" data-decision={decision?.decision ?? ''}>
        <h2 id="decision-title">{t('case.decision.title')}</h2>
        {decision ? (
          <p data-testid="case-decision-current">
            <strong>
              {t('case.decision.current', {
                decision: CASE_DECISION_LABELS[decision.decision][lang],
                name: decision.decidedBy.name,
                at: formatDateTime(decision.decidedAt),
              })}
            </strong>
            {decision.note && <span className="muted"> · « {decision.note} »</span>}
          </p>
        ) : (
          <p className="muted">{t('case.decision.none')}</p>
        )}
        {record.can.decide && !editing && (
          <button type="button" className="btn btn-secondary" onClick={() => setEditing(true)} data-testid="case-decision-edit">
            {t('case.decision.change')}
          </button>
        )}
        {record.can.decide && editing && (
          <form onSubmit={(e) => void submitDecision(e)} data-testid="case-decision-form">
            <fieldset className="field">
              <legend>{t('case.decision.choose')}</legend>
              <div className="throm-options">
                {CASE_DECISIONS.map((d) => (
                  <label key={d} className="throm-option">
                    <input type="radio" name="case-decision" checked={choice === d} onChange={() => setChoice(d)} data-testid={`case-decision-${d}`} />
                    {CASE_DECISION_LABELS[d][lang]}
                  </label>
                ))}
              </div>
            </fieldset>
            <div className="field">
              <label htmlFor="case-decision-note">{t('case.decision.note')}</label>
              <input id="case-decision-note" value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
            </div>
            <div className="actions">
              <button type="submit" className="btn btn-primary" disabled={!choice || saving} data-testid="case-decision-save">
                {saving ? t('common.working') : t('case.decision.save')}
              </button>
              {decision && (
                <button type="button" className="btn btn-ghost" onClick={() => setEditing(false)}>
                  {t('common.cancel')}
                </button>
              )}
            </div>
          </form>
        )}
      </section>

      <section className="card case-section" aria-labelledby="transfer-title" data-testid="case-transfer" data-state={transfer ? (transfer.acknowledgedAt ? 'acknowledged' : 'requested') : 'none'}>
        <h2 id="transfer-title">{t('case.transfer.title')}</h2>
        {transfer ? (
          <>
            <p>
              <strong>{t('case.transfer.to', { site: siteNames.get(transfer.toSiteCode) ?? transfer.toSiteCode })}</strong> ·{' '}
              {t('case.transfer.requested', { name: transfer.requestedBy.name, at: formatDateTime(transfer.requestedAt) })}
              {transfer.note && <span className="muted"> · « {transfer.note} »</span>}
            </p>
            {transfer.acknowledgedBy && transfer.acknowledgedAt ? (
              <Banner tone="success" testId="case-transfer-acked">
                {t('case.transfer.acked', { name: transfer.acknowledgedBy.name, at: formatDateTime(transfer.acknowledgedAt) })}
              </Banner>
            ) : (
              <Banner tone="warning" testId="case-transfer-waiting">
                {t('case.transfer.waitingAck')}
              </Banner>
            )}
            {record.can.acknowledgeTransfer && !transfer.acknowledgedAt && (
              <button
                type="button"
                className="btn btn-urgent btn-large"
                disabled={saving}
                onClick={() => void run(() => acknowledgeTransfer(record.id))}
                data-testid="case-transfer-ack"
              >
                {t('case.transfer.ack')}
              </button>
            )}
          </>
        ) : (
          <>
            <p className="muted">{t('case.transfer.none')}</p>
            {record.can.decide && transferWanted && (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  const trimmed = transferNote.trim();
                  void run(() => requestTransfer(record.id, trimmed ? { note: trimmed } : {}));
                }}
                data-testid="case-transfer-form"
              >
                <p className="hint">{t('case.transfer.carries')}</p>
                <div className="field">
                  <label htmlFor="case-transfer-note">{t('case.transfer.note')}</label>
                  <input id="case-transfer-note" value={transferNote} maxLength={2000} onChange={(e) => setTransferNote(e.target.value)} />
                </div>
                <button type="submit" className="btn btn-urgent" disabled={saving} data-testid="case-transfer-request">
                  {t('case.transfer.request')}
                </button>
              </form>
            )}
          </>
        )}
        {error && <Banner tone="error" testId="case-decision-error">{t(error)}</Banner>}
      </section>
    </>
  );
}
