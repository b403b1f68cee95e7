import type { ConsultDto, MeDto } from '@telestroke/shared';
import { useEffect, useState } from 'react';
import { isApiError } from '../api/http';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { Banner } from '../ui/Banner';
import { ConfirmButton } from '../ui/ConfirmButton';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { useResource } from '../ui/useResource';
import { CaseLink } from '../case/CaseLink';
import { acceptConsult, cancelConsult, getConsult } from './api';
import { ConsultSummary } from './ConsultSummary';
import { useSiteNames } from './useSiteNames';

/**
 * One consult: its state, live. For the ward doctor this is the waiting screen ("waiting for a neurologist", then
 * "accepted by Dr X" with the join button); for the neurologist, the request to accept.
 */
export function ConsultPage({ me, id }: { me: MeDto; id: string }) {
  const { t, formatDateTime } = useI18n();
  useDocumentTitle(t('consult.detail.title'));
  const loaded = useResource((signal) => getConsult(id, signal), [id]);
  const [consult, setConsult] = useState<ConsultDto | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const siteNames = useSiteNames();

  // Live events go on top of the last load (a reload after a dropped channel replaces them).
  const fetched = loaded.status === 'ready' ? loaded.data : null;
  useEffect(() => {
    if (fetched) setConsult(fetched);
  }, [fetched]);

  // The room's code (mediasoup-client) is fetched while the user reads, so joining does not wait for it.
  useEffect(() => {
    void import('./ConsultRoomPage').catch(() => undefined);
  }, []);

  useServerEvents(
    (event) => {
      if ((event.type === 'consult.updated' || event.type === 'consult.requested') && event.consult.id === id) {
        setConsult(event.consult);
      }
    },
    () => loaded.reload(),
  );

  if (loaded.status === 'error' && !consult) {
    return (
      <main className="page" id="main">
        <p className="breadcrumb">
          <a href="#/consults">← {t('consult.list.title')}</a>
        </p>
        <Banner tone="error">{t(errorMessageKey(loaded.error))}</Banner>
      </main>
    );
  }
  if (!consult) {
    return (
      <main className="page" id="main">
        <p>{t('app.loading')}</p>
      </main>
    );
  }

  const isRequester = consult.requestedBy.id === me.user.id;
  const isAcceptor = consult.acceptedBy?.id === me.user.id;
  const canJoin = (isRequester || isAcceptor) && (consult.status === 'accepted' || consult.status === 'in_call');

  async function run(action: () => Promise<ConsultDto>) {
    setPending(true);
    setError(null);
    try {
      setConsult(await action());
    } catch (err) {
      if (isApiError(err, 'CONSULT_TAKEN', 'CONSULT_STATE')) {
        // Someone else acted first (accepted, cancelled, ended): show the consult as it is now, and say so.
        setError(isApiError(err, 'CONSULT_TAKEN') ? 'consult.takenUnknown' : 'consult.stateChanged');
        try {
          setConsult(await getConsult(id));
          if (isApiError(err, 'CONSULT_TAKEN')) setError(null);
        } catch {
          // The message above stays.
        }
      } else {
        setError(errorMessageKey(err));
      }
    } finally {
      setPending(false);
    }
  }

  let statusLine: string;
  switch (consult.status) {
    case 'requested':
      statusLine = isRequester ? t('consult.waiting') : t('consult.status.requested');
      break;
    case 'accepted':
    case 'in_call':
      statusLine = t('consult.acceptedBy', { name: consult.acceptedBy?.name ?? '?' });
      break;
    case 'ended':
      statusLine = consult.outcome
        ? t('consult.endedWith', { outcome: t(`consult.outcome.${consult.outcome}`) })
        : t('consult.status.ended');
      break;
    case 'cancelled':
      statusLine = t('consult.status.cancelled');
      break;
  }

  return (
    <main className="page" id="main">
      <p className="breadcrumb">
        <a href="#/consults">← {t('consult.list.title')}</a>
      </p>
      <h1>{t('consult.detail.title')}</h1>
      <div
        className={`card consult-status-card consult-status-${consult.status}`}
        data-testid="consult-status"
        data-status={consult.status}
        aria-live="polite"
      >
        {consult.status === 'requested' && <span className="pulse" aria-hidden="true" />}
        <div className="consult-status-text">
          <strong className="consult-status-line">{statusLine}</strong>
          <span className="muted">
            {t('consult.requestedBy', { name: consult.requestedBy.name, at: formatDateTime(consult.requestedAt) })}
          </span>
          {consult.status === 'requested' && consult.escalatedAt && (
            <span className="consult-escalated" data-testid="consult-escalated">
              {t('consult.escalated', { at: formatDateTime(consult.escalatedAt) })}
            </span>
          )}
        </div>
        <div className="actions">
          {canJoin && (
            <a className="btn btn-urgent btn-large" href={`#/consults/${consult.id}/room`} data-testid="consult-join">
              {t('consult.join')}
            </a>
          )}
          {me.user.role === 'neurologist' && consult.status === 'requested' && (
            <button
              type="button"
              className="btn btn-urgent btn-large"
              disabled={pending}
              onClick={() => void run(() => acceptConsult(consult.id))}
              data-testid="consult-accept"
            >
              {pending ? t('common.working') : t('consult.accept')}
            </button>
          )}
          {consult.kind === 'urgent' && consult.status !== 'cancelled' && <CaseLink consultId={consult.id} />}
          {isRequester && consult.status === 'requested' && (
            <ConfirmButton
              label={t('consult.cancel')}
              confirmLabel={t('consult.cancelConfirm')}
              disabled={pending}
              onConfirm={() => void run(() => cancelConsult(consult.id))}
              testId="consult-cancel"
            />
          )}
        </div>
      </div>
      {error && (
        <Banner tone="error" testId="consult-error">
          {t(error)}
        </Banner>
      )}
      {consult.acceptedBy && !isAcceptor && me.user.role === 'neurologist' && (
        <Banner tone="info" testId="consult-taken">
          {t('consult.takenBy', { name: consult.acceptedBy.name })}
        </Banner>
      )}
      <section className="card" aria-labelledby="consult-facts">
        <h2 id="consult-facts">{t('consult.facts')}</h2>
        <ConsultSummary consult={consult} siteName={siteNames.get(consult.siteCode)} />
      </section>
    </main>
  );
}
