import type { BookingReminder, MeDto } from '@telestroke/shared';
import { useState } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { LOCALES } from '../i18n/messages';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { hrefFor } from '../router';
import { formatParisTime } from './time';

/** The in-app reminder of a planned teleconsultation, 15 minutes before, on every screen until dismissed. */
export function BookingReminders({ me }: { me: MeDto }) {
  const { t, lang } = useI18n();
  const [reminders, setReminders] = useState<BookingReminder[]>([]);
  useServerEvents((event) => {
    if (event.type !== 'booking.reminder') return;
    setReminders((list) => [...list.filter((r) => r.bookingId !== event.reminder.bookingId), event.reminder]);
  });
  if (!me.permissions.includes('booking:read') || reminders.length === 0) return null;
  return (
    <div className="page page-banner" aria-live="polite">
      {reminders.map((r) => (
        <div key={r.bookingId} className="banner banner-info" role="status" data-testid="booking-reminder">
          <span>
            {t('schedule.reminder', {
              time: formatParisTime(r.startsAt, LOCALES[lang]),
              site: r.siteName,
              specialist: r.specialistName,
            })}
          </span>
          <a className="btn btn-primary" href={hrefFor({ name: 'schedule', tab: 'calendar' })}>
            {t('schedule.reminder.open')}
          </a>
          <button type="button" className="btn btn-ghost" onClick={() => setReminders((l) => l.filter((x) => x.bookingId !== r.bookingId))}>
            {t('schedule.reminder.dismiss')}
          </button>
        </div>
      ))}
    </div>
  );
}
