import type {
  AvailabilityDto,
  AvailabilityExceptionDto,
  AvailabilitySlotDto,
  BookingDto,
  CreateAvailabilityExceptionRequest,
  CreateAvailabilitySlotRequest,
  CreateBookingRequest,
  CreateRotaShiftRequest,
  IcsFeedDto,
  JoinConsultDto,
  RotaGapDto,
  RotaShiftDto,
  SpecialistDto,
  UserDto,
} from '@telestroke/shared';
import { http, request } from '../api/http';

const q = (params: Record<string, string | undefined>) => {
  const s = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  return s ? `?${s}` : '';
};
const booking = (id: string) => `/api/bookings/${encodeURIComponent(id)}`;

export function listSpecialists(signal?: AbortSignal): Promise<SpecialistDto[]> {
  return http.get('/api/specialists', { signal });
}

/** The staff of a site (schedulers only), to pick the requesting ward doctor. */
export function listSiteUsers(siteCode: string, signal?: AbortSignal): Promise<UserDto[]> {
  return http.get(`/api/sites/${encodeURIComponent(siteCode)}/users`, { signal });
}

export function listBookings(
  range: { from: string; to: string; specialistId?: string | undefined; siteCode?: string | undefined },
  signal?: AbortSignal,
): Promise<BookingDto[]> {
  return http.get(`/api/bookings${q(range)}`, { signal });
}

export function getBooking(id: string, signal?: AbortSignal): Promise<BookingDto> {
  return http.get(booking(id), { signal });
}

export function createBooking(body: CreateBookingRequest): Promise<BookingDto> {
  return http.post('/api/bookings', body);
}

export function rescheduleBooking(id: string, startsAt: string, durationMinutes?: number): Promise<BookingDto> {
  return request(booking(id), { method: 'PATCH', body: durationMinutes ? { startsAt, durationMinutes } : { startsAt } });
}

export function cancelBooking(id: string, reason: string): Promise<BookingDto> {
  return request(booking(id), { method: 'DELETE', body: { reason } });
}

export function markNoShow(id: string): Promise<BookingDto> {
  return http.post(`${booking(id)}/no-show`);
}

export function joinBooking(id: string): Promise<JoinConsultDto> {
  return http.post(`${booking(id)}/join`);
}

export function getAvailability(specialistId: string, signal?: AbortSignal): Promise<AvailabilityDto> {
  return http.get(`/api/specialists/${encodeURIComponent(specialistId)}/availability`, { signal });
}

export function addSlot(body: CreateAvailabilitySlotRequest): Promise<AvailabilitySlotDto> {
  return http.post('/api/availability/slots', body);
}

export function removeSlot(id: string): Promise<void> {
  return http.delete(`/api/availability/slots/${encodeURIComponent(id)}`);
}

export function addException(body: CreateAvailabilityExceptionRequest): Promise<AvailabilityExceptionDto> {
  return http.post('/api/availability/exceptions', body);
}

export function removeException(id: string): Promise<void> {
  return http.delete(`/api/availability/exceptions/${encodeURIComponent(id)}`);
}

export function listShifts(hubCode: string | undefined, signal?: AbortSignal): Promise<RotaShiftDto[]> {
  return http.get(`/api/rota${q({ hubCode })}`, { signal });
}

export function listGaps(signal?: AbortSignal): Promise<RotaGapDto[]> {
  return http.get('/api/rota/gaps', { signal });
}

export function addShift(body: CreateRotaShiftRequest): Promise<RotaShiftDto> {
  return http.post('/api/rota/shifts', body);
}

export function removeShift(id: string): Promise<void> {
  return http.delete(`/api/rota/shifts/${encodeURIComponent(id)}`);
}

export function getFeed(signal?: AbortSignal): Promise<IcsFeedDto> {
  return http.get('/api/ics', { signal });
}

export function createFeed(): Promise<IcsFeedDto> {
  return http.post('/api/ics');
}

export function revokeFeed(): Promise<void> {
  return http.delete('/api/ics');
}
