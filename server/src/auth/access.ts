import {
  AppError,
  permissionsOf,
  roleHasPermission,
  type MeDto,
  type Permission,
  type Role,
  type SiteDto,
} from '@telestroke/shared';
import type { SiteAccess } from '../sites/site.repository';

/** A person logged in through the browser. */
export interface UserPrincipal {
  kind: 'user';
  id: string;
  email: string;
  name: string;
  role: Role;
  totpEnabled: boolean;
  sites: SiteAccess;
  /** The SHA-256 of the session cookie and of its CSRF token. */
  session: { idHash: string; csrfHash: string };
}

/** A site gateway calling with a bearer token: it acts for exactly one site. */
export interface TokenPrincipal {
  kind: 'token';
  tokenId: string;
  site: SiteDto;
}

export type Principal = UserPrincipal | TokenPrincipal;

/** What gateway tokens may do: send their site's studies and read them back. */
const TOKEN_PERMISSIONS: readonly Permission[] = ['dicom:store', 'dicom:read'];

/**
 * The one access check. A route names a permission and, when it touches one site's data, that site;
 * the role decides the permission and the principal's visible sites decide the scope. A site outside
 * the scope answers as if it did not exist, so that site codes cannot be probed.
 */
export function authorize(principal: Principal | undefined, permission: Permission, site?: SiteDto | null): void {
  if (!principal) throw new AppError('UNAUTHENTICATED', 'Authentication required');
  const allowed =
    principal.kind === 'user' ? roleHasPermission(principal.role, permission) : TOKEN_PERMISSIONS.includes(permission);
  if (!allowed) throw new AppError('FORBIDDEN', `Not allowed: ${permission}`);
  if (site === undefined) return;
  if (site === null || !canSeeSite(principal, site.id)) throw new AppError('NOT_FOUND', 'Site not found');
}

export function canSeeSite(principal: Principal, siteId: string): boolean {
  if (principal.kind === 'token') return principal.site.id === siteId;
  return principal.sites.visible.some((s) => s.id === siteId);
}

export function visibleSiteIds(principal: Principal): string[] {
  return principal.kind === 'token' ? [principal.site.id] : principal.sites.visible.map((s) => s.id);
}

export function meOf(p: UserPrincipal): MeDto {
  return {
    user: { id: p.id, email: p.email, name: p.name, role: p.role, sites: p.sites.own, totpEnabled: p.totpEnabled },
    visibleSiteCodes: p.sites.visible.map((s) => s.code),
    permissions: permissionsOf(p.role),
  };
}
