import {
  CASE_EVENT_KINDS,
  CASE_EVENT_LABELS,
  type CaseEventKind,
  type CaseRecordDto,
  ENTERABLE_CASE_EVENT_KINDS,
  type TimelineEntryDto,
} from '@telestroke/shared';
import { useState, type FormEvent } from 'react';
import { isoToLocalInput, localInputToIso } from '../consult/clinical';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { addCaseEvent } from './api';

const ENTERABLE: readonly CaseEventKind[] = ENTERABLE_CASE_EVENT_KINDS;

interface TimelinePanelProps {
  record: CaseRecordDto;
  canEnter: boolean;
  onRecord(record: CaseRecordDto): void;
}

/** Every step of the case with its time, who entered it and when; the enterable ones can be entered or corrected. */
export function TimelinePanel({ record, canEnter, onRecord }: TimelinePanelProps) {
  const { t, lang, formatDateTime } = useI18n();
  const [editing, setEditing] = useState<CaseEventKind | null>(null);

  return (
    <section className="card case-section" aria-labelledby="case-timeline-title" data-testid="case-timeline">
      <h2 id="case-timeline-title">{t('case.timeline.title')}</h2>
      <ol className="case-timeline">
        {CASE_EVENT_KINDS.map((kind) => {
          const entry = record.timeline.find((e) => e.kind === kind) ?? null;
          const enterable = canEnter && ENTERABLE.includes(kind);
          return (
            <li
              key={kind}
              className={`case-step${entry ? ' case-step-done' : ''}`}
              data-testid={`timeline-${kind}`}
              data-at={entry?.at ?? ''}
              data-estimated={entry?.estimated ?? false}
            >
              <div className="case-step-main">
                <span className="case-step-label">{CASE_EVENT_LABELS[kind][lang]}</span>
                <span className="case-step-at">
                  {entry ? formatDateTime(entry.at) : t('case.timeline.none')}
                  {entry?.estimated && <span className="badge badge-warning">{t('case.timeline.estimated')}</span>}
                </span>
                <span className="case-step-by muted">{entry && <EntryOrigin entry={entry} />}</span>
                {enterable && editing !== kind && (
                  <button
                    type="button"
                    className="btn btn-secondary case-step-edit"
                    onClick={() => setEditing(kind)}
                    data-testid={`timeline-edit-${kind}`}
                  >
                    {entry ? t('case.timeline.correct') : t('case.timeline.enter')}
                  </button>
                )}
              </div>
              {editing === kind && (
                <TimelineForm
                  caseId={record.id}
                  kind={kind}
                  entry={entry}
                  onCancel={() => setEditing(null)}
                  onSaved={(r) => {
                    setEditing(null);
                    onRecord(r);
                  }}
                />
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function EntryOrigin({ entry }: { entry: TimelineEntryDto }) {
  const { t, formatDateTime } = useI18n();
  const parts: string[] = [];
  if (entry.source !== 'entered') parts.push(t(`case.timeline.source.${entry.source}`));
  if (entry.enteredBy) {
    parts.push(
      entry.enteredAt
        ? t('case.timeline.enteredBy', { name: entry.enteredBy.name, at: formatDateTime(entry.enteredAt) })
        : entry.enteredBy.name,
    );
  }
  if (entry.corrects > 0) parts.push(t('case.timeline.corrected', { n: entry.corrects }));
  if (entry.note) parts.push(`« ${entry.note} »`);
  return <>{parts.join(' · ')}</>;
}

interface TimelineFormProps {
  caseId: string;
  kind: CaseEventKind;
  entry: TimelineEntryDto | null;
  onCancel(): void;
  onSaved(record: CaseRecordDto): void;
}

function TimelineForm({ caseId, kind, entry, onCancel, onSaved }: TimelineFormProps) {
  const { t } = useI18n();
  const [at, setAt] = useState(() => isoToLocalInput(entry ? new Date(entry.at) : new Date()));
  const [estimated, setEstimated] = useState(entry?.estimated ?? false);
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const iso = localInputToIso(at);
    // Two minutes of slack: a clock set a little ahead must not block the entry of "now".
    if (!iso || Date.parse(iso) > Date.now() + 120_000) {
      setError('case.timeline.invalid');
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const trimmed = note.trim();
      onSaved(
        await addCaseEvent(caseId, {
          kind: kind as (typeof ENTERABLE_CASE_EVENT_KINDS)[number],
          at: iso,
          estimated: kind === 'lkw' ? estimated : false,
          ...(trimmed ? { note: trimmed } : {}),
        }),
      );
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="case-step-form" onSubmit={(e) => void submit(e)} data-testid={`timeline-form-${kind}`}>
      <div className="field">
        <label htmlFor={`case-at-${kind}`}>{t('case.timeline.field.at')}</label>
        <div className="case-inline">
          <input
            id={`case-at-${kind}`}
            type="datetime-local"
            value={at}
            onChange={(e) => setAt(e.target.value)}
            data-testid={`timeline-at-${kind}`}
          />
          <button type="button" className="btn btn-ghost" onClick={() => setAt(isoToLocalInput(new Date()))}>
            {t('case.timeline.now')}
          </button>
        </div>
      </div>
      {kind === 'lkw' && (
        <label className="case-check">
          <input type="checkbox" checked={estimated} onChange={(e) => setEstimated(e.target.checked)} data-testid="timeline-estimated" />
          {t('case.timeline.field.estimated')}
        </label>
      )}
      <div className="field">
        <label htmlFor={`case-note-${kind}`}>{t('case.timeline.field.note')}</label>
        <input id={`case-note-${kind}`} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
      </div>
      {error && <Banner tone="error">{t(error)}</Banner>}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={saving} data-testid={`timeline-save-${kind}`}>
          {saving ? t('common.working') : t('case.timeline.save')}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
