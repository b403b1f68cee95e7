import { addDays, localToUtc, toLocal, type BookingDto, type CreateBookingRequest, type SpecialistDto } from '@telestroke/shared';
import type { ApiClient, TestServer } from '../testing';

/** Test helpers of the scheduling tests. */

/** The id of a demo user, looked up by role among the scheduler's specialists or the site's users. */
export async function specialistId(scheduler: ApiClient, role: 'neurologist' | 'radiologist'): Promise<string> {
  const res = await scheduler.get<SpecialistDto[]>('/api/specialists');
  const found = res.body.find((s) => s.role === role);
  if (!found) throw new Error(`no ${role} among ${JSON.stringify(res.body)}`);
  return found.id;
}

export async function siteUserId(scheduler: ApiClient, siteCode: string, email: string): Promise<string> {
  const res = await scheduler.get<{ id: string; email: string }[]>(`/api/sites/${siteCode}/users`);
  const found = res.body.find((u) => u.email === email);
  if (!found) throw new Error(`no ${email} at ${siteCode}: ${res.status} ${JSON.stringify(res.body)}`);
  return found.id;
}

/** Weekly slots every day, all day: any future time is within availability. */
export async function openAllWeek(scheduler: ApiClient, specialist: string): Promise<void> {
  for (let weekday = 1; weekday <= 7; weekday++) {
    const res = await scheduler.post('/api/availability/slots', { specialistId: specialist, weekday, start: '00:00', end: '24:00' });
    if (res.status !== 201) throw new Error(`slot answered ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** The Paris date of the first `weekday` (1 = Monday) at least `minDays` days from now. */
export function nextWeekday(weekday: number, minDays = 2, now = new Date()): string {
  let date = addDays(toLocal(now).date, minDays);
  while (toLocal(localToUtc(date, '12:00')).weekday !== weekday) date = addDays(date, 1);
  return date;
}

export function bookingRequest(overrides: Partial<CreateBookingRequest> & Pick<CreateBookingRequest, 'specialistId' | 'startsAt'>): CreateBookingRequest {
  return {
    siteCode: 'MACON',
    durationMinutes: 30,
    patientRef: 'IPP-SUIVI-42',
    reason: 'Suivi à 3 mois post-thrombolyse',
    ...overrides,
  };
}

export async function book(scheduler: ApiClient, request: CreateBookingRequest): Promise<BookingDto> {
  const res = await scheduler.post<BookingDto>('/api/bookings', request);
  if (res.status !== 201) throw new Error(`POST /api/bookings answered ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export type { TestServer };
