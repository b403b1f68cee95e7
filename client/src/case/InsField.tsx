import { insKeyValid, type CaseRecordDto } from '@telestroke/shared';
import { useState, type FormEvent } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { setCaseIns } from './api';

/**
 * The patient's INS beside the local reference: shown once known, entered or corrected by whoever checked the
 * identity. The key is checked as it is typed, so a mistyped digit never reaches the record.
 */
export function InsField({ record, canWrite, onSaved }: { record: CaseRecordDto; canWrite: boolean; onSaved: (r: CaseRecordDto) => void }) {
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(record.ins ?? '');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const typed = value.replace(/\s+/g, '').toUpperCase();
  const valid = insKeyValid(typed);

  async function save(ins: string | null, event?: FormEvent) {
    event?.preventDefault();
    setSaving(true);
    setError(null);
    try {
      onSaved(await setCaseIns(record.id, ins));
      setEditing(false);
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setSaving(false);
    }
  }

  if (!editing) {
    return (
      <>
        {record.ins && (
          <span className="mono" data-testid="case-ins">
            {' · '}
            {t('case.ins', { ins: record.ins })}
          </span>
        )}
        {canWrite && (
          <button
            type="button"
            className="btn btn-ghost case-ins-edit"
            onClick={() => {
              setValue(record.ins ?? '');
              setEditing(true);
            }}
            data-testid="case-ins-edit"
          >
            {record.ins ? t('case.ins.edit') : t('case.ins.add')}
          </button>
        )}
      </>
    );
  }
  return (
    <form className="case-ins-form" onSubmit={(e) => void save(typed, e)} data-testid="case-ins-form">
      <label>
        {t('case.ins.label')}
        <input
          className="mono"
          value={value}
          maxLength={24}
          autoComplete="off"
          inputMode="text"
          aria-invalid={typed.length > 0 && !valid}
          onChange={(e) => setValue(e.target.value)}
          data-testid="case-ins-input"
        />
      </label>
      {typed.length >= 15 && !valid && (
        <span className="field-error" role="alert">
          {t('case.ins.invalid')}
        </span>
      )}
      {error && (
        <span className="field-error" role="alert">
          {t(error)}
        </span>
      )}
      <button type="submit" className="btn btn-primary" disabled={!valid || saving} data-testid="case-ins-save">
        {t('case.ins.save')}
      </button>
      {record.ins && (
        <button type="button" className="btn btn-secondary" disabled={saving} onClick={() => void save(null)}>
          {t('case.ins.clear')}
        </button>
      )}
      <button type="button" className="btn btn-secondary" onClick={() => setEditing(false)}>
        {t('case.ins.cancel')}
      </button>
    </form>
  );
}
