import { SPECIALIST_ROLES, type Role } from '@telestroke/shared';
import { canSeeSite, type UserPrincipal } from '../auth/access';
import type { Audience } from '../realtime/Notifier';
import type { BookingRow, PersonRow } from './scheduling.repository';

/**
 * Who sees and does what with bookings, beyond the role × site check of the routes (auth/access.ts):
 *
 * - **Seeing** a booking: schedulers, every booking of their visible sites; ward doctors, their site's bookings;
 *   specialists, the bookings where they are the specialist. Anyone else gets the same 404 as for a missing one.
 * - **Participants**, who join the room: the specialist, and the requesting ward doctor (any ward doctor of the
 *   site when the booking names none).
 * - **Availability**: a specialist manages their own; a scheduler anyone's of a hub they see.
 */
export function isSpecialistRole(role: Role): boolean {
  return (SPECIALIST_ROLES as readonly Role[]).includes(role);
}

/** A specialist of a hub the user sees, or (remote staff) of the hub of one of their sites. */
export function isSpecialistInScope(user: UserPrincipal, person: PersonRow): boolean {
  if (!isSpecialistRole(person.role)) return false;
  const hubs = new Set(user.sites.visible.map((s) => (s.kind === 'hub' ? s.code : s.hubCode)));
  return person.hub_codes.some((code) => hubs.has(code));
}

type BookingParties = Pick<BookingRow, 'site_id' | 'specialist_id' | 'requester_id'>;

export function canSeeBooking(user: UserPrincipal, b: BookingParties): boolean {
  if (!canSeeSite(user, b.site_id)) return false;
  if (user.role === 'scheduler' || user.role === 'ward_doctor') return true;
  return b.specialist_id === user.id;
}

export function isBookingParticipant(user: UserPrincipal, b: BookingParties): boolean {
  if (b.specialist_id === user.id) return true;
  if (user.role !== 'ward_doctor' || !user.sites.own.some((s) => s.id === b.site_id)) return false;
  return b.requester_id === null || b.requester_id === user.id;
}

/** Who receives a booking's reminder: its participants. */
export function participantAudience(b: BookingParties): Audience {
  return (user) => isBookingParticipant(user, b);
}
