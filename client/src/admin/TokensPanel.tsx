import type { CreatedApiTokenDto } from '@telestroke/shared';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { createToken, listTokens, revokeToken } from '../api/admin';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { ConfirmButton } from '../ui/ConfirmButton';
import { CopyField } from '../ui/CopyField';
import { useResource } from '../ui/useResource';
import { LoadState } from './LoadState';

const NAME_MAX = 100;

export function TokensPanel({ siteCode }: { siteCode: string }) {
  const { t, formatDateTime } = useI18n();
  const ids = useId();
  const tokens = useResource((signal) => listTokens(siteCode, signal), [siteCode]);
  const [name, setName] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const [created, setCreated] = useState<CreatedApiTokenDto | null>(null);
  const createdHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    createdHeading.current?.focus();
  }, [created]);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > NAME_MAX) return setError('admin.tokens.nameRequired');
    setPending(true);
    setError(null);
    try {
      setCreated(await createToken(siteCode, trimmed));
      setName('');
      tokens.reload();
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setPending(false);
    }
  }

  async function revoke(id: string) {
    setPending(true);
    setError(null);
    try {
      await revokeToken(id);
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setPending(false);
      // Reload after a failure too: a NOT_FOUND usually means someone else revoked it meanwhile.
      tokens.reload();
    }
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`} data-testid="tokens-panel">
      <h2 id={`${ids}-title`}>{t('admin.tokens.title')}</h2>
      <p className="muted">{t('admin.tokens.help')}</p>

      {created && (
        <div className="secret-box" data-testid="token-created">
          <h3 ref={createdHeading} tabIndex={-1}>
            {t('admin.tokens.createdTitle', { name: created.name })}
          </h3>
          <Banner tone="warning">{t('admin.tokens.createdWarning')}</Banner>
          <CopyField label={t('admin.tokens.value')} value={created.token} testId="token-value" />
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setCreated(null)}
            data-testid="token-dismiss"
          >
            {t('admin.tokens.createdDone')}
          </button>
        </div>
      )}

      {error && (
        <Banner tone="error" testId="tokens-error">
          {t(error)}
        </Banner>
      )}

      <form className="inline-form" onSubmit={create} noValidate>
        <div className="field">
          <label htmlFor={`${ids}-name`}>{t('admin.tokens.name')}</label>
          <input
            id={`${ids}-name`}
            type="text"
            autoComplete="off"
            maxLength={NAME_MAX}
            placeholder={t('admin.tokens.namePlaceholder')}
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="token-name"
          />
        </div>
        <button type="submit" className="btn btn-primary" disabled={pending} data-testid="token-create">
          {t('admin.tokens.create')}
        </button>
      </form>

      {tokens.status !== 'ready' ? (
        <LoadState resource={tokens} onRetry={tokens.reload} />
      ) : tokens.data.length === 0 ? (
        <p className="muted">{t('admin.tokens.empty')}</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t('admin.tokens.colName')}</th>
              <th scope="col">{t('admin.tokens.colCreated')}</th>
              <th scope="col">{t('admin.tokens.colLastUsed')}</th>
              <th scope="col">{t('admin.tokens.colStatus')}</th>
              <td />
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((token) => (
              <tr key={token.id} data-testid="token-row" data-token-id={token.id} className={token.revokedAt ? 'row-muted' : ''}>
                <th scope="row" data-label={t('admin.tokens.colName')}>
                  {token.name}
                </th>
                <td data-label={t('admin.tokens.colCreated')}>{formatDateTime(token.createdAt)}</td>
                <td data-label={t('admin.tokens.colLastUsed')}>
                  {token.lastUsedAt ? formatDateTime(token.lastUsedAt) : t('admin.tokens.neverUsed')}
                </td>
                <td data-label={t('admin.tokens.colStatus')}>
                  {token.revokedAt
                    ? t('admin.tokens.revokedOn', { date: formatDateTime(token.revokedAt) })
                    : t('admin.tokens.active')}
                </td>
                <td className="cell-actions">
                  {!token.revokedAt && (
                    <ConfirmButton
                      label={t('admin.tokens.revoke')}
                      ariaLabel={t('admin.tokens.revokeLabel', { name: token.name })}
                      confirmLabel={t('admin.tokens.confirmRevoke')}
                      disabled={pending}
                      onConfirm={() => void revoke(token.id)}
                      testId="token-revoke"
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
