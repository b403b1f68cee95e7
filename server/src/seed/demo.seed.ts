import { randomBytes } from 'node:crypto';
import type { Role } from '@telestroke/shared';
import { recordAudit } from '../audit/audit.service';
import { hashPassword } from '../auth/password';
import { insertUser } from '../auth/user.repository';
import type { Db } from '../db/Db';
import { insertAeTitle } from '../gateways/ae-title.repository';
import { countSites, insertSite } from '../sites/site.repository';

export interface DemoCredential {
  email: string;
  password: string;
  role: Role;
  site: string;
}

const DEMO_USERS: { email: string; name: string; role: Role; site: 'DIJON' | 'MACON' | 'NEVERS' }[] = [
  { email: 'urgences.macon@demo.invalid', name: 'Dr Démo Urgences Mâcon', role: 'ward_doctor', site: 'MACON' },
  { email: 'urgences.nevers@demo.invalid', name: 'Dr Démo Urgences Nevers', role: 'ward_doctor', site: 'NEVERS' },
  { email: 'neurologue@demo.invalid', name: 'Dr Démo Neurologue', role: 'neurologist', site: 'DIJON' },
  { email: 'radiologue@demo.invalid', name: 'Dr Démo Radiologue', role: 'radiologist', site: 'DIJON' },
  { email: 'planification@demo.invalid', name: 'Démo Planification', role: 'scheduler', site: 'DIJON' },
  { email: 'admin@demo.invalid', name: 'Démo Administrateur', role: 'admin', site: 'DIJON' },
];

/**
 * Seeds the demo network into an empty database, in one transaction, and returns the credentials so that
 * the caller prints them once. Everything is marked is_demo, and the e-mails use the reserved .invalid
 * domain, so demo data cannot be mistaken for real accounts. Returns null when the database is not empty.
 */
export async function seedDemo(db: Db, fixedPassword?: string): Promise<DemoCredential[] | null> {
  if ((await countSites(db)) > 0) return null;
  const passwords = DEMO_USERS.map(() => fixedPassword ?? randomBytes(12).toString('base64url'));
  const hashes = await Promise.all(passwords.map((p) => hashPassword(p)));
  return db.transaction(async (tx) => {
    const dijon = await insertSite(tx, { code: 'DIJON', name: 'CHU Dijon (démo)', kind: 'hub', hubId: null, isDemo: true });
    const sites = {
      DIJON: dijon,
      MACON: await insertSite(tx, { code: 'MACON', name: 'CH Mâcon (démo)', kind: 'remote', hubId: dijon, isDemo: true }),
      NEVERS: await insertSite(tx, { code: 'NEVERS', name: 'CH Nevers (démo)', kind: 'remote', hubId: dijon, isDemo: true }),
    };
    await insertAeTitle(tx, sites.MACON, 'MACON_CT');
    await insertAeTitle(tx, sites.NEVERS, 'NEVERS_CT');
    const credentials: DemoCredential[] = [];
    for (const [i, u] of DEMO_USERS.entries()) {
      await insertUser(tx, {
        email: u.email,
        name: u.name,
        role: u.role,
        passwordHash: hashes[i]!,
        siteIds: [sites[u.site]],
        isDemo: true,
      });
      credentials.push({ email: u.email, password: passwords[i]!, role: u.role, site: u.site });
    }
    await recordAudit(tx, { actorType: 'system', actorId: 'demo-seed', action: 'demo.seed' });
    return credentials;
  });
}

export function formatDemoCredentials(credentials: DemoCredential[]): string {
  const lines = credentials.map((c) => `  ${c.role.padEnd(12)} ${c.site.padEnd(7)} ${c.email.padEnd(32)} ${c.password}`);
  return [
    '',
    '  DEMO DATA — comptes de démonstration / demo accounts (shown once; set DEMO_SEED=false in production)',
    ...lines,
    '',
  ].join('\n');
}
