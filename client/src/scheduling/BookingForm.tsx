import type { BookingDto, SpecialistDto, UserDto } from '@telestroke/shared';
import { useState, type FormEvent } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { useResource } from '../ui/useResource';
import { createBooking, listSiteUsers } from './api';
import { DurationSelect, instantOf } from './BookingCard';

/** The scheduler's booking form. Date and time are Paris wall clock; the instant sent carries its offset. */
export function BookingForm(props: {
  specialists: SpecialistDto[];
  siteCodes: string[];
  defaultDate: string;
  defaultSpecialistId: string;
  onCancel(): void;
  onBooked(b: BookingDto): void;
}) {
  const { t } = useI18n();
  const [specialistId, setSpecialistId] = useState(props.defaultSpecialistId || props.specialists[0]?.id || '');
  const [siteCode, setSiteCode] = useState(props.siteCodes[0] ?? '');
  const [requesterId, setRequesterId] = useState('');
  const [date, setDate] = useState(props.defaultDate);
  const [time, setTime] = useState('09:00');
  const [minutes, setMinutes] = useState(30);
  const [patientRef, setPatientRef] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);
  const wardDoctors = useResource<UserDto[]>(
    (signal) => (siteCode ? listSiteUsers(siteCode, signal).then((us) => us.filter((u) => u.role === 'ward_doctor')) : Promise.resolve([])),
    [siteCode],
  );

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const at = instantOf(date, time);
    if ('error' in at) {
      setError(at.error);
      return;
    }
    setBusy(true);
    try {
      const booked = await createBooking({
        specialistId,
        siteCode,
        startsAt: at.iso,
        durationMinutes: minutes,
        patientRef: patientRef.trim(),
        reason: reason.trim(),
        ...(requesterId ? { requesterId } : {}),
      });
      props.onBooked(booked);
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card booking-form" onSubmit={submit} data-testid="booking-form" aria-labelledby="booking-form-title">
      <h3 id="booking-form-title">{t('schedule.book.title')}</h3>
      {error && (
        <Banner tone="error" testId="booking-error">
          {t(error)}
        </Banner>
      )}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="bk-specialist">{t('schedule.form.specialist')}</label>
          <select id="bk-specialist" required value={specialistId} onChange={(e) => setSpecialistId(e.target.value)} data-testid="booking-specialist">
            {props.specialists.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({t(`role.${s.role}`)})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="bk-site">{t('schedule.form.site')}</label>
          <select
            id="bk-site"
            required
            value={siteCode}
            onChange={(e) => {
              setSiteCode(e.target.value);
              setRequesterId('');
            }}
            data-testid="booking-site"
          >
            {props.siteCodes.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="bk-requester">{t('schedule.form.requester')}</label>
          <select id="bk-requester" value={requesterId} onChange={(e) => setRequesterId(e.target.value)} data-testid="booking-requester">
            <option value="">{t('schedule.form.anyWardDoctor')}</option>
            {wardDoctors.status === 'ready' &&
              wardDoctors.data.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="bk-date">{t('schedule.form.date')}</label>
          <input id="bk-date" type="date" required value={date} onChange={(e) => setDate(e.target.value)} data-testid="booking-date" />
        </div>
        <div className="field">
          <label htmlFor="bk-time">{t('schedule.form.time')}</label>
          <input id="bk-time" type="time" required value={time} onChange={(e) => setTime(e.target.value)} data-testid="booking-time-input" />
        </div>
        <div className="field">
          <label htmlFor="bk-duration">{t('schedule.form.duration')}</label>
          <DurationSelect id="bk-duration" value={minutes} onChange={setMinutes} />
        </div>
        <div className="field">
          <label htmlFor="bk-patient">{t('schedule.form.patientRef')}</label>
          <input id="bk-patient" required maxLength={64} value={patientRef} onChange={(e) => setPatientRef(e.target.value)} autoComplete="off" data-testid="booking-patient" />
          <p className="hint">{t('schedule.form.patientRefHint')}</p>
        </div>
        <div className="field form-wide">
          <label htmlFor="bk-reason">{t('schedule.form.reason')}</label>
          <input id="bk-reason" required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="booking-reason" />
        </div>
      </div>
      <p className="hint">{t('schedule.form.parisHint')}</p>
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="booking-submit">
          {busy ? t('common.working') : t('schedule.book.submit')}
        </button>
        <button type="button" className="btn btn-ghost" onClick={props.onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
