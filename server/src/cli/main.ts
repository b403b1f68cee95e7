import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { AeTitleSchema, EmailSchema, isAppError, RoleSchema, SiteCodeSchema, SiteKindSchema } from '@telestroke/shared';
import { z } from 'zod';
import { recordAudit, verifyAuditChain } from '../audit/audit.service';
import { hashPassword } from '../auth/password';
import { insertUser } from '../auth/user.repository';
import { loadConfig } from '../config';
import { PG_UNIQUE_VIOLATION, pgErrorCode, type Db } from '../db/Db';
import { migrate } from '../db/migrate';
import { openDb } from '../db/open';
import { addAeTitle, createApiToken, type Actor } from '../gateways/gateway.service';
import { findSiteByCode, insertSite, listSites } from '../sites/site.repository';

const CLI_ACTOR: Actor = { type: 'system', id: 'cli', ip: null };

const USAGE = `Usage: npm run cli -- <command> [options]

  site:add     --code MACON --name "CH Mâcon" --kind remote|hub [--hub DIJON]
  user:add     --email E --name N --role ROLE --site CODE [--site CODE…] [--password P]
  token:create --site CODE --name NAME           prints the token once
  ae:add       --site CODE --aet AETITLE
  audit:verify                                    exits 1 when the audit chain is broken

Roles: ${RoleSchema.options.join(', ')}.
The database is DATABASE_URL when set, else the embedded one under DATA_DIR (stop npm start first).`;

class UsageError extends Error {}

function need<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(`--${flag}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}

async function siteOrFail(db: Db, code: string) {
  const site = await findSiteByCode(db, need(SiteCodeSchema, code, 'site'));
  if (!site) throw new UsageError(`no site ${code}`);
  return site;
}

type Values = Record<string, string | string[] | boolean | undefined>;

const COMMANDS: Record<string, (db: Db, v: Values) => Promise<number>> = {
  'site:add': async (db, v) => {
    const kind = need(SiteKindSchema, v.kind, 'kind');
    let hubId: string | null = null;
    if (kind === 'remote') {
      const hubs = (await listSites(db)).filter((s) => s.kind === 'hub');
      const hubCode = typeof v.hub === 'string' ? v.hub : hubs.length === 1 ? hubs[0]!.code : undefined;
      if (!hubCode) throw new UsageError('--hub: name the hub this remote site refers to');
      const hub = await siteOrFail(db, hubCode);
      if (hub.kind !== 'hub') throw new UsageError(`--hub: ${hubCode} is not a hub`);
      hubId = hub.id;
    }
    const code = need(SiteCodeSchema, v.code, 'code');
    const name = need(z.string().trim().min(1).max(200), v.name, 'name');
    await db.transaction(async (tx) => {
      const id = await insertSite(tx, { code, name, kind, hubId });
      await recordAudit(tx, { actorType: 'system', actorId: 'cli', action: 'site.add', resourceType: 'site', resourceId: id, siteId: id });
    });
    console.log(`site ${code} added`);
    return 0;
  },
  'user:add': async (db, v) => {
    const email = need(EmailSchema, v.email, 'email');
    const role = need(RoleSchema, v.role, 'role');
    const name = need(z.string().trim().min(1).max(200), v.name, 'name');
    const codes = need(z.array(z.string()).min(1), v.site, 'site');
    const sites = await Promise.all(codes.map((c) => siteOrFail(db, c)));
    const generated = typeof v.password !== 'string';
    const password = generated ? randomBytes(12).toString('base64url') : (v.password as string);
    need(z.string().min(12, 'at least 12 characters'), password, 'password');
    const passwordHash = await hashPassword(password);
    await db.transaction(async (tx) => {
      const id = await insertUser(tx, { email, name, role, passwordHash, siteIds: sites.map((s) => s.id) });
      await recordAudit(tx, { actorType: 'system', actorId: 'cli', action: 'user.add', resourceType: 'user', resourceId: id, siteId: sites[0]!.id });
    });
    console.log(`user ${email} added as ${role} at ${codes.join(', ')}`);
    if (generated) console.log(`password (shown once): ${password}`);
    return 0;
  },
  'token:create': async (db, v) => {
    const site = await siteOrFail(db, String(v.site ?? ''));
    const name = need(z.string().trim().min(1).max(100), v.name, 'name');
    const created = await createApiToken(db, CLI_ACTOR, site, name);
    console.log(`token for ${site.code} (${name}), shown once:\n${created.token}`);
    return 0;
  },
  'ae:add': async (db, v) => {
    const site = await siteOrFail(db, String(v.site ?? ''));
    const aet = need(AeTitleSchema, v.aet, 'aet');
    await addAeTitle(db, CLI_ACTOR, site, aet);
    console.log(`AE title ${aet} registered for ${site.code}`);
    return 0;
  },
  'audit:verify': async (db) => {
    const r = await verifyAuditChain(db);
    if (r.ok) {
      console.log(`audit chain intact: ${r.entries} entries`);
      return 0;
    }
    console.error(`AUDIT CHAIN BROKEN at entry ${r.firstBadSeq}: ${r.reason} (${r.entries} entries verified before it)`);
    return 1;
  },
};

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const run = command ? COMMANDS[command] : undefined;
  if (!run) {
    console.error(USAGE);
    return 2;
  }
  let values: Values;
  try {
    values = parseArgs({
      args: rest,
      strict: true,
      options: {
        code: { type: 'string' },
        name: { type: 'string' },
        kind: { type: 'string' },
        hub: { type: 'string' },
        email: { type: 'string' },
        role: { type: 'string' },
        site: { type: 'string', multiple: command === 'user:add' },
        password: { type: 'string' },
        aet: { type: 'string' },
      },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const db = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    await migrate(db);
    return await run(db, values);
  } catch (err) {
    if (err instanceof UsageError || isAppError(err)) {
      console.error(err.message);
      return 2;
    }
    if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) {
      console.error('already exists');
      return 2;
    }
    throw err;
  } finally {
    await db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2));
}
