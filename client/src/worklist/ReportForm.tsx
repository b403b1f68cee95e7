import {
  ASPECTS_REGIONS,
  aspectsScore,
  HAEMORRHAGE_KINDS,
  LVO_SITES,
  RECOMMENDATIONS,
  REPORT_FREE_TEXT_MAX,
  type MeDto,
  type ReportDraftDto,
  type SignedReportDto,
  type StrokeFindingsDraft,
} from '@telestroke/shared';
import { useEffect, useRef, useState } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { saveDraft, signReport } from './api';
import { missingFindings, toFindings, type FindingField } from './worklist';

/** Saving waits for a pause in the typing, so a draft is written a few times per read, not per keystroke. */
const DRAFT_DELAY_MS = 800;

type DraftState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; at: string } | { kind: 'failed' };

const FIELD_LABEL: Record<FindingField, MessageKey> = {
  haemorrhage: 'report.haemorrhage',
  earlyIschaemicSigns: 'report.earlyIschaemicSigns',
  hyperdenseVesselSign: 'report.hyperdenseVesselSign',
  lvo: 'report.lvo',
  recommendation: 'report.recommendation',
};

interface ReportFormProps {
  requestId: string;
  me: MeDto;
  initial: ReportDraftDto | null;
  onSigned(report: SignedReportDto): void;
  /** The claim was lost meanwhile (reassigned, released elsewhere): the caller reloads. */
  onStale(): void;
}

/**
 * The structured stroke read, for the reader holding the claim: every answer a tap, ASPECTS scored as regions are
 * toggled, the draft saved as it goes, then signed with an explicit confirmation that names the signer and the time.
 */
export function ReportForm({ requestId, me, initial, onSigned, onStale }: ReportFormProps) {
  const { t, formatDateTime } = useI18n();
  const [draft, setDraft] = useState<StrokeFindingsDraft>(() => initial?.findings ?? {});
  const [draftState, setDraftState] = useState<DraftState>(() =>
    initial ? { kind: 'saved', at: initial.updatedAt } : { kind: 'idle' },
  );
  const [showMissing, setShowMissing] = useState(false);
  const [confirmAt, setConfirmAt] = useState<string | null>(null);
  const [signing, setSigning] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const dirty = useRef(false);
  const inFlight = useRef<AbortController | null>(null);

  useEffect(() => {
    if (!dirty.current || signing) return;
    const timer = setTimeout(() => {
      inFlight.current?.abort();
      const controller = new AbortController();
      inFlight.current = controller;
      setDraftState({ kind: 'saving' });
      saveDraft(requestId, draft, controller.signal).then(
        (saved) => {
          if (!controller.signal.aborted) setDraftState({ kind: 'saved', at: saved.updatedAt });
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          if (errorMessageKey(err) === 'error.NOT_CLAIMED_BY_YOU' || errorMessageKey(err) === 'error.REPORT_SIGNED') {
            onStale();
            return;
          }
          setDraftState({ kind: 'failed' });
        },
      );
    }, DRAFT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft, requestId, signing]);

  useEffect(() => () => inFlight.current?.abort(), []);

  const update = (patch: Partial<StrokeFindingsDraft>) => {
    dirty.current = true;
    setConfirmAt(null);
    setDraft((d) => ({ ...d, ...patch }));
  };
  const missing = missingFindings(draft);
  const score = aspectsScore(draft.aspects ?? {});

  async function sign() {
    const findings = toFindings(draft);
    if (!findings) {
      setShowMissing(true);
      setConfirmAt(null);
      return;
    }
    setSigning(true);
    setError(null);
    inFlight.current?.abort();
    try {
      onSigned(await signReport(requestId, findings));
    } catch (err) {
      setSigning(false);
      setConfirmAt(null);
      const key = errorMessageKey(err);
      if (key === 'error.NOT_CLAIMED_BY_YOU' || key === 'error.REPORT_SIGNED' || key === 'error.READ_STATE') onStale();
      setError(key);
    }
  }

  return (
    <form
      className="report-form"
      data-testid="report-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (confirmAt) void sign();
      }}
    >
      <Choice
        name="haemorrhage"
        label={t('report.haemorrhage')}
        value={draft.haemorrhage}
        options={HAEMORRHAGE_KINDS.map((v) => ({ value: v, label: t(`report.haemorrhage.${v}`) }))}
        onChange={(haemorrhage) => update({ haemorrhage })}
        invalid={showMissing && draft.haemorrhage === undefined}
      />
      <YesNo
        name="early"
        label={t('report.earlyIschaemicSigns')}
        value={draft.earlyIschaemicSigns}
        onChange={(earlyIschaemicSigns) => update({ earlyIschaemicSigns })}
        invalid={showMissing && draft.earlyIschaemicSigns === undefined}
      />
      <fieldset className="field report-aspects">
        <legend>
          {t('report.aspects')}{' '}
          <output className={`aspects-score aspects-score-${score >= 6 ? 'high' : 'low'}`} data-testid="report-aspects-score" data-score={score}>
            {t('report.aspectsScore', { score })}
          </output>
        </legend>
        <p className="hint">{t('report.aspectsHelp')}</p>
        <div className="aspects-grid">
          {ASPECTS_REGIONS.map((region) => {
            const affected = draft.aspects?.[region] === true;
            return (
              <button
                key={region}
                type="button"
                className={`aspects-region${affected ? ' aspects-affected' : ''}`}
                aria-pressed={affected}
                onClick={() => update({ aspects: { ...draft.aspects, [region]: !affected } })}
                data-testid={`report-aspects-${region}`}
              >
                {t(`report.region.${region}`)}
                {affected && <span className="visually-hidden"> · {t('report.regionAffected')}</span>}
              </button>
            );
          })}
        </div>
      </fieldset>
      <YesNo
        name="hyperdense"
        label={t('report.hyperdenseVesselSign')}
        value={draft.hyperdenseVesselSign}
        onChange={(hyperdenseVesselSign) => update({ hyperdenseVesselSign })}
        invalid={showMissing && draft.hyperdenseVesselSign === undefined}
      />
      <Choice
        name="lvo"
        label={t('report.lvo')}
        value={draft.lvo}
        options={LVO_SITES.map((v) => ({ value: v, label: t(`report.lvo.${v}`) }))}
        onChange={(lvo) => update({ lvo })}
        invalid={showMissing && draft.lvo === undefined}
      />
      <Choice
        name="recommendation"
        label={t('report.recommendation')}
        value={draft.recommendation}
        options={RECOMMENDATIONS.map((v) => ({ value: v, label: t(`report.recommendation.${v}`) }))}
        onChange={(recommendation) => update({ recommendation })}
        invalid={showMissing && draft.recommendation === undefined}
        column
      />
      <div className="field">
        <label htmlFor={`report-free-${requestId}`}>{t('report.freeText')}</label>
        <textarea
          id={`report-free-${requestId}`}
          rows={3}
          maxLength={REPORT_FREE_TEXT_MAX}
          value={draft.freeText ?? ''}
          onChange={(e) => update({ freeText: e.target.value })}
          data-testid="report-freetext"
        />
      </div>

      <p className="report-draft muted" role="status" data-testid="report-draft-status" data-state={draftState.kind}>
        {draftState.kind === 'saving' && t('report.draftSaving')}
        {draftState.kind === 'saved' && t('report.draftSaved', { at: formatDateTime(draftState.at) })}
        {draftState.kind === 'failed' && t('report.draftFailed')}
      </p>
      {showMissing && missing.length > 0 && (
        <Banner tone="warning" testId="report-missing">
          {t('report.missing', { fields: missing.map((f) => t(FIELD_LABEL[f])).join(', ') })}
        </Banner>
      )}
      {error && (
        <Banner tone="error" testId="report-error">
          {t(error)}
        </Banner>
      )}
      {confirmAt ? (
        <div className="report-confirm">
          <p className="hint">{t('report.signHelp')}</p>
          <button type="submit" className="btn btn-urgent btn-block" disabled={signing} autoFocus data-testid="report-sign-confirm">
            {signing ? t('report.signing') : t('report.signConfirm', { name: me.user.name, at: formatDateTime(confirmAt) })}
          </button>
          <button type="button" className="btn btn-ghost btn-block" disabled={signing} onClick={() => setConfirmAt(null)}>
            {t('common.cancel')}
          </button>
        </div>
      ) : (
        <button
          type="button"
          className="btn btn-primary btn-block"
          onClick={() => {
            if (missing.length > 0) {
              setShowMissing(true);
              return;
            }
            setConfirmAt(new Date().toISOString());
          }}
          data-testid="report-sign"
        >
          {t('report.sign')}
        </button>
      )}
    </form>
  );
}

interface ChoiceProps<T extends string> {
  name: string;
  label: string;
  value: T | undefined;
  options: ReadonlyArray<{ value: T; label: string }>;
  onChange(value: T): void;
  invalid: boolean;
  column?: boolean;
}

function Choice<T extends string>({ name, label, value, options, onChange, invalid, column }: ChoiceProps<T>) {
  return (
    <fieldset className="field" aria-invalid={invalid || undefined} data-testid={`report-${name}`}>
      <legend>{label}</legend>
      <div className={column ? 'outcomes' : 'segmented'}>
        {options.map((o) => (
          <label key={o.value} className={value === o.value ? 'selected' : undefined}>
            <input
              type="radio"
              name={name}
              value={o.value}
              checked={value === o.value}
              onChange={() => onChange(o.value)}
              data-testid={`report-${name}-${o.value}`}
            />
            {o.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function YesNo(props: Omit<ChoiceProps<'yes' | 'no'>, 'value' | 'options' | 'onChange'> & {
  value: boolean | undefined;
  onChange(value: boolean): void;
}) {
  const { t } = useI18n();
  return (
    <Choice
      {...props}
      value={props.value === undefined ? undefined : props.value ? 'yes' : 'no'}
      options={[
        { value: 'no', label: t('report.no') },
        { value: 'yes', label: t('report.yes') },
      ]}
      onChange={(v) => props.onChange(v === 'yes')}
    />
  );
}
