import type { Queryable } from '../db/Db';

export interface SessionRow {
  id: string;
  user_id: string;
  csrf_hash: string;
  last_seen_at: Date;
}

export async function insertSession(
  q: Queryable,
  s: { idHash: string; userId: string; csrfHash: string; ip: string | null },
): Promise<void> {
  await q.query('INSERT INTO sessions (id, user_id, csrf_hash, ip) VALUES ($1, $2, $3, $4)', [
    s.idHash,
    s.userId,
    s.csrfHash,
    s.ip,
  ]);
}

/** A live session: not ended, seen within the idle timeout, of a user who is not disabled. */
export async function findLiveSession(q: Queryable, idHash: string, idleMinutes: number): Promise<SessionRow | null> {
  const { rows } = await q.query<SessionRow>(
    `SELECT s.id, s.user_id, s.csrf_hash, s.last_seen_at
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = $1 AND s.ended_at IS NULL AND u.disabled_at IS NULL
        AND s.last_seen_at > now() - make_interval(mins => $2)`,
    [idHash, idleMinutes],
  );
  return rows[0] ?? null;
}

export async function touchSession(q: Queryable, idHash: string): Promise<void> {
  await q.query('UPDATE sessions SET last_seen_at = now() WHERE id = $1', [idHash]);
}

export async function endSession(q: Queryable, idHash: string): Promise<void> {
  await q.query('UPDATE sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL', [idHash]);
}
