import { addDays, localToUtc, NETWORK_TIME_ZONE, startOfWeek, toLocal } from '@telestroke/shared';

/** What the calendar shows: one day, or the ISO week (Monday to Sunday) of a day; dates are Paris dates. */
export type CalendarView = 'day' | 'week';

export interface CalendarRange {
  /** The Paris dates shown, in order. */
  days: string[];
  /** The instants the API is asked for: from the first day's midnight to the midnight after the last (Paris). */
  from: string;
  to: string;
}

export function calendarRange(view: CalendarView, anchor: string): CalendarRange {
  const first = view === 'week' ? startOfWeek(anchor) : anchor;
  const days = Array.from({ length: view === 'week' ? 7 : 1 }, (_, i) => addDays(first, i));
  return {
    days,
    // Midnight exists on every Paris day (the changes happen at 02:00 and 03:00).
    from: localToUtc(first, '00:00').toISOString(),
    to: localToUtc(addDays(days[days.length - 1]!, 1), '00:00').toISOString(),
  };
}

/** The anchor `step` days or weeks away. */
export function shiftAnchor(view: CalendarView, anchor: string, step: number): string {
  return addDays(anchor, step * (view === 'week' ? 7 : 1));
}

/** Today's date in Paris. */
export function todayInParis(now: number = Date.now()): string {
  return toLocal(now).date;
}

/** The Paris date an instant falls on, for sorting bookings into day columns. */
export function parisDateOf(iso: string): string {
  return toLocal(iso).date;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();
/** HH:mm in Paris, whatever the device's own zone (a tablet set to UTC must not shift the agenda). */
export function formatParisTime(iso: string, locale: string): string {
  let f = timeFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: NETWORK_TIME_ZONE, hour: '2-digit', minute: '2-digit' });
    timeFormats.set(locale, f);
  }
  return f.format(new Date(iso));
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** "lundi 29 mars" for a Paris date. */
export function formatParisDay(date: string, locale: string, style: 'long' | 'short' = 'long'): string {
  const key = `${locale}/${style}`;
  let f = dayFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      timeZone: 'UTC',
      weekday: style,
      day: 'numeric',
      month: style === 'long' ? 'long' : 'short',
    });
    dayFormats.set(key, f);
  }
  // Noon UTC of the date: its calendar day is the same in every zone the formatter might use.
  return f.format(new Date(`${date}T12:00:00Z`));
}

/** Paris date and time of an instant, for the date and time inputs of the forms. */
export function parisInputs(iso: string): { date: string; time: string } {
  const l = toLocal(iso);
  return { date: l.date, time: l.time };
}

/** Whether the join button of a booking is enabled now: from joinOpensAt until its end. */
export function joinOpen(b: { status: string; joinOpensAt: string; endsAt: string }, now: number): boolean {
  return b.status === 'booked' && now >= Date.parse(b.joinOpensAt) && now < Date.parse(b.endsAt);
}
