import { AeTitleSchema } from '@telestroke/shared';
import { useId, useState, type FormEvent } from 'react';
import { addAeTitle, listAeTitles, removeAeTitle } from '../api/admin';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { ConfirmButton } from '../ui/ConfirmButton';
import { useResource } from '../ui/useResource';
import { LoadState } from './LoadState';

export function AeTitlesPanel({ siteCode }: { siteCode: string }) {
  const { t, formatDateTime } = useI18n();
  const ids = useId();
  const aeTitles = useResource((signal) => listAeTitles(siteCode, signal), [siteCode]);
  const [value, setValue] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    // The server's own rule, checked here too so a typo is caught without a round trip.
    const parsed = AeTitleSchema.safeParse(value);
    if (!parsed.success) return setError('admin.ae.invalid');
    setPending(true);
    setError(null);
    try {
      await addAeTitle(siteCode, parsed.data);
      setValue('');
      aeTitles.reload();
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setPending(false);
    }
  }

  async function remove(id: string) {
    setPending(true);
    setError(null);
    try {
      await removeAeTitle(id);
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setPending(false);
      aeTitles.reload();
    }
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`} data-testid="ae-titles-panel">
      <h2 id={`${ids}-title`}>{t('admin.ae.title')}</h2>
      <p className="muted">{t('admin.ae.help')}</p>
      {error && (
        <Banner tone="error" testId="ae-titles-error">
          {t(error)}
        </Banner>
      )}

      <form className="inline-form" onSubmit={add} noValidate>
        <div className="field">
          <label htmlFor={`${ids}-ae`}>{t('admin.ae.label')}</label>
          <input
            id={`${ids}-ae`}
            className="mono"
            type="text"
            autoComplete="off"
            autoCapitalize="characters"
            autoCorrect="off"
            spellCheck={false}
            maxLength={16}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            data-testid="ae-title-input"
          />
        </div>
        <button type="submit" className="btn btn-primary" disabled={pending} data-testid="ae-title-add">
          {t('admin.ae.add')}
        </button>
      </form>

      {aeTitles.status !== 'ready' ? (
        <LoadState resource={aeTitles} onRetry={aeTitles.reload} />
      ) : aeTitles.data.length === 0 ? (
        <p className="muted">{t('admin.ae.empty')}</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t('admin.ae.colTitle')}</th>
              <th scope="col">{t('admin.ae.colCreated')}</th>
              <td />
            </tr>
          </thead>
          <tbody>
            {aeTitles.data.map((ae) => (
              <tr key={ae.id} data-testid="ae-title-row" data-ae-title-id={ae.id}>
                <th scope="row" className="mono" data-label={t('admin.ae.colTitle')}>
                  {ae.aeTitle}
                </th>
                <td data-label={t('admin.ae.colCreated')}>{formatDateTime(ae.createdAt)}</td>
                <td className="cell-actions">
                  <ConfirmButton
                    label={t('admin.ae.remove')}
                    ariaLabel={t('admin.ae.removeLabel', { name: ae.aeTitle })}
                    confirmLabel={t('admin.ae.confirmRemove')}
                    disabled={pending}
                    onConfirm={() => void remove(ae.id)}
                    testId="ae-title-remove"
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
