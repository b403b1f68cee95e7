import { CONSULT_OUTCOMES, type ConsultDto, type ConsultOutcome } from '@telestroke/shared';
import { useId, useState, type FormEvent } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { endConsult } from './api';

interface EndConsultPanelProps {
  consultId: string;
  onEnded(consult: ConsultDto): void;
  onCancel(): void;
}

/** Ending a consult records its outcome: the decision the call was for. */
export function EndConsultPanel({ consultId, onEnded, onCancel }: EndConsultPanelProps) {
  const { t } = useI18n();
  const ids = useId();
  const [outcome, setOutcome] = useState<ConsultOutcome | ''>('');
  const [note, setNote] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!outcome) {
      setError('room.end.outcomeRequired');
      return;
    }
    setPending(true);
    setError(null);
    try {
      onEnded(await endConsult(consultId, outcome, note.trim() || undefined));
    } catch (err) {
      setPending(false);
      setError(errorMessageKey(err));
    }
  }

  return (
    <form
      className="room-panel"
      role="dialog"
      aria-labelledby={`${ids}-title`}
      onSubmit={(e) => void submit(e)}
      data-testid="room-end-panel"
    >
      <h2 id={`${ids}-title`}>{t('room.end.title')}</h2>
      {error && <Banner tone="error">{t(error)}</Banner>}
      <fieldset className="field">
        <legend>{t('room.end.outcome')}</legend>
        <div className="outcomes">
          {CONSULT_OUTCOMES.map((o) => (
            <label key={o} className={outcome === o ? 'selected' : undefined}>
              <input
                type="radio"
                name="outcome"
                value={o}
                checked={outcome === o}
                onChange={() => setOutcome(o)}
                data-testid={`end-outcome-${o}`}
              />
              {t(`consult.outcome.${o}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="field">
        <label htmlFor={`${ids}-note`}>{t('room.end.note')}</label>
        <textarea
          id={`${ids}-note`}
          rows={3}
          maxLength={2000}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          data-testid="end-note"
        />
      </div>
      <div className="actions">
        <button type="submit" className="btn btn-danger" disabled={pending} data-testid="end-confirm">
          {pending ? t('common.working') : t('room.end.confirm')}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
