import { useId, useState, type FormEvent } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { navigate } from '../router';
import { Banner } from '../ui/Banner';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { createConsult } from './api';
import {
  type ConsultFormField,
  type ConsultFormValues,
  formatElapsed,
  isoToLocalInput,
  lkwUrgency,
  localInputToIso,
  minutesSince,
  validateConsultForm,
} from './clinical';
import { useNow } from './useNow';

const EMPTY: ConsultFormValues = {
  patientRef: '',
  ageYears: '',
  sex: '',
  weightKg: '',
  lastKnownWell: '',
  reason: '',
  studyInstanceUid: '',
};

/** "Demande d'avis urgent": the facts the neurologist needs first, and never the patient's name. */
export function ConsultRequestPage() {
  const { t } = useI18n();
  useDocumentTitle(t('consult.new.title'));
  const ids = useId();
  const now = useNow(15_000);
  const [values, setValues] = useState<ConsultFormValues>(EMPTY);
  const [invalid, setInvalid] = useState<ReadonlySet<ConsultFormField>>(new Set());
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  const set = (field: ConsultFormField) => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    if (invalid.has(field)) setInvalid((s) => new Set([...s].filter((f) => f !== field)));
  };

  const lkwIso = localInputToIso(values.lastKnownWell);
  const lkwMinutes = lkwIso ? minutesSince(lkwIso, now) : null;
  const lkwText = formatElapsed(lkwMinutes);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const checked = validateConsultForm(values, Date.now());
    if (!checked.ok) {
      setInvalid(new Set(checked.fields));
      setError('consult.form.invalid');
      document.getElementById(`${ids}-${checked.fields[0]}`)?.focus();
      return;
    }
    setPending(true);
    setError(null);
    try {
      const consult = await createConsult(checked.request);
      navigate({ name: 'consult', id: consult.id }, { replace: true });
    } catch (err) {
      setPending(false);
      setError(errorMessageKey(err));
    }
  }

  const field = (name: ConsultFormField) => ({
    id: `${ids}-${name}`,
    name,
    value: values[name],
    'aria-invalid': invalid.has(name) || undefined,
    'aria-describedby': invalid.has(name) ? `${ids}-${name}-error` : undefined,
    'data-testid': `consult-field-${name}`,
  });
  const fieldError = (name: ConsultFormField, key: MessageKey) =>
    invalid.has(name) ? (
      <p className="field-error" id={`${ids}-${name}-error`}>
        {t(key)}
      </p>
    ) : null;

  return (
    <main className="page" id="main">
      <p className="breadcrumb">
        <a href="#/consults">← {t('consult.list.title')}</a>
      </p>
      <h1>{t('consult.new.title')}</h1>
      <form className="card consult-form" onSubmit={(e) => void submit(e)} noValidate>
        {error && (
          <Banner tone="error" testId="consult-form-error">
            {t(error)}
          </Banner>
        )}
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${ids}-patientRef`}>{t('consult.field.patientRef')}</label>
            <input
              {...field('patientRef')}
              autoComplete="off"
              autoFocus
              maxLength={64}
              onChange={(e) => set('patientRef')(e.target.value)}
            />
            <p className="hint">{t('consult.field.patientRefHint')}</p>
            {fieldError('patientRef', 'consult.field.patientRefInvalid')}
          </div>
          <div className="field">
            <label htmlFor={`${ids}-ageYears`}>{t('consult.field.age')}</label>
            <input {...field('ageYears')} inputMode="numeric" autoComplete="off" onChange={(e) => set('ageYears')(e.target.value)} />
            {fieldError('ageYears', 'consult.field.ageInvalid')}
          </div>
          <fieldset className="field" aria-describedby={invalid.has('sex') ? `${ids}-sex-error` : undefined}>
            <legend>{t('consult.field.sex')}</legend>
            <div className="segmented" role="radiogroup">
              {(['F', 'M', 'X'] as const).map((sex) => (
                <label key={sex} className={values.sex === sex ? 'selected' : undefined}>
                  <input
                    type="radio"
                    name="sex"
                    value={sex}
                    checked={values.sex === sex}
                    onChange={() => set('sex')(sex)}
                    data-testid={`consult-field-sex-${sex}`}
                    {...(sex === 'F' ? { id: `${ids}-sex` } : {})}
                  />
                  {t(`consult.sex.${sex}`)}
                </label>
              ))}
            </div>
            {fieldError('sex', 'consult.field.sexInvalid')}
          </fieldset>
          <div className="field">
            <label htmlFor={`${ids}-weightKg`}>{t('consult.field.weight')}</label>
            <input {...field('weightKg')} inputMode="decimal" autoComplete="off" onChange={(e) => set('weightKg')(e.target.value)} />
            <p className="hint">{t('consult.field.weightHint')}</p>
            {fieldError('weightKg', 'consult.field.weightInvalid')}
          </div>
          <div className="field lkw-field">
            <label htmlFor={`${ids}-lastKnownWell`}>{t('consult.field.lastKnownWell')}</label>
            <div className="lkw-row">
              <input
                {...field('lastKnownWell')}
                type="datetime-local"
                max={isoToLocalInput(new Date(now + 60_000))}
                onChange={(e) => set('lastKnownWell')(e.target.value)}
              />
              <button
                type="button"
                className="btn btn-secondary"
                onClick={() => set('lastKnownWell')(isoToLocalInput(new Date()))}
              >
                {t('consult.field.now')}
              </button>
            </div>
            <p className={`lkw-live lkw-${lkwUrgency(lkwMinutes)}`} data-testid="consult-lkw-elapsed" aria-live="polite">
              {lkwText ? t('consult.lkw.since', { elapsed: lkwText }) : t('consult.field.lastKnownWellHint')}
            </p>
            {fieldError('lastKnownWell', 'consult.field.lastKnownWellInvalid')}
          </div>
          <div className="field form-wide">
            <label htmlFor={`${ids}-reason`}>{t('consult.field.reason')}</label>
            <textarea {...field('reason')} rows={3} maxLength={500} onChange={(e) => set('reason')(e.target.value)} />
            <p className="hint">{t('consult.field.reasonHint')}</p>
            {fieldError('reason', 'consult.field.reasonInvalid')}
          </div>
          <div className="field form-wide">
            <label htmlFor={`${ids}-studyInstanceUid`}>{t('consult.field.studyOptional')}</label>
            <input
              {...field('studyInstanceUid')}
              className="mono"
              autoComplete="off"
              inputMode="decimal"
              onChange={(e) => set('studyInstanceUid')(e.target.value)}
            />
            {fieldError('studyInstanceUid', 'consult.field.studyInvalid')}
          </div>
        </div>
        <button type="submit" className="btn btn-urgent btn-block" disabled={pending} data-testid="consult-submit">
          {pending ? t('consult.new.sending') : t('consult.new.submit')}
        </button>
      </form>
    </main>
  );
}
