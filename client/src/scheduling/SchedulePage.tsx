import type { BookingDto, MeDto, RotaGapDto, SpecialistDto } from '@telestroke/shared';
import { useState } from 'react';
import { errorMessageKey } from '../i18n/errors';
import { useI18n } from '../i18n/I18nProvider';
import { LOCALES } from '../i18n/messages';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { hrefFor, type ScheduleTab } from '../router';
import { Banner } from '../ui/Banner';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { useResource } from '../ui/useResource';
import { listBookings, listGaps, listSpecialists } from './api';
import { AvailabilityPanel } from './AvailabilityPanel';
import { BookingCard } from './BookingCard';
import { BookingForm } from './BookingForm';
import { FeedPanel } from './FeedPanel';
import { RotaPanel } from './RotaPanel';
import './scheduling.css';
import { calendarRange, formatParisDay, parisDateOf, shiftAnchor, todayInParis, type CalendarView } from './time';

const isSpecialist = (me: MeDto) => me.user.role === 'neurologist' || me.user.role === 'radiologist';

/** The tabs a role has: everyone the calendar and their feed; specialists and schedulers availability and rota. */
export function tabsFor(me: MeDto): ScheduleTab[] {
  const tabs: ScheduleTab[] = ['calendar'];
  if (me.permissions.includes('availability:manage')) tabs.push('availability');
  if (me.permissions.includes('rota:read')) tabs.push('rota');
  if (me.permissions.includes('ics:manage')) tabs.push('feed');
  return tabs;
}

/** Planned teleconsultations: calendar by day and week, availability, on-call rota and the calendar feed. */
export function SchedulePage({ me, tab }: { me: MeDto; tab: ScheduleTab }) {
  const { t } = useI18n();
  useDocumentTitle(t('schedule.title'));
  const tabs = tabsFor(me);
  const current = tabs.includes(tab) ? tab : 'calendar';
  const gaps = useResource<RotaGapDto[]>(
    (signal) => (me.user.role === 'scheduler' ? listGaps(signal) : Promise.resolve([])),
    [me.user.role],
  );

  return (
    <main className="page page-wide" id="main">
      <p className="breadcrumb">
        <a href="#/">← {t('common.backHome')}</a>
      </p>
      <h1>{t('schedule.title')}</h1>
      {gaps.status === 'ready' && gaps.data.length > 0 && (
        <Banner tone="warning" testId="rota-gaps-banner">
          <span>{t('schedule.gaps.banner', { count: gaps.data.length })}</span>
          {current !== 'rota' && (
            <a className="btn btn-secondary" href={hrefFor({ name: 'schedule', tab: 'rota' })}>
              {t('schedule.gaps.show')}
            </a>
          )}
        </Banner>
      )}
      {tabs.length > 1 && (
        <nav className="tabs" aria-label={t('schedule.title')}>
          {tabs.map((id) => (
            <a
              key={id}
              className={`tab${id === current ? ' tab-current' : ''}`}
              aria-current={id === current ? 'page' : undefined}
              href={hrefFor({ name: 'schedule', tab: id })}
              data-testid={`schedule-tab-${id}`}
            >
              {t(`schedule.tab.${id}`)}
            </a>
          ))}
        </nav>
      )}
      {current === 'calendar' && <CalendarPanel me={me} />}
      {current === 'availability' && <AvailabilityPanel me={me} />}
      {current === 'rota' && <RotaPanel me={me} gaps={gaps.status === 'ready' ? gaps.data : null} onChanged={gaps.reload} />}
      {current === 'feed' && <FeedPanel />}
    </main>
  );
}

function CalendarPanel({ me }: { me: MeDto }) {
  const { t, lang } = useI18n();
  const locale = LOCALES[lang];
  const scheduler = me.user.role === 'scheduler';
  const [view, setView] = useState<CalendarView>(() => (window.matchMedia?.('(max-width: 700px)').matches ? 'day' : 'week'));
  const [anchor, setAnchor] = useState(() => todayInParis());
  const [specialistId, setSpecialistId] = useState('');
  const [siteCode, setSiteCode] = useState('');
  const [booking, setBooking] = useState(false);
  const range = calendarRange(view, anchor);
  const specialists = useResource<SpecialistDto[]>((signal) => listSpecialists(signal), []);
  const bookings = useResource<BookingDto[]>(
    (signal) =>
      listBookings({ from: range.from, to: range.to, specialistId: specialistId || undefined, siteCode: siteCode || undefined }, signal),
    [range.from, range.to, specialistId, siteCode],
  );
  // A reminder means a booking is near: the list may have changed since it loaded.
  useServerEvents(
    (event) => {
      if (event.type === 'booking.reminder') bookings.reload();
    },
    () => bookings.reload(),
  );
  const remoteSites = me.user.role === 'ward_doctor' ? [] : me.visibleSiteCodes.filter((c) => me.user.sites.every((s) => s.code !== c));
  const byDay = new Map<string, BookingDto[]>(range.days.map((d) => [d, []]));
  if (bookings.status === 'ready') {
    for (const b of bookings.data) byDay.get(parisDateOf(b.startsAt))?.push(b);
  }
  const today = todayInParis();

  return (
    <section aria-labelledby="calendar-heading">
      <div className="cal-toolbar">
        <div className="actions">
          <button type="button" className="btn btn-secondary" onClick={() => setAnchor(shiftAnchor(view, anchor, -1))} data-testid="cal-prev">
            ← {t(view === 'week' ? 'schedule.prevWeek' : 'schedule.prevDay')}
          </button>
          <button type="button" className="btn btn-secondary" onClick={() => setAnchor(today)} data-testid="cal-today">
            {t('schedule.today')}
          </button>
          <button type="button" className="btn btn-secondary" onClick={() => setAnchor(shiftAnchor(view, anchor, 1))} data-testid="cal-next">
            {t(view === 'week' ? 'schedule.nextWeek' : 'schedule.nextDay')} →
          </button>
        </div>
        <div className="segmented" role="group" aria-label={t('schedule.view')}>
          {(['day', 'week'] as const).map((v) => (
            <button
              key={v}
              type="button"
              className={`btn ${v === view ? 'btn-primary' : 'btn-secondary'}`}
              aria-pressed={v === view}
              onClick={() => setView(v)}
              data-testid={`cal-view-${v}`}
            >
              {t(`schedule.view.${v}`)}
            </button>
          ))}
        </div>
      </div>
      <h2 id="calendar-heading" data-testid="cal-heading">
        {view === 'week'
          ? t('schedule.weekOf', { from: formatParisDay(range.days[0]!, locale), to: formatParisDay(range.days[6]!, locale) })
          : formatParisDay(anchor, locale)}
        <span className="muted cal-tz"> · {t('schedule.parisTime')}</span>
      </h2>
      <div className="cal-filters">
        {!isSpecialist(me) && (
          <div className="field">
            <label htmlFor="cal-specialist">{t('schedule.filter.specialist')}</label>
            <select id="cal-specialist" value={specialistId} onChange={(e) => setSpecialistId(e.target.value)} data-testid="cal-specialist">
              <option value="">{t('schedule.filter.all')}</option>
              {specialists.status === 'ready' &&
                specialists.data.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({t(`role.${s.role}`)})
                  </option>
                ))}
            </select>
          </div>
        )}
        {remoteSites.length > 1 && (
          <div className="field">
            <label htmlFor="cal-site">{t('schedule.filter.site')}</label>
            <select id="cal-site" value={siteCode} onChange={(e) => setSiteCode(e.target.value)} data-testid="cal-site">
              <option value="">{t('schedule.filter.all')}</option>
              {remoteSites.map((code) => (
                <option key={code} value={code}>
                  {code}
                </option>
              ))}
            </select>
          </div>
        )}
        {scheduler && !booking && (
          <button type="button" className="btn btn-primary cal-book" onClick={() => setBooking(true)} data-testid="booking-new">
            {t('schedule.book.button')}
          </button>
        )}
      </div>
      {booking && specialists.status === 'ready' && (
        <BookingForm
          specialists={specialists.data}
          siteCodes={remoteSites}
          defaultDate={anchor}
          defaultSpecialistId={specialistId}
          onCancel={() => setBooking(false)}
          onBooked={(b) => {
            setBooking(false);
            setAnchor(parisDateOf(b.startsAt));
            bookings.reload();
          }}
        />
      )}
      {bookings.status === 'error' && <Banner tone="error">{t(errorMessageKey(bookings.error))}</Banner>}
      {bookings.status === 'loading' && <p>{t('app.loading')}</p>}
      {bookings.status === 'ready' && (
        <div className={`cal cal-${view}`} data-testid="calendar" data-view={view}>
          {range.days.map((day) => {
            const list = byDay.get(day) ?? [];
            return (
              <section key={day} className={`cal-day${day === today ? ' cal-today' : ''}`} aria-label={formatParisDay(day, locale)} data-testid={`cal-day-${day}`}>
                {view === 'week' && <h3 className="cal-day-title">{formatParisDay(day, locale, 'short')}</h3>}
                {list.length === 0 ? (
                  <p className="muted cal-empty">{t('schedule.noBookings')}</p>
                ) : (
                  <ul className="cal-list">
                    {list.map((b) => (
                      <BookingCard key={b.id} booking={b} me={me} compact={view === 'week'} onChanged={bookings.reload} />
                    ))}
                  </ul>
                )}
              </section>
            );
          })}
        </div>
      )}
    </section>
  );
}
