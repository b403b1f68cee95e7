import type { ConsultDto, MeDto } from '@telestroke/shared';
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { navigate } from '../router';
import { enableAlerts, notificationState, playAlertTone, showNotification, unlockAlertSound, type NotificationState } from './alerts';
import { formatElapsed, minutesSince } from './clinical';
import { useSiteNames } from './useSiteNames';

/**
 * A neurologist's alerts for new urgent consults, on every screen: a banner that stays until dealt with, a tone and
 * a system notification. An alert goes away by itself once the consult is no longer waiting (someone accepted it,
 * the ward doctor cancelled it).
 */
export function ConsultAlerts({ me }: { me: MeDto }) {
  const { t } = useI18n();
  const [alerts, setAlerts] = useState<ConsultDto[]>([]);
  const siteNames = useSiteNames();

  // Browsers unlock sound on the first user gesture; on a duty tablet that tap may come long before the alert.
  useEffect(() => {
    const unlock = () => unlockAlertSound();
    window.addEventListener('pointerdown', unlock, { once: true });
    window.addEventListener('keydown', unlock, { once: true });
    return () => {
      window.removeEventListener('pointerdown', unlock);
      window.removeEventListener('keydown', unlock);
    };
  }, []);

  /** The alert's two lines, the same in the banner and in the system notification. */
  const alertText = (c: ConsultDto) => ({
    title: t(c.escalatedAt ? 'alert.titleEscalated' : 'alert.title'),
    body: t('alert.body', {
      site: siteNames.get(c.siteCode) ?? c.siteCode,
      age: c.ageYears,
      sex: t(`consult.sex.${c.sex}`),
      elapsed: formatElapsed(minutesSince(c.lastKnownWellAt, Date.now())) ?? '?',
    }),
  });

  useServerEvents((event) => {
    if (me.user.role !== 'neurologist') return;
    if (event.type === 'consult.requested') {
      const c = event.consult;
      setAlerts((list) => [c, ...list.filter((a) => a.id !== c.id)]);
      playAlertTone();
      const { title, body } = alertText(c);
      showNotification(
        title,
        body,
        `consult-${c.id}`,
        () => navigate({ name: 'consult', id: c.id }),
      );
    } else if (event.type === 'consult.updated' && event.consult.status !== 'requested') {
      setAlerts((list) => list.filter((a) => a.id !== event.consult.id));
    }
  });

  if (alerts.length === 0) return null;
  return (
    <div className="alert-stack" role="alert" aria-live="assertive">
      {alerts.map((c) => {
        const { title, body } = alertText(c);
        return (
          <div key={c.id} className="alert-banner" data-testid="alert-banner" data-consult-id={c.id}>
            <div className="alert-text">
              <strong>{title}</strong>
              <span>{body}</span>
              <span className="alert-reason">{c.reason}</span>
            </div>
            <div className="alert-actions">
              <a
                className="btn btn-alert"
                href={`#/consults/${c.id}`}
                onClick={() => setAlerts((list) => list.filter((a) => a.id !== c.id))}
                data-testid="alert-open"
              >
                {t('alert.open')}
              </a>
              <button
                type="button"
                className="btn btn-alert-ghost"
                onClick={() => setAlerts((list) => list.filter((a) => a.id !== c.id))}
                data-testid="alert-dismiss"
              >
                {t('alert.dismiss')}
              </button>
            </div>
          </div>
        );
      })}
    </div>
  );
}

/** Asks, on a tap, for the notification permission and unlocks the alert sound. */
export function EnableAlertsButton() {
  const { t } = useI18n();
  const [state, setState] = useState<NotificationState>(() => notificationState());
  const [tested, setTested] = useState(false);
  if (state === 'granted' && tested) {
    return (
      <span className="alerts-on" data-testid="alerts-enabled">
        {t('alert.enabled')}
      </span>
    );
  }
  return (
    <button
      type="button"
      className="btn btn-secondary"
      onClick={async () => {
        const next = await enableAlerts();
        setState(next);
        setTested(true);
        playAlertTone();
      }}
      data-testid="alerts-enable"
    >
      {state === 'denied' ? t('alert.denied') : t('alert.enable')}
    </button>
  );
}
