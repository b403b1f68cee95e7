import type { ReadRequestDto } from '@telestroke/shared';
import { useNow } from '../consult/useNow';
import { useI18n } from '../i18n/I18nProvider';
import { formatCountdown, slaState } from './sla';

/** The read's deadline, ticking every second: amber in the last minutes, red once breached. */
export function SlaCountdown({ request }: { request: ReadRequestDto }) {
  const { t } = useI18n();
  const now = useNow(1000);
  const done = request.status === 'reported';
  const sla = slaState(request.slaDueAt, now, done);
  if (done) {
    return request.slaBreached ? (
      <span className="wl-sla wl-sla-late" data-testid="worklist-sla" data-level="late">
        {t('worklist.sla.reportedLate')}
      </span>
    ) : null;
  }
  // The server's flag wins over this clock: it is the one that escalated.
  const level = request.slaBreached ? 'breached' : sla.level;
  const ms = sla.remainingMs ?? 0;
  const text =
    level === 'breached'
      ? ms < 0
        ? t('worklist.sla.breached', { time: formatCountdown(ms) })
        : t('worklist.sla.breachedShort')
      : t('worklist.sla.left', { time: formatCountdown(ms) });
  return (
    <span className={`wl-sla wl-sla-${level}`} role="timer" data-testid="worklist-sla" data-level={level}>
      {text}
    </span>
  );
}

export function PriorityBadge({ request }: { request: ReadRequestDto }) {
  const { t } = useI18n();
  return (
    <span className={`wl-priority wl-priority-${request.priority}`} data-testid="worklist-priority">
      {t(`worklist.priority.${request.priority}`)}
    </span>
  );
}

export function StatusBadge({ request }: { request: ReadRequestDto }) {
  const { t } = useI18n();
  return (
    <span className={`status wl-status-${request.status}`} data-testid="worklist-status">
      {t(`worklist.status.${request.status}`)}
    </span>
  );
}

export function EscalatedBadge({ request }: { request: ReadRequestDto }) {
  const { t } = useI18n();
  if (!request.escalatedAt) return null;
  return (
    <span className="wl-escalated" title={t('worklist.escalatedTitle')} data-testid="worklist-escalated">
      ⚠ {t('worklist.escalated')}
    </span>
  );
}
