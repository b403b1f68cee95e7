import { permissionsOf, type MeDto, type Role } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import { resolveAdminSite } from '../admin/sites';
import { capabilitiesFor } from './capabilities';

function meAs(role: Role, over: Partial<MeDto> = {}): MeDto {
  const site = { id: '1', code: 'DIJON', name: 'CHU Dijon', kind: 'hub' as const, hubCode: null };
  return {
    user: { id: 'u', email: 'a@b.fr', name: 'A', role, sites: [site], totpEnabled: false },
    visibleSiteCodes: ['DIJON', 'MACON'],
    permissions: permissionsOf(role),
    ...over,
  };
}

const ids = (role: Role) => capabilitiesFor(meAs(role)).map((c) => c.id);

describe('capabilitiesFor()', () => {
  it('capabilitiesFor() gives each role its tiles', () => {
    expect(ids('ward_doctor')).toEqual(['consult', 'worklist', 'schedule']);
    expect(ids('neurologist')).toEqual(['consult', 'worklist', 'schedule', 'metrics']);
    expect(ids('radiologist')).toEqual(['worklist', 'schedule', 'metrics']);
    expect(ids('scheduler')).toEqual(['schedule', 'metrics']);
    expect(ids('admin')).toEqual(['metrics', 'admin']);
  });

  it('capabilitiesFor() shows the network metrics to hub staff, schedulers and admins, not to ward doctors', () => {
    const metrics = (role: Role) => capabilitiesFor(meAs(role)).find((c) => c.id === 'metrics');
    for (const role of ['neurologist', 'radiologist', 'scheduler', 'admin'] as const) {
      expect(metrics(role)).toEqual({ id: 'metrics', href: '#/metrics' });
    }
    expect(metrics('ward_doctor')).toBeUndefined();
  });

  it('capabilitiesFor() links the screens that exist: consults, worklist, schedule and administration', () => {
    const caps = capabilitiesFor(meAs('neurologist', { permissions: [...permissionsOf('neurologist'), 'audit:read'] }));
    expect(caps.filter((c) => c.href !== null)).toEqual([
      { id: 'consult', href: '#/consults' },
      { id: 'worklist', href: '#/worklist' },
      { id: 'schedule', href: '#/schedule' },
      { id: 'metrics', href: '#/metrics' },
      { id: 'admin', href: '#/admin' },
    ]);
  });

  it('capabilitiesFor() follows the permissions the server sent, not the role', () => {
    expect(capabilitiesFor(meAs('admin', { permissions: ['me:read'] })).map((c) => c.id)).toEqual([]);
  });
});

describe('resolveAdminSite()', () => {
  it('resolveAdminSite() keeps a visible requested site', () => {
    expect(resolveAdminSite(meAs('admin'), 'MACON')).toBe('MACON');
  });

  it('resolveAdminSite() replaces a missing or invisible site by the user’s own', () => {
    expect(resolveAdminSite(meAs('admin'), null)).toBe('DIJON');
    expect(resolveAdminSite(meAs('admin'), 'LYON')).toBe('DIJON');
  });

  it('resolveAdminSite() with no visible site is null', () => {
    expect(resolveAdminSite(meAs('admin', { visibleSiteCodes: [] }), null)).toBeNull();
  });
});
