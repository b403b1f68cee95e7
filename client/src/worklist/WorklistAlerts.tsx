import type { MeDto, ReadRequestDto, WorklistAlertReason } from '@telestroke/shared';
import { useState } from 'react';
import { hasPermission } from '../auth/permissions';
import { playAlertTone, showNotification } from '../consult/alerts';
import { useI18n } from '../i18n/I18nProvider';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { hrefFor, navigate, useRoute } from '../router';

interface Alert {
  reason: WorklistAlertReason;
  request: ReadRequestDto;
}

/**
 * A reader's alerts for urgent studies, on every screen: a banner until dealt with, and for a stroke code (or an
 * escalation, or a breach) the consult alerts' tone and a system notification. A banner goes away by itself once
 * someone claims the study. The sound is unlocked by ConsultAlerts' first-gesture listener and the alerts button.
 */
export function WorklistAlerts({ me }: { me: MeDto }) {
  const { t } = useI18n();
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const reader = hasPermission(me, 'worklist:claim');
  // On the worklist itself the new row is the alert: a banner over it would only hide the list.
  const onWorklist = useRoute().name === 'worklist';

  useServerEvents((event) => {
    if (!reader) return;
    if (event.type === 'worklist.alert') {
      const { request, reason } = event;
      if (!stillRelevant(reason, request)) return;
      setAlerts((list) => [{ reason, request }, ...list.filter((a) => a.request.id !== request.id)]);
      if (request.priority === 'P1' || reason !== 'new') {
        playAlertTone();
        showNotification(t(`worklistAlert.${reason}`), body(request), `worklist-${request.id}`, () =>
          navigate({ name: 'worklistRead', id: request.id }),
        );
      }
    } else if (event.type === 'worklist.updated' || event.type === 'worklist.report') {
      const r = event.request;
      setAlerts((list) => list.filter((a) => a.request.id !== r.id || stillRelevant(a.reason, r)));
    }
  });

  /** A new or escalated study needs a reader until someone claims it; an assignment, while it stays with this user. */
  function stillRelevant(reason: WorklistAlertReason, r: ReadRequestDto): boolean {
    if (r.status === 'reported') return false;
    if (reason === 'assigned') return r.claimedBy?.id === me.user.id;
    if (reason === 'sla_breached') return true;
    return r.claimedBy === null;
  }

  function body(r: ReadRequestDto): string {
    return t('worklistAlert.body', {
      site: r.siteName,
      what: [t(`worklist.priority.${r.priority}`), r.modalities.join(', '), r.description].filter(Boolean).join(' · '),
    });
  }

  if (alerts.length === 0 || onWorklist) return null;
  const dismiss = (id: string) => setAlerts((list) => list.filter((a) => a.request.id !== id));
  return (
    <div className="alert-stack" role="alert" aria-live="assertive">
      {alerts.map(({ reason, request }) => (
        <div key={request.id} className="alert-banner" data-testid="worklist-alert" data-request-id={request.id} data-reason={reason}>
          <div className="alert-text">
            <strong>{t(`worklistAlert.${reason}`)}</strong>
            <span>{body(request)}</span>
          </div>
          <div className="alert-actions">
            <a
              className="btn btn-alert"
              href={hrefFor({ name: 'worklistRead', id: request.id })}
              onClick={() => dismiss(request.id)}
              data-testid="worklist-alert-open"
            >
              {t('worklistAlert.open')}
            </a>
            <button
              type="button"
              className="btn btn-alert-ghost"
              onClick={() => dismiss(request.id)}
              data-testid="worklist-alert-dismiss"
            >
              {t('worklistAlert.dismiss')}
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
