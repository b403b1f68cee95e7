import type { Role, SiteDto, UserDto } from '@telestroke/shared';
import type { Queryable } from '../db/Db';
import { siteAccessOf } from '../sites/site.repository';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_last_step: number | null;
  failed_logins: number;
  locked_until: Date | null;
  disabled_at: Date | null;
}

const USER_COLUMNS = `id, email, name, role, password_hash, totp_secret, totp_pending_secret, totp_last_step,
  failed_logins, locked_until, disabled_at`;

export async function findUserByEmail(q: Queryable, email: string): Promise<UserRow | null> {
  const { rows } = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email = $1`, [email]);
  return rows[0] ?? null;
}

export async function findUserById(q: Queryable, id: string): Promise<UserRow | null> {
  const { rows } = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export function userDto(user: UserRow, sites: SiteDto[]): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    sites,
    totpEnabled: user.totp_secret !== null,
  };
}

export async function insertUser(
  q: Queryable,
  user: { email: string; name: string; role: Role; passwordHash: string; siteIds: string[]; isDemo?: boolean },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    'INSERT INTO users (email, name, role, password_hash, is_demo) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [user.email, user.name, user.role, user.passwordHash, user.isDemo ?? false],
  );
  const id = rows[0]!.id;
  for (const siteId of user.siteIds) {
    await q.query('INSERT INTO user_sites (user_id, site_id) VALUES ($1, $2)', [id, siteId]);
  }
  return id;
}

/** Members of one site, with each member's own sites. */
export async function listUsersOfSite(q: Queryable, siteId: string): Promise<UserDto[]> {
  const { rows } = await q.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE disabled_at IS NULL
        AND id IN (SELECT user_id FROM user_sites WHERE site_id = $1) ORDER BY name`,
    [siteId],
  );
  return Promise.all(rows.map(async (u) => userDto(u, (await siteAccessOf(q, u.id, u.role)).own)));
}

export async function recordLoginFailure(
  q: Queryable,
  userId: string,
  maxFailures: number,
  lockMinutes: number,
): Promise<{ locked: boolean }> {
  const { rows } = await q.query<{ locked: boolean }>(
    `UPDATE users SET
        failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
        locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(mins => $3) ELSE locked_until END
      WHERE id = $1
      RETURNING locked_until IS NOT NULL AND locked_until > now() AS locked`,
    [userId, maxFailures, lockMinutes],
  );
  return { locked: rows[0]?.locked ?? false };
}

export async function recordLoginSuccess(q: Queryable, userId: string, totpStep: number | null): Promise<void> {
  await q.query(
    `UPDATE users SET failed_logins = 0, locked_until = NULL,
        totp_last_step = COALESCE($2, totp_last_step) WHERE id = $1`,
    [userId, totpStep],
  );
}

export async function setTotpPending(q: Queryable, userId: string, secret: string | null): Promise<void> {
  await q.query('UPDATE users SET totp_pending_secret = $2 WHERE id = $1', [userId, secret]);
}

export async function setTotpSecret(q: Queryable, userId: string, secret: string | null, step: number): Promise<void> {
  await q.query(
    'UPDATE users SET totp_secret = $2, totp_pending_secret = NULL, totp_last_step = $3 WHERE id = $1',
    [userId, secret, step],
  );
}
