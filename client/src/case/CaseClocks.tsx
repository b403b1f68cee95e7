import type { CaseRecordDto } from '@telestroke/shared';
import { useNow } from '../consult/useNow';
import { useI18n } from '../i18n/I18nProvider';
import { caseClocks, formatMinutes } from './caseRecord';

const timeOnly = (iso: Date | string, locale: string) =>
  new Date(iso).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });

/**
 * The two clocks everyone watches, "since LKW" and "door-to-needle", and the 4.5 h window warning (60, 30, 15 min
 * left, closed). They tick every second so that a glance is always current.
 */
export function CaseClocks({ record }: { record: CaseRecordDto }) {
  const { t, lang } = useI18n();
  const now = useNow(1000);
  const clocks = caseClocks(record, now);
  const locale = lang === 'fr' ? 'fr-FR' : 'en-GB';
  const win = clocks.window;
  const level = clocks.needleAt ? 'given' : (win?.level ?? 'unknown');

  let warning: string | null = null;
  if (clocks.needleAt) warning = t('case.window.given', { at: timeOnly(clocks.needleAt, locale) });
  else if (win && win.level === 'closed') {
    warning = t('case.window.closed', { since: formatMinutes(-win.minutesLeft), at: timeOnly(win.closesAt, locale) });
  } else if (win) {
    warning = t(`case.window.${win.level}`, { left: formatMinutes(win.minutesLeft), at: timeOnly(win.closesAt, locale) });
  }

  return (
    <div className="case-clocks" data-testid="case-clocks">
      <div className="case-clock" data-testid="case-clock-lkw" data-minutes={clocks.lkw?.minutes ?? ''}>
        <span className="case-clock-label">
          {clocks.lkw?.estimated ? t('case.clock.lkwEstimated') : t('case.clock.lkw')}
        </span>
        <span className="case-clock-value">{clocks.lkw ? formatMinutes(clocks.lkw.minutes) : t('case.clock.noLkw')}</span>
      </div>
      <div
        className={`case-clock${clocks.doorToNeedle?.done ? ' case-clock-done' : ''}`}
        data-testid="case-clock-dtn"
        data-minutes={clocks.doorToNeedle?.minutes ?? ''}
        data-done={clocks.doorToNeedle?.done ?? false}
      >
        <span className="case-clock-label">
          {clocks.doorToNeedle?.done ? t('case.clock.dtnDone') : t('case.clock.dtn')}
        </span>
        <span className="case-clock-value">
          {clocks.doorToNeedle ? formatMinutes(clocks.doorToNeedle.minutes) : t('case.clock.noDoor')}
        </span>
      </div>
      {warning && (
        <div
          className={`case-window case-window-${level}`}
          role={level === '15' || level === 'closed' ? 'alert' : 'status'}
          data-testid="case-window"
          data-level={level}
        >
          {warning}
        </div>
      )}
    </div>
  );
}
