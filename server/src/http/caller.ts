import { AppError } from '@telestroke/shared';
import type { Principal, UserPrincipal } from '../auth/access';

/** Who is asking, and from where: what a capability's service needs of a request. */
export interface Caller {
  user: UserPrincipal;
  ip: string | null;
}

/**
 * The caller of a route that only people may use. Those routes' permissions are never granted to gateway tokens;
 * this guards the types, not the policy.
 */
export function callerOf(principal: Principal | undefined, ip: string | null): Caller {
  if (principal?.kind !== 'user') throw new AppError('FORBIDDEN', 'Only people logged in can do this');
  return { user: principal, ip };
}
