import type { BookingRow } from './scheduling.repository';

/**
 * iCalendar (RFC 5545) rendering of a user's bookings. Times are written in UTC (`…Z`): every calendar client
 * places them right whatever its zone, across DST, with no VTIMEZONE to get wrong. The feed names the site and the
 * people, never the patient: calendars are synced to phones and shared far beyond the hospital.
 */

function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets, never inside a UTF-8 sequence. */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    const limit = out.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

function utc(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export interface IcsOptions {
  calendarName: string;
  now: Date;
  /** Host part of the events' UIDs. */
  uidDomain?: string;
}

export function renderIcs(bookings: BookingRow[], options: IcsOptions): string {
  const domain = options.uidDomain ?? 'telestroke.invalid';
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Telestroke//Scheduling//FR',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(options.calendarName)}`,
    'X-WR-TIMEZONE:Europe/Paris',
  ];
  for (const b of bookings) {
    const description = [
      `Spécialiste : ${b.specialist_name}`,
      b.requester_name ? `Demandeur : ${b.requester_name}` : null,
      b.status === 'no_show' ? 'Absence signalée (no-show)' : null,
      // The reasons are free text that may name the patient: they stay in the application.
      b.status === 'cancelled' ? 'Annulée' : null,
    ]
      .filter(Boolean)
      .join('\n');
    lines.push(
      'BEGIN:VEVENT',
      `UID:booking-${b.id}@${domain}`,
      `DTSTAMP:${utc(options.now)}`,
      `DTSTART:${utc(b.starts_at)}`,
      `DTEND:${utc(b.ends_at)}`,
      `SUMMARY:${escapeText(`Téléconsultation — ${b.site_name}`)}`,
      `LOCATION:${escapeText(b.site_name)}`,
      `DESCRIPTION:${escapeText(description)}`,
      `STATUS:${b.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED'}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}
