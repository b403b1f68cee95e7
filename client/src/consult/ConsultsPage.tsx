import type { ConsultDto, MeDto } from '@telestroke/shared';
import { useEffect, useState } from 'react';
import { isApiError } from '../api/http';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { navigate } from '../router';
import { Banner } from '../ui/Banner';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { useResource } from '../ui/useResource';
import { EnableAlertsButton } from './ConsultAlerts';
import { LkwElapsed, statusKey } from './ConsultSummary';
import { acceptConsult, getConsult, listConsults } from './api';
import { isOpen, upsertConsult } from './clinical';
import { useSiteNames } from './useSiteNames';

/** The consults the user may see, live: the ward doctor's requests, or the hub's incoming ones for a neurologist. */
export function ConsultsPage({ me }: { me: MeDto }) {
  const { t } = useI18n();
  useDocumentTitle(t('consult.list.title'));
  const role = me.user.role;
  const loaded = useResource((signal) => listConsults(signal), []);
  // Live changes go on top of the last load; a reload (after a dropped channel) starts again from the server's list.
  const base = loaded.status === 'ready' ? loaded.data : null;
  const [live, setLive] = useState<ConsultDto[] | null>(null);
  useEffect(() => setLive(null), [base]);
  const consults = live ?? base ?? [];
  const upsert = (consult: ConsultDto) => setLive((list) => upsertConsult(list ?? base ?? [], consult));
  const siteNames = useSiteNames();

  useServerEvents(
    (event) => {
      if (event.type === 'consult.requested' || event.type === 'consult.updated') upsert(event.consult);
    },
    () => loaded.reload(),
  );

  const open = consults.filter(isOpen);
  const closed = consults.filter((c) => !isOpen(c));

  return (
    <main className="page" id="main">
      <p className="breadcrumb">
        <a href="#/">← {t('common.backHome')}</a>
      </p>
      <div className="card-heading">
        <h1>{t('consult.list.title')}</h1>
        {role === 'ward_doctor' && (
          <a className="btn btn-urgent" href="#/consults/new" data-testid="consult-new">
            {t('consult.new.button')}
          </a>
        )}
        {role === 'neurologist' && <EnableAlertsButton />}
      </div>
      {loaded.status === 'error' && <Banner tone="error">{t(errorMessageKey(loaded.error))}</Banner>}
      {loaded.status === 'loading' && <p>{t('app.loading')}</p>}
      {loaded.status === 'ready' && (
        <>
          <section aria-labelledby="open-consults">
            <h2 id="open-consults">{t('consult.list.open')}</h2>
            {open.length === 0 ? (
              <p className="muted" data-testid="consult-list-empty">
                {role === 'neurologist' ? t('consult.list.noneIncoming') : t('consult.list.none')}
              </p>
            ) : (
              <ul className="consult-list" data-testid="consult-list">
                {open.map((c) => (
                  <ConsultItem
                    key={c.id}
                    consult={c}
                    me={me}
                    siteName={siteNames.get(c.siteCode)}
                    onChanged={upsert}
                  />
                ))}
              </ul>
            )}
          </section>
          {closed.length > 0 && (
            <section aria-labelledby="closed-consults">
              <h2 id="closed-consults">{t('consult.list.closed')}</h2>
              <ul className="consult-list consult-list-closed">
                {closed.slice(0, 20).map((c) => (
                  <ConsultItem key={c.id} consult={c} me={me} siteName={siteNames.get(c.siteCode)} onChanged={upsert} />
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </main>
  );
}

interface ConsultItemProps {
  consult: ConsultDto;
  me: MeDto;
  siteName: string | undefined;
  onChanged(consult: ConsultDto): void;
}

function ConsultItem({ consult, me, siteName, onChanged }: ConsultItemProps) {
  const { t, formatDateTime } = useI18n();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const takenByOther = consult.acceptedBy !== null && consult.acceptedBy.id !== me.user.id;
  const mine = consult.acceptedBy?.id === me.user.id || consult.requestedBy.id === me.user.id;

  async function accept() {
    setPending(true);
    setError(null);
    try {
      const accepted = await acceptConsult(consult.id);
      onChanged(accepted);
      navigate({ name: 'consult', id: accepted.id });
    } catch (err) {
      setPending(false);
      if (isApiError(err, 'CONSULT_TAKEN', 'CONSULT_STATE')) {
        // Not an error to dwell on: show who took it (or that it was cancelled), from the server's current state.
        try {
          onChanged(await getConsult(consult.id));
        } catch {
          setError(isApiError(err, 'CONSULT_TAKEN') ? 'consult.takenUnknown' : 'consult.stateChanged');
        }
        return;
      }
      setError(errorMessageKey(err));
    }
  }

  return (
    <li
      className={`consult-item consult-item-${consult.status}`}
      data-testid="consult-item"
      data-consult-id={consult.id}
      data-status={consult.status}
    >
      <div className="consult-item-main">
        <a className="consult-item-title" href={`#/consults/${consult.id}`}>
          <span className="mono">{consult.patientRef}</span> ·{' '}
          {t('consult.patientLine', { age: consult.ageYears, sex: t(`consult.sex.${consult.sex}`), weight: consult.weightKg })}
        </a>
        <span className="consult-item-reason">{consult.reason}</span>
        <span className="consult-item-meta">
          {siteName ?? consult.siteCode} · {t('consult.requestedAt', { at: formatDateTime(consult.requestedAt) })} ·{' '}
          <LkwElapsed lastKnownWellAt={consult.lastKnownWellAt} />
        </span>
      </div>
      <div className="consult-item-side">
        <span className={`status status-${consult.status}`} data-testid="consult-item-status">
          {t(statusKey(consult))}
        </span>
        {takenByOther && me.user.role === 'neurologist' && (
          <span className="consult-taken" data-testid="consult-taken">
            {t('consult.takenBy', { name: consult.acceptedBy!.name })}
          </span>
        )}
        {me.user.role === 'neurologist' && consult.status === 'requested' && (
          <button
            type="button"
            className="btn btn-urgent"
            disabled={pending}
            onClick={() => void accept()}
            data-testid="consult-accept"
          >
            {pending ? t('common.working') : t('consult.accept')}
          </button>
        )}
        {mine && (consult.status === 'accepted' || consult.status === 'in_call') && (
          <a className="btn btn-primary" href={`#/consults/${consult.id}/room`} data-testid="consult-join">
            {t('consult.join')}
          </a>
        )}
        {error && (
          <Banner tone="error" testId="consult-item-error">
            {t(error)}
          </Banner>
        )}
      </div>
    </li>
  );
}
