import { roleHasPermission } from '@telestroke/shared';
import { canSeeSite, type UserPrincipal } from '../auth/access';
import type { Audience } from '../realtime/Notifier';

/**
 * Who may see and do what with a consult, beyond the role × site check of the routes (auth/access.ts):
 *
 * - **Seeing** a consult (list, read, its state changes pushed live): every user whose role holds `consult:read`
 *   and who sees the consult's remote site: that site's ward doctors, and the neurologists of its hub.
 * - **Participants** are the requesting ward doctor and the neurologist who accepted. Only they join the room, end
 *   the consult and read or write its chat; the other users who see the consult get 403 there.
 * - **Accepting** is for the neurologists of the consult's hub (on call: all of them until the rota exists).
 * - **Cancelling** is for the requester, while nobody has accepted.
 */
export interface ConsultParties {
  site_id: string;
  hub_id: string;
  requested_by: string;
  accepted_by: string | null;
}

export type ParticipantSide = 'requester' | 'accepter';

/** Which side of the consult the user is on, or null when they are not a participant. */
export function participantSide(consult: ConsultParties, userId: string): ParticipantSide | null {
  if (consult.requested_by === userId) return 'requester';
  if (consult.accepted_by !== null && consult.accepted_by === userId) return 'accepter';
  return null;
}

export function canSeeConsult(user: UserPrincipal, consult: Pick<ConsultParties, 'site_id'>): boolean {
  return roleHasPermission(user.role, 'consult:read') && canSeeSite(user, consult.site_id);
}

/** A neurologist who belongs to the hub itself (not merely one who sees its remote sites). */
export function isHubNeurologist(user: UserPrincipal, hubId: string): boolean {
  return user.role === 'neurologist' && user.sites.own.some((s) => s.id === hubId);
}

/**
 * Who is alerted of a new consult: the primaries of the hub's urgent-consult shift covering now, when the rota has
 * one; otherwise (no shift, or nobody of them a neurologist of the hub) every neurologist of the hub.
 */
export function onCallAudience(consult: ConsultParties, onCallIds: readonly string[] = []): Audience {
  const everyone: Audience = (user) => isHubNeurologist(user, consult.hub_id) && canSeeConsult(user, consult);
  if (onCallIds.length === 0) return everyone;
  return (user) => onCallIds.includes(user.id) && everyone(user);
}

/** Who sees a consult's state change. */
export function viewerAudience(consult: ConsultParties): Audience {
  return (user) => canSeeConsult(user, consult);
}

/** Who gets the consult's chat. */
export function participantAudience(consult: ConsultParties): Audience {
  return (user) => participantSide(consult, user.id) !== null && canSeeConsult(user, consult);
}
