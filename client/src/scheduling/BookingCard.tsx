import { AppError, localToUtc, type BookingDto, type MeDto } from '@telestroke/shared';
import { useState, type FormEvent } from 'react';
import { useNow } from '../consult/useNow';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { LOCALES } from '../i18n/messages';
import { hrefFor } from '../router';
import { Banner } from '../ui/Banner';
import { cancelBooking, markNoShow, rescheduleBooking } from './api';
import { formatParisTime, joinOpen, parisInputs } from './time';

/** Whether the user is one of the two sides of the session, who join its room. */
export function isParticipant(me: MeDto, b: BookingDto): boolean {
  if (b.specialist.id === me.user.id) return true;
  if (me.user.role !== 'ward_doctor' || !me.user.sites.some((s) => s.code === b.siteCode)) return false;
  return b.requester === null || b.requester.id === me.user.id;
}

/** A local date and time typed in a form, as an instant; a DST-skipped or repeated time is an error to show. */
export function instantOf(date: string, time: string): { iso: string } | { error: MessageKey } {
  try {
    return { iso: localToUtc(date, time).toISOString() };
  } catch (err) {
    if (err instanceof AppError && (err.code === 'DST_AMBIGUOUS_TIME' || err.code === 'DST_NONEXISTENT_TIME')) {
      return { error: `error.${err.code}` };
    }
    return { error: 'error.VALIDATION_FAILED' };
  }
}

type Panel = null | 'reschedule' | 'cancel';

export function BookingCard({ booking: b, me, compact, onChanged }: { booking: BookingDto; me: MeDto; compact: boolean; onChanged(): void }) {
  const { t, lang } = useI18n();
  const locale = LOCALES[lang];
  const now = useNow(15_000);
  const [panel, setPanel] = useState<Panel>(null);
  const [error, setError] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);
  const scheduler = me.user.role === 'scheduler';
  const participant = isParticipant(me, b);
  const open = joinOpen(b, now);
  const started = now >= Date.parse(b.startsAt);
  const canNoShow = b.status === 'booked' && started && (scheduler || b.specialist.id === me.user.id);

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      setPanel(null);
      onChanged();
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className={`booking booking-${b.status}${compact ? ' booking-compact' : ''}`} data-testid="booking" data-booking-id={b.id} data-status={b.status}>
      <div className="booking-head">
        <span className="booking-time" data-testid="booking-time">
          {formatParisTime(b.startsAt, locale)}–{formatParisTime(b.endsAt, locale)}
        </span>
        {b.status !== 'booked' && <span className={`badge booking-badge-${b.status}`}>{t(`schedule.status.${b.status}`)}</span>}
      </div>
      <div className="booking-site">{b.siteName}</div>
      <div className="booking-who">
        {b.specialist.name}
        {b.requester && <span className="muted"> · {b.requester.name}</span>}
      </div>
      <div className="booking-patient">
        <strong className="mono">{b.patientRef}</strong> <span className="muted">{b.reason}</span>
      </div>
      {b.status === 'cancelled' && b.cancelReason && <div className="muted">{t('schedule.cancelledBecause', { reason: b.cancelReason })}</div>}
      {error && <Banner tone="error">{t(error)}</Banner>}
      <div className="actions booking-actions">
        {participant && b.status === 'booked' && (
          open ? (
            <a className="btn btn-primary" href={hrefFor({ name: 'bookingRoom', id: b.id })} data-testid="booking-join">
              {t('schedule.join')}
            </a>
          ) : (
            <button type="button" className="btn btn-secondary" disabled data-testid="booking-join">
              {now < Date.parse(b.joinOpensAt)
                ? t('schedule.joinAt', { time: formatParisTime(b.joinOpensAt, locale) })
                : t('schedule.joinClosed')}
            </button>
          )
        )}
        {scheduler && b.status === 'booked' && !started && panel === null && (
          <>
            <button type="button" className="btn btn-secondary" onClick={() => setPanel('reschedule')} data-testid="booking-reschedule">
              {t('schedule.reschedule')}
            </button>
            <button type="button" className="btn btn-secondary" onClick={() => setPanel('cancel')} data-testid="booking-cancel">
              {t('schedule.cancel')}
            </button>
          </>
        )}
        {canNoShow && (
          <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => void run(() => markNoShow(b.id))} data-testid="booking-no-show">
            {t('schedule.noShow')}
          </button>
        )}
      </div>
      {panel === 'reschedule' && <ReschedulePanel booking={b} busy={busy} onCancel={() => setPanel(null)} onSubmit={(iso, minutes) => run(() => rescheduleBooking(b.id, iso, minutes))} onInvalid={setError} />}
      {panel === 'cancel' && <CancelPanel busy={busy} onCancel={() => setPanel(null)} onSubmit={(reason) => run(() => cancelBooking(b.id, reason))} />}
    </li>
  );
}

function ReschedulePanel(props: {
  booking: BookingDto;
  busy: boolean;
  onCancel(): void;
  onSubmit(iso: string, minutes: number): void;
  onInvalid(error: MessageKey): void;
}) {
  const { t } = useI18n();
  const initial = parisInputs(props.booking.startsAt);
  const [date, setDate] = useState(initial.date);
  const [time, setTime] = useState(initial.time);
  const [minutes, setMinutes] = useState(props.booking.durationMinutes);

  function submit(e: FormEvent) {
    e.preventDefault();
    const at = instantOf(date, time);
    if ('error' in at) props.onInvalid(at.error);
    else props.onSubmit(at.iso, minutes);
  }

  return (
    <form className="booking-panel" onSubmit={submit}>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`rs-date-${props.booking.id}`}>{t('schedule.form.date')}</label>
          <input id={`rs-date-${props.booking.id}`} type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`rs-time-${props.booking.id}`}>{t('schedule.form.time')}</label>
          <input id={`rs-time-${props.booking.id}`} type="time" required step={300} value={time} onChange={(e) => setTime(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`rs-dur-${props.booking.id}`}>{t('schedule.form.duration')}</label>
          <DurationSelect id={`rs-dur-${props.booking.id}`} value={minutes} onChange={setMinutes} />
        </div>
      </div>
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={props.busy}>
          {t('schedule.reschedule.confirm')}
        </button>
        <button type="button" className="btn btn-ghost" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function CancelPanel(props: { busy: boolean; onCancel(): void; onSubmit(reason: string): void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  return (
    <form
      className="booking-panel"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(reason.trim());
      }}
    >
      <div className="field">
        <label htmlFor="cancel-reason">{t('schedule.cancel.reason')}</label>
        <input id="cancel-reason" required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="booking-cancel-reason" />
      </div>
      <div className="actions">
        <button type="submit" className="btn btn-danger" disabled={props.busy || reason.trim() === ''} data-testid="booking-cancel-confirm">
          {t('schedule.cancel.confirm')}
        </button>
        <button type="button" className="btn btn-ghost" onClick={props.onCancel}>
          {t('schedule.cancel.keep')}
        </button>
      </div>
    </form>
  );
}

export const DURATIONS = [15, 20, 30, 45, 60, 90, 120];

export function DurationSelect({ id, value, onChange }: { id: string; value: number; onChange(v: number): void }) {
  const { t } = useI18n();
  const options = DURATIONS.includes(value) ? DURATIONS : [...DURATIONS, value].sort((a, b) => a - b);
  return (
    <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value))} data-testid="booking-duration">
      {options.map((m) => (
        <option key={m} value={m}>
          {t('schedule.minutes', { n: m })}
        </option>
      ))}
    </select>
  );
}
