import type { MeDto, Permission } from '@telestroke/shared';

/** Any one of these opens the administration screen, which then shows only the panels the user may use. */
export const ADMIN_PERMISSIONS: readonly Permission[] = ['tokens:manage', 'ae-titles:manage', 'audit:read'];

/** The server's answer in MeDto is the authority: it maps roles to permissions with shared's table. */
export function hasPermission(me: MeDto, permission: Permission): boolean {
  return me.permissions.includes(permission);
}

export function canAdminister(me: MeDto): boolean {
  return ADMIN_PERMISSIONS.some((permission) => hasPermission(me, permission));
}
