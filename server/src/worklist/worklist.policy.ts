import { roleHasPermission } from '@telestroke/shared';
import { canSeeSite, type UserPrincipal } from '../auth/access';
import type { Audience } from '../realtime/Notifier';

/**
 * Who may see and do what with a read request, beyond the role × site check of the routes (auth/access.ts):
 *
 * - **Seeing** a request and its signed report (list, open, PDF, pushed changes): every user whose role holds
 *   `worklist:read` and who sees the request's remote site: that site's ward doctors (read only), and the neurologists
 *   and radiologists of its hub.
 * - **Readers** are the neurologists and radiologists who belong to the request's hub itself. They claim, reassign,
 *   and add addenda to signed reports.
 * - **The claimer** alone releases the request, saves the draft and signs.
 */
export interface RequestScope {
  site_id: string;
  hub_id: string;
}

export function canSeeRequest(user: UserPrincipal, r: Pick<RequestScope, 'site_id'>): boolean {
  return roleHasPermission(user.role, 'worklist:read') && canSeeSite(user, r.site_id);
}

/** A neurologist or radiologist of the request's hub. */
export function isHubReader(user: UserPrincipal, r: RequestScope): boolean {
  return (
    (user.role === 'neurologist' || user.role === 'radiologist') &&
    user.sites.own.some((s) => s.id === r.hub_id) &&
    canSeeRequest(user, r)
  );
}

/** Everyone who sees the request. */
export function viewerAudience(r: RequestScope): Audience {
  return (user) => canSeeRequest(user, r);
}

/** Some users by id, among those who see the request. */
export function usersAudience(r: RequestScope, ids: Iterable<string>): Audience {
  const set = new Set(ids);
  return (user) => set.has(user.id) && canSeeRequest(user, r);
}
