import {
  NIHSS_ITEMS,
  NIHSS_LABEL_MAX,
  type NihssAssessmentDto,
  type NihssItem,
  type NihssItemId,
  type NihssValue,
  nihssComplete,
  nihssTotal,
} from '@telestroke/shared';
import { useState, type FormEvent } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { setNihssItem, startNihss } from './api';
import { displayedScores } from './caseRecord';

const PRESETS = [
  'case.nihss.preset.initial',
  'case.nihss.preset.beforeBolus',
  'case.nihss.preset.afterBolus',
  'case.nihss.preset.h24',
] as const satisfies readonly MessageKey[];

type Pending = Partial<Record<NihssItemId, NihssValue | null>>;

interface NihssPanelProps {
  caseId: string;
  series: readonly NihssAssessmentDto[];
  canScore: boolean;
  onAssessment(assessment: NihssAssessmentDto): void;
  /** In the video room's side panel: narrower, no card. */
  compact?: boolean;
}

/**
 * The shared NIHSS form. Whoever scores sees their answer at once (it is sent in the background); everyone else on
 * the case sees each item change live, pushed by the server, whether or not the video is up.
 */
export function NihssPanel({ caseId, series, canScore, onAssessment, compact }: NihssPanelProps) {
  const { t, formatDateTime } = useI18n();
  // null: follow the latest assessment, as a new one started at the other end should show at once.
  const [chosenId, setChosenId] = useState<string | null>(null);
  const [pending, setPending] = useState<Record<string, Pending>>({});
  const [error, setError] = useState<MessageKey | null>(null);
  const assessment = series.find((a) => a.id === chosenId) ?? series[series.length - 1] ?? null;

  async function answer(item: NihssItemId, value: NihssValue) {
    if (!assessment) return;
    const id = assessment.id;
    setError(null);
    setPending((p) => ({ ...p, [id]: { ...p[id], [item]: value } }));
    const settle = () =>
      setPending((p) => {
        if (p[id]?.[item] !== value) return p;
        const rest = { ...p[id] };
        delete rest[item];
        return { ...p, [id]: rest };
      });
    try {
      onAssessment(await setNihssItem(caseId, id, item, value));
      settle();
    } catch (err) {
      settle();
      setError(errorMessageKey(err));
    }
  }

  const scores = assessment ? displayedScores(assessment, pending[assessment.id] ?? {}) : {};
  const total = nihssTotal(scores);
  const answered = Object.keys(scores).length;

  return (
    <section
      className={`${compact ? '' : 'card '}case-section nihss${compact ? ' nihss-compact' : ''}`}
      aria-labelledby="nihss-title"
      data-testid="nihss"
    >
      <div className="nihss-head">
        <h2 id="nihss-title">{t('case.nihss.title')}</h2>
        {assessment && (
          <div className="nihss-total" data-testid="nihss-total" data-total={total} aria-live="polite">
            <span className="nihss-total-label">{t('case.nihss.total')}</span>
            <strong>{t('case.nihss.totalOf', { total })}</strong>
            <span className="muted">
              {nihssComplete(scores) ? t('case.nihss.complete') : t('case.nihss.answered', { n: answered })}
            </span>
          </div>
        )}
      </div>

      {series.length > 0 && (
        <div className="segmented nihss-series" role="group" aria-label={t('case.nihss.series')}>
          {series.map((a) => (
            <button
              key={a.id}
              type="button"
              className={`btn ${a.id === assessment?.id ? 'btn-primary' : 'btn-secondary'}`}
              aria-pressed={a.id === assessment?.id}
              onClick={() => setChosenId(a.id)}
              data-testid="nihss-series-item"
              data-label={a.label}
            >
              {a.seq}. {a.label} · {a.total}
            </button>
          ))}
        </div>
      )}

      {canScore && <StartForm caseId={caseId} onStarted={(a) => {
        onAssessment(a);
        setChosenId(a.id);
      }} first={series.length === 0} />}
      {!assessment && <p className="muted">{canScore ? t('case.nihss.none') : t('case.nihss.noneReadOnly')}</p>}
      {assessment && !canScore && <p className="hint">{t('case.nihss.readOnly')}</p>}
      {error && <Banner tone="error" testId="nihss-error">{t(error)}</Banner>}

      {assessment && (
        <div className="nihss-items" data-testid="nihss-form" data-assessment-id={assessment.id}>
          <p className="muted nihss-started">
            {t('case.nihss.startedBy', { name: assessment.startedBy.name, at: formatDateTime(assessment.startedAt) })}
          </p>
          {NIHSS_ITEMS.map((item) => (
            <NihssItemField
              key={item.id}
              item={item}
              value={scores[item.id] ?? null}
              saving={pending[assessment.id]?.[item.id] !== undefined}
              changed={assessment.items[item.id] ?? null}
              disabled={!canScore}
              onAnswer={(v) => void answer(item.id, v)}
            />
          ))}
        </div>
      )}
    </section>
  );
}

interface NihssItemFieldProps {
  item: NihssItem;
  value: NihssValue | null;
  saving: boolean;
  changed: { changedBy: { name: string }; changedAt: string } | null;
  disabled: boolean;
  onAnswer(value: NihssValue): void;
}

function NihssItemField({ item, value, saving, changed, disabled, onAnswer }: NihssItemFieldProps) {
  const { t, lang } = useI18n();
  const time = changed
    ? new Date(changed.changedAt).toLocaleTimeString(lang === 'fr' ? 'fr-FR' : 'en-GB')
    : null;
  return (
    <fieldset
      className={`nihss-item${value === null ? '' : ' nihss-item-answered'}`}
      data-testid={`nihss-item-${item.id}`}
      data-value={value ?? ''}
    >
      <legend>
        <span className="nihss-item-id">{item.id}</span> {item.label[lang]}
      </legend>
      <div className="nihss-choices">
        {item.choices.map((choice) => (
          <button
            key={choice.score}
            type="button"
            className="nihss-choice"
            aria-pressed={value === choice.score}
            disabled={disabled}
            onClick={() => onAnswer(choice.score)}
            data-testid={`nihss-${item.id}-${choice.score}`}
          >
            <span className="nihss-score">{choice.score}</span>
            <span>{choice.label[lang]}</span>
          </button>
        ))}
        {item.untestable && (
          <button
            type="button"
            className="nihss-choice nihss-choice-un"
            aria-pressed={value === 'untestable'}
            disabled={disabled}
            onClick={() => onAnswer('untestable')}
            data-testid={`nihss-${item.id}-untestable`}
          >
            <span className="nihss-score">UN</span>
            <span>{t('case.nihss.untestableWhy', { why: item.untestable[lang] })}</span>
          </button>
        )}
      </div>
      <p className="nihss-changed muted" aria-live="off">
        {saving ? t('case.nihss.saving') : changed && time ? t('case.nihss.changedBy', { name: changed.changedBy.name, at: time }) : '\u00a0'}
      </p>
    </fieldset>
  );
}

function StartForm({ caseId, first, onStarted }: { caseId: string; first: boolean; onStarted(a: NihssAssessmentDto): void }) {
  const { t } = useI18n();
  const [label, setLabel] = useState(() => (first ? t('case.nihss.preset.initial') : ''));
  // Open by itself while the series is empty; once someone has started one, only on request.
  const [opened, setOpened] = useState(false);
  const open = first || opened;
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = label.trim();
    if (!trimmed) return;
    setSaving(true);
    setError(null);
    try {
      onStarted(await startNihss(caseId, trimmed));
      setOpened(false);
      setLabel('');
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setSaving(false);
    }
  }

  if (!open) {
    return (
      <p>
        <button type="button" className="btn btn-secondary" onClick={() => setOpened(true)} data-testid="nihss-new">
          {t('case.nihss.new')}
        </button>
      </p>
    );
  }
  return (
    <form className="nihss-start" onSubmit={(e) => void submit(e)} data-testid="nihss-start-form">
      <div className="field">
        <label htmlFor="nihss-label">{t('case.nihss.label')}</label>
        <input
          id="nihss-label"
          value={label}
          maxLength={NIHSS_LABEL_MAX}
          onChange={(e) => setLabel(e.target.value)}
          data-testid="nihss-label"
        />
      </div>
      <div className="nihss-presets">
        {PRESETS.map((key) => (
          <button key={key} type="button" className="btn btn-ghost" onClick={() => setLabel(t(key))}>
            {t(key)}
          </button>
        ))}
      </div>
      {error && <Banner tone="error">{t(error)}</Banner>}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={saving || !label.trim()} data-testid="nihss-start">
          {saving ? t('common.working') : t('case.nihss.start')}
        </button>
        {!first && (
          <button type="button" className="btn btn-ghost" onClick={() => setOpened(false)}>
            {t('common.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
