import type { MeDto } from '@telestroke/shared';

/**
 * The site the administration screen works on: the one in the address when the user may see it, else their
 * own first site, else the first visible one; null when they see none.
 */
export function resolveAdminSite(me: MeDto, requested: string | null): string | null {
  const visible = me.visibleSiteCodes;
  if (requested !== null && visible.includes(requested)) return requested;
  const own = me.user.sites.find((site) => visible.includes(site.code));
  return own?.code ?? visible[0] ?? null;
}
