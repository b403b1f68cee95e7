import type { MeDto, Role } from '@telestroke/shared';
import { canAdminister, hasPermission } from '../auth/permissions';

export type CapabilityId = 'consult' | 'worklist' | 'schedule' | 'metrics' | 'admin';

export interface Capability {
  id: CapabilityId;
  /** Where the tile leads; null while the screen is not built, so the tile says "coming soon". */
  href: string | null;
}

/** The clinical capabilities have no permission yet (their APIs do not exist): they follow the role. */
const CLINICAL: ReadonlyArray<{ id: CapabilityId; roles: readonly Role[] }> = [
  { id: 'consult', roles: ['ward_doctor', 'neurologist'] },
  // Ward doctors follow their own site's studies and read the reports sent back.
  { id: 'worklist', roles: ['ward_doctor', 'neurologist', 'radiologist'] },
  // Ward doctors see their site's planned teleconsultations and join them.
  { id: 'schedule', roles: ['ward_doctor', 'scheduler', 'neurologist', 'radiologist'] },
];

/** The screens that exist. */
const HREF: Partial<Record<CapabilityId, string>> = { consult: '#/consults', worklist: '#/worklist', schedule: '#/schedule' };

export function capabilitiesFor(me: MeDto): Capability[] {
  const capabilities: Capability[] = CLINICAL.filter((c) => c.roles.includes(me.user.role)).map((c) => ({
    id: c.id,
    href: HREF[c.id] ?? null,
  }));
  // The network's delays: no patient data, so the permission alone decides (hub staff, schedulers, admins).
  if (hasPermission(me, 'metrics:read')) capabilities.push({ id: 'metrics', href: '#/metrics' });
  if (canAdminister(me)) capabilities.push({ id: 'admin', href: '#/admin' });
  return capabilities;
}
