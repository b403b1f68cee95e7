import type { AvailabilityDto, MeDto, SpecialistDto } from '@telestroke/shared';
import { useState, type FormEvent } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { LOCALES } from '../i18n/messages';
import { Banner } from '../ui/Banner';
import { useResource } from '../ui/useResource';
import { addException, addSlot, getAvailability, listSpecialists, removeException, removeSlot } from './api';

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/** Weekly slots (Paris wall clock) and exceptions: a specialist's own, or any specialist's for a scheduler. */
export function AvailabilityPanel({ me }: { me: MeDto }) {
  const { t } = useI18n();
  const scheduler = me.user.role === 'scheduler';
  const specialists = useResource<SpecialistDto[]>((signal) => (scheduler ? listSpecialists(signal) : Promise.resolve([])), [scheduler]);
  const [chosen, setChosen] = useState('');
  const specialistId = scheduler ? chosen || (specialists.status === 'ready' ? (specialists.data[0]?.id ?? '') : '') : me.user.id;
  const availability = useResource<AvailabilityDto | null>(
    (signal) => (specialistId ? getAvailability(specialistId, signal) : Promise.resolve(null)),
    [specialistId],
  );
  const [error, setError] = useState<MessageKey | null>(null);

  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setError(null);
    try {
      await action();
      availability.reload();
      return true;
    } catch (err) {
      setError(errorMessageKey(err));
      return false;
    }
  }
  const owner = scheduler ? { specialistId } : {};

  return (
    <section aria-labelledby="availability-heading" data-testid="availability">
      <h2 id="availability-heading">{t('schedule.availability.title')}</h2>
      {scheduler && specialists.status === 'ready' && (
        <div className="field field-narrow">
          <label htmlFor="av-specialist">{t('schedule.form.specialist')}</label>
          <select id="av-specialist" value={specialistId} onChange={(e) => setChosen(e.target.value)}>
            {specialists.data.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({t(`role.${s.role}`)})
              </option>
            ))}
          </select>
        </div>
      )}
      {error && (
        <Banner tone="error" testId="availability-error">
          {t(error)}
        </Banner>
      )}
      {availability.status === 'error' && <Banner tone="error">{t(errorMessageKey(availability.error))}</Banner>}
      {availability.status === 'ready' && availability.data && (
        <>
          <h3>{t('schedule.availability.weekly')}</h3>
          <p className="hint">{t('schedule.availability.weeklyHint')}</p>
          <ul className="slot-week">
            {WEEKDAYS.map((d) => {
              const slots = availability.data!.slots.filter((s) => s.weekday === d);
              return (
                <li key={d} className="slot-day">
                  <strong>{t(`schedule.weekday.${d}`)}</strong>
                  {slots.length === 0 && <span className="muted">{t('common.none')}</span>}
                  {slots.map((s) => (
                    <span key={s.id} className="slot-chip" data-testid="slot">
                      {s.start}–{s.end}
                      <button type="button" className="btn btn-ghost btn-inline" aria-label={t('schedule.availability.removeSlot', { slot: `${s.start}–${s.end}` })} onClick={() => void run(() => removeSlot(s.id))}>
                        ×
                      </button>
                    </span>
                  ))}
                </li>
              );
            })}
          </ul>
          <SlotForm onSubmit={(weekday, start, end) => run(() => addSlot({ ...owner, weekday, start, end }))} />
          <h3>{t('schedule.availability.exceptions')}</h3>
          <ExceptionList availability={availability.data} onRemove={(id) => void run(() => removeException(id))} />
          <ExceptionForm
            onSubmit={(kind, startsAtLocal, endsAtLocal, note) =>
              run(() => addException({ ...owner, kind, startsAtLocal, endsAtLocal, ...(note ? { note } : {}) }))
            }
          />
        </>
      )}
    </section>
  );
}

function SlotForm({ onSubmit }: { onSubmit(weekday: number, start: string, end: string): Promise<boolean> }) {
  const { t } = useI18n();
  const [weekday, setWeekday] = useState(1);
  const [start, setStart] = useState('09:00');
  const [end, setEnd] = useState('12:00');
  return (
    <form
      className="inline-form"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void onSubmit(weekday, start, end);
      }}
    >
      <div className="field">
        <label htmlFor="slot-day">{t('schedule.availability.weekday')}</label>
        <select id="slot-day" value={weekday} onChange={(e) => setWeekday(Number(e.target.value))}>
          {WEEKDAYS.map((d) => (
            <option key={d} value={d}>
              {t(`schedule.weekday.${d}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="slot-start">{t('schedule.availability.start')}</label>
        <input id="slot-start" type="time" required value={start} onChange={(e) => setStart(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="slot-end">{t('schedule.availability.end')}</label>
        <input id="slot-end" type="time" required value={end} onChange={(e) => setEnd(e.target.value)} />
      </div>
      <button type="submit" className="btn btn-primary" data-testid="slot-add">
        {t('schedule.availability.addSlot')}
      </button>
    </form>
  );
}

function ExceptionList({ availability, onRemove }: { availability: AvailabilityDto; onRemove(id: string): void }) {
  const { t, lang } = useI18n();
  const f = new Intl.DateTimeFormat(LOCALES[lang], { timeZone: 'Europe/Paris', dateStyle: 'medium', timeStyle: 'short' });
  if (availability.exceptions.length === 0) return <p className="muted">{t('schedule.availability.noExceptions')}</p>;
  return (
    <ul className="plain-list">
      {availability.exceptions.map((e) => (
        <li key={e.id} className={`exception exception-${e.kind}`} data-testid="exception">
          <span className="badge">{t(`schedule.exception.${e.kind}`)}</span> {f.format(new Date(e.startsAt))} → {f.format(new Date(e.endsAt))}
          {e.note && <span className="muted"> · {e.note}</span>}
          <button type="button" className="btn btn-ghost btn-inline" onClick={() => onRemove(e.id)}>
            {t('schedule.remove')}
          </button>
        </li>
      ))}
    </ul>
  );
}

function ExceptionForm({ onSubmit }: { onSubmit(kind: 'leave' | 'extra', from: string, to: string, note: string): Promise<boolean> }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<'leave' | 'extra'>('leave');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [note, setNote] = useState('');
  return (
    <form
      className="inline-form"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void onSubmit(kind, from, to, note.trim()).then((ok) => {
          if (ok) setNote('');
        });
      }}
    >
      <div className="field">
        <label htmlFor="ex-kind">{t('schedule.exception.kind')}</label>
        <select id="ex-kind" value={kind} onChange={(e) => setKind(e.target.value as 'leave' | 'extra')}>
          <option value="leave">{t('schedule.exception.leave')}</option>
          <option value="extra">{t('schedule.exception.extra')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="ex-from">{t('schedule.exception.from')}</label>
        <input id="ex-from" type="datetime-local" required value={from} onChange={(e) => setFrom(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="ex-to">{t('schedule.exception.to')}</label>
        <input id="ex-to" type="datetime-local" required value={to} onChange={(e) => setTo(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="ex-note">{t('schedule.exception.note')}</label>
        <input id="ex-note" maxLength={200} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
      <button type="submit" className="btn btn-primary">
        {t('schedule.exception.add')}
      </button>
    </form>
  );
}
