import {
  bolusChecks,
  type BolusCheckCode,
  type CaseRecordDto,
  type ChecklistAnswers,
  computeDose,
  CONTRAINDICATION_CHECKLIST,
  type DoseResult,
  type MeDto,
  poundsToKg,
  THROMBOLYTICS,
  type Thrombolytic,
  type ThrombolysisOrderDto,
  thrombolysisWindow,
  WEIGHT_CONFIRM_ABOVE_KG,
  WEIGHT_SOURCES,
  type WeightSource,
} from '@telestroke/shared';
import { useState, type FormEvent } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { confirmThrombolysis, prepareThrombolysis, recordBolus } from './api';
import { currentOrder, formatAmount, ordersOf, parseDecimal, timelineEntry } from './caseRecord';

interface ThrombolysisPanelProps {
  record: CaseRecordDto;
  me: MeDto;
  canAct: boolean;
  /** An order changed: the record is fetched again (the needle time and clocks follow from it). */
  onChanged(): void;
}

/**
 * The thrombolysis assistant: drug, weight and its source, the dose with its rounding and volumes, the checks before
 * the bolus, then a second person's check and the bolus time. The screen computes with the same shared functions as
 * the server, which decides again when the order is prepared.
 */
export function ThrombolysisPanel({ record, me, canAct, onChanged }: ThrombolysisPanelProps) {
  const { t } = useI18n();
  const order = currentOrder(ordersOf(record));
  const [shown, setShown] = useState<ThrombolysisOrderDto | null>(null);
  // The answer of an action shows at once; the refetched record catches up.
  const active = shown && order && shown.id === order.id && rank(shown) > rank(order) ? shown : (order ?? shown);

  return (
    <section className="card case-section" aria-labelledby="throm-title" data-testid="thrombolysis">
      <h2 id="throm-title">{t('case.throm.title')}</h2>
      {active ? (
        <OrderView
          caseId={record.id}
          order={active}
          me={me}
          canAct={canAct}
          onOrder={(o) => {
            setShown(o);
            onChanged();
          }}
        />
      ) : canAct ? (
        <PrepareForm
          record={record}
          onPrepared={(o) => {
            setShown(o);
            onChanged();
          }}
        />
      ) : (
        <p className="muted">{t('case.throm.readOnly')}</p>
      )}
    </section>
  );
}

const rank = (o: ThrombolysisOrderDto) => ['prepared', 'confirmed', 'given'].indexOf(o.status);

function DoseView({ dose }: { dose: DoseResult }) {
  const { t, lang } = useI18n();
  const n = (v: number) => formatAmount(v, lang);
  return (
    <div className="throm-dose" data-testid="throm-dose" data-total-mg={dose.totalMg} data-volume-ml={dose.volumeMl}>
      <dl className="throm-dose-grid">
        <div>
          <dt>{t('case.throm.total')}</dt>
          <dd data-testid="throm-dose-total">
            <strong>{t('case.throm.mg', { mg: n(dose.totalMg) })}</strong> · {t('case.throm.ml', { ml: n(dose.volumeMl) })}
          </dd>
          <dd className="muted">{t('case.throm.perKg', { mgPerKg: n(dose.mgPerKg), kg: n(dose.weightKg) })}</dd>
        </div>
        <div>
          <dt>{t('case.throm.bolus')}</dt>
          <dd data-testid="throm-dose-bolus">
            <strong>{t('case.throm.mg', { mg: n(dose.bolusMg) })}</strong> · {t('case.throm.ml', { ml: n(dose.bolusVolumeMl) })} ·{' '}
            {dose.bolusMinutes === null ? t('case.throm.bolusPush') : t('case.throm.bolusMinutes', { min: dose.bolusMinutes })}
          </dd>
        </div>
        {dose.infusionMinutes > 0 && (
          <div>
            <dt>{t('case.throm.infusion')}</dt>
            <dd data-testid="throm-dose-infusion">
              <strong>{t('case.throm.mg', { mg: n(dose.infusionMg) })}</strong> ·{' '}
              {t('case.throm.ml', { ml: n(dose.infusionVolumeMl) })} ·{' '}
              {t('case.throm.infusionMinutes', { min: dose.infusionMinutes })}
            </dd>
          </div>
        )}
      </dl>
      {dose.capped && <p className="hint">{t('case.throm.capped', { max: dose.maxMg })}</p>}
      <p className="muted throm-rounding">
        {t('case.throm.concentration', { c: n(dose.concentrationMgPerMl) })}. {t('case.throm.rounding')}
      </p>
    </div>
  );
}

function PrepareForm({ record, onPrepared }: { record: CaseRecordDto; onPrepared(o: ThrombolysisOrderDto): void }) {
  const { t, lang } = useI18n();
  const [drug, setDrug] = useState<Thrombolytic | null>(null);
  const [weightText, setWeightText] = useState(String(record.consult.weightKg).replace('.', lang === 'fr' ? ',' : '.'));
  const [unit, setUnit] = useState<'kg' | 'lb'>('kg');
  const [source, setSource] = useState<WeightSource | null>(null);
  const [confirmedKg, setConfirmedKg] = useState(false);
  const [checklist, setChecklist] = useState<ChecklistAnswers>({});
  const [systolic, setSystolic] = useState('');
  const [diastolic, setDiastolic] = useState('');
  const [glucoseText, setGlucoseText] = useState('');
  const [glucoseUnit, setGlucoseUnit] = useState<'mmol' | 'gl'>('mmol');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  const typed = parseDecimal(weightText);
  const weightKg = typed === null ? null : unit === 'lb' ? poundsToKg(typed) : typed;
  const outcome = drug ? computeDose({ drug, weightKg, indication: 'stroke', weightConfirmed: confirmedKg }) : null;
  const sys = parseDecimal(systolic);
  const dia = parseDecimal(diastolic);
  const glucose = parseDecimal(glucoseText);
  const glucoseFields = glucoseUnit === 'mmol' ? { glucoseMmolPerL: glucose } : { glucoseGPerL: glucose };
  // The same checks as the server's, plus a blood pressure not entered yet (which the server's schema refuses).
  const failures: Array<BolusCheckCode | 'BP_MISSING'> = [
    ...bolusChecks({ checklist, systolicMmHg: sys ?? 0, diastolicMmHg: dia ?? 0, ...glucoseFields }).map((f) => f.code),
    ...(sys === null || dia === null ? (['BP_MISSING'] as const) : []),
  ];
  const lkw = timelineEntry(record, 'lkw');
  const closed = lkw ? thrombolysisWindow(lkw.at).level === 'closed' : false;
  const ready = outcome?.ok === true && source !== null && failures.length === 0;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!ready || !drug || !source || sys === null || dia === null) return;
    setSaving(true);
    setError(null);
    try {
      onPrepared(
        await prepareThrombolysis(record.id, {
          drug,
          weightKg,
          weightSource: source,
          weightConfirmed: confirmedKg,
          checklist,
          systolicMmHg: Math.round(sys),
          diastolicMmHg: Math.round(dia),
          ...(glucoseUnit === 'mmol' ? { glucoseMmolPerL: glucose } : { glucoseGPerL: glucose }),
        }),
      );
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="throm-form" onSubmit={(e) => void submit(e)} data-testid="throm-form" noValidate>
      {closed && <Banner tone="warning">{t('case.throm.windowClosed')}</Banner>}
      <fieldset className="field">
        <legend>{t('case.throm.drug')}</legend>
        <div className="throm-options">
          {THROMBOLYTICS.map((d) => (
            <label key={d} className="throm-option">
              <input type="radio" name="throm-drug" checked={drug === d} onChange={() => setDrug(d)} data-testid={`throm-drug-${d}`} />
              {t(`case.throm.drug.${d}`)}
            </label>
          ))}
        </div>
        {drug === 'tenecteplase' && (
          <span className="hint" data-testid="throm-stemi-guard">
            {t('case.throm.stemiGuard')}
          </span>
        )}
      </fieldset>

      <div className="throm-row">
        <div className="field">
          <label htmlFor="throm-weight">
            {t('case.throm.weight')} ({unit === 'kg' ? t('case.throm.kg') : t('case.throm.lb')})
          </label>
          <input
            id="throm-weight"
            inputMode="decimal"
            value={weightText}
            onChange={(e) => {
              setWeightText(e.target.value);
              setConfirmedKg(false);
            }}
            data-testid="throm-weight"
          />
          {unit === 'lb' && typed !== null && weightKg !== null && (
            <span className="hint" data-testid="throm-lb-kg">
              {t('case.throm.lbAsKg', { lb: formatAmount(typed, lang), kg: formatAmount(weightKg, lang) })}
            </span>
          )}
        </div>
        <fieldset className="field">
          <legend>{t('case.throm.weightUnit')}</legend>
          <div className="segmented" role="group">
            {(['kg', 'lb'] as const).map((u) => (
              <button
                key={u}
                type="button"
                className={`btn ${unit === u ? 'btn-primary' : 'btn-secondary'}`}
                aria-pressed={unit === u}
                onClick={() => {
                  setUnit(u);
                  setConfirmedKg(false);
                }}
                data-testid={`throm-unit-${u}`}
              >
                {t(`case.throm.${u}`)}
              </button>
            ))}
          </div>
        </fieldset>
        <fieldset className="field">
          <legend>{t('case.throm.weightSource')}</legend>
          <div className="throm-options">
            {WEIGHT_SOURCES.map((s) => (
              <label key={s} className="throm-option">
                <input type="radio" name="throm-source" checked={source === s} onChange={() => setSource(s)} data-testid={`throm-source-${s}`} />
                {t(`case.throm.weightSource.${s}`)}
              </label>
            ))}
          </div>
        </fieldset>
      </div>
      {weightKg !== null && weightKg > WEIGHT_CONFIRM_ABOVE_KG && (
        <label className="case-check">
          <input type="checkbox" checked={confirmedKg} onChange={(e) => setConfirmedKg(e.target.checked)} data-testid="throm-weight-confirm" />
          {t('case.throm.weightConfirm', { kg: formatAmount(weightKg, lang) })}
        </label>
      )}

      {outcome && !outcome.ok && (
        <Banner tone="error" testId="throm-refusal">
          {t(`error.${outcome.refusal.code}`)}
        </Banner>
      )}
      {outcome?.ok && (
        <div className="throm-preview">
          <h3>{t('case.throm.dose')}</h3>
          <DoseView dose={outcome.dose} />
        </div>
      )}

      <fieldset className="field throm-checklist" data-testid="throm-checklist">
        <legend>{t('case.throm.checklist')}</legend>
        {CONTRAINDICATION_CHECKLIST.map((item) => (
          <div key={item.id} className={`throm-check${checklist[item.id] === 'present' ? ' throm-check-present' : ''}`}>
            <span>{item[lang]}</span>
            <div className="segmented" role="group" aria-label={item[lang]}>
              {(['absent', 'present'] as const).map((answer) => (
                <button
                  key={answer}
                  type="button"
                  className={`btn ${checklist[item.id] === answer ? (answer === 'present' ? 'btn-danger' : 'btn-primary') : 'btn-secondary'}`}
                  aria-pressed={checklist[item.id] === answer}
                  onClick={() => setChecklist((c) => ({ ...c, [item.id]: answer }))}
                  data-testid={`throm-check-${item.id}-${answer}`}
                >
                  {t(`case.throm.${answer}`)}
                </button>
              ))}
            </div>
          </div>
        ))}
      </fieldset>

      <div className="throm-row">
        <fieldset className="field">
          <legend>{t('case.throm.bp')}</legend>
          <div className="case-inline">
            <input
              aria-label={t('case.throm.systolic')}
              placeholder={t('case.throm.systolic')}
              inputMode="numeric"
              value={systolic}
              onChange={(e) => setSystolic(e.target.value)}
              data-testid="throm-systolic"
            />
            <span aria-hidden="true">/</span>
            <input
              aria-label={t('case.throm.diastolic')}
              placeholder={t('case.throm.diastolic')}
              inputMode="numeric"
              value={diastolic}
              onChange={(e) => setDiastolic(e.target.value)}
              data-testid="throm-diastolic"
            />
            <span>mmHg</span>
          </div>
          <span className="hint">{t('case.throm.bpLimit')}</span>
        </fieldset>
        <fieldset className="field">
          <legend>{t('case.throm.glucose')}</legend>
          <div className="case-inline">
            <input
              aria-label={t('case.throm.glucose')}
              inputMode="decimal"
              value={glucoseText}
              onChange={(e) => setGlucoseText(e.target.value)}
              data-testid="throm-glucose"
            />
            <select
              aria-label={t('case.throm.glucoseUnit')}
              value={glucoseUnit}
              onChange={(e) => setGlucoseUnit(e.target.value === 'gl' ? 'gl' : 'mmol')}
              data-testid="throm-glucose-unit"
            >
              <option value="mmol">{t('case.throm.mmol')}</option>
              <option value="gl">{t('case.throm.gl')}</option>
            </select>
          </div>
        </fieldset>
      </div>

      {failures.length > 0 && (
        <div className="throm-failures" data-testid="throm-failures">
          <strong>{t('case.throm.checks')}</strong>
          <ul>
            {failures.map((code) => (
              <li key={code} data-code={code}>
                {t(`case.throm.check.${code}`)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && <Banner tone="error" testId="throm-error">{t(error)}</Banner>}
      <div className="actions">
        <button type="submit" className="btn btn-urgent btn-large" disabled={!ready || saving} data-testid="throm-prepare">
          {saving ? t('common.working') : t('case.throm.prepare')}
        </button>
      </div>
    </form>
  );
}

interface OrderViewProps {
  caseId: string;
  order: ThrombolysisOrderDto;
  me: MeDto;
  canAct: boolean;
  onOrder(order: ThrombolysisOrderDto): void;
}

function OrderView({ caseId, order, me, canAct, onOrder }: OrderViewProps) {
  const { t, lang, formatDateTime } = useI18n();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const preparedByMe = order.preparedBy.id === me.user.id;

  async function run(action: () => Promise<ThrombolysisOrderDto>) {
    setSaving(true);
    setError(null);
    try {
      onOrder(await action());
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className={`throm-order throm-order-${order.status}`} data-testid="throm-order" data-status={order.status} data-order-id={order.id}>
      <p className="throm-status">
        <span className={`badge throm-badge-${order.status}`}>{t(`case.throm.status.${order.status}`)}</span>{' '}
        <strong>{t(`case.throm.drug.${order.drug}`)}</strong>
      </p>
      <p className="muted">
        {t('case.throm.orderWeight', {
          kg: formatAmount(order.weightKg, lang),
          source: t(`case.throm.weightSource.${order.weightSource}`),
        })}{' '}
        ·{' '}
        {t('case.throm.orderVitals', {
          sys: order.systolicMmHg,
          dia: order.diastolicMmHg,
          glucose: formatAmount(order.glucoseMmolPerL, lang),
        })}
      </p>
      <DoseView dose={order.dose} />
      <ul className="throm-people">
        <li data-testid="throm-prepared-by">
          {t('case.throm.prepared', { name: order.preparedBy.displayName, at: formatDateTime(order.preparedAt) })}
        </li>
        {order.confirmedBy && order.confirmedAt && (
          <li data-testid="throm-confirmed-by">
            {t('case.throm.confirmed', { name: order.confirmedBy.displayName, at: formatDateTime(order.confirmedAt) })}
          </li>
        )}
        {order.bolusAt && (
          <li data-testid="throm-given">
            {t('case.throm.given', { at: formatDateTime(order.bolusAt), name: order.bolusBy?.displayName ?? '—' })}
          </li>
        )}
      </ul>
      {order.status === 'prepared' && (
        <Banner tone="warning" testId="throm-waiting-second">
          {preparedByMe ? t('case.throm.youPrepared') : t('case.throm.waitingSecond')}
        </Banner>
      )}
      {error && <Banner tone="error" testId="throm-error">{t(error)}</Banner>}
      {canAct && (
        <div className="actions">
          {order.status === 'prepared' && !preparedByMe && (
            <button
              type="button"
              className="btn btn-primary btn-large"
              disabled={saving}
              onClick={() => void run(() => confirmThrombolysis(caseId, order.id))}
              data-testid="throm-confirm"
            >
              {saving ? t('common.working') : t('case.throm.confirm')}
            </button>
          )}
          {order.status === 'confirmed' && (
            <button
              type="button"
              className="btn btn-urgent btn-large"
              disabled={saving}
              onClick={() => void run(() => recordBolus(caseId, order.id))}
              data-testid="throm-bolus"
            >
              {saving ? t('common.working') : t('case.throm.bolusNow')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
