import type { ApiTokenDto } from '@telestroke/shared';
import type { Queryable } from '../db/Db';

interface TokenRow {
  id: string;
  name: string;
  site_code: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = `t.id, t.name, s.code AS site_code, t.created_at, t.last_used_at, t.revoked_at`;

export function tokenDto(r: TokenRow): ApiTokenDto {
  return {
    id: r.id,
    name: r.name,
    siteCode: r.site_code,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  };
}

export async function insertToken(
  q: Queryable,
  t: { siteId: string; name: string; tokenHash: string; createdBy: string | null },
): Promise<TokenRow> {
  const { rows } = await q.query<TokenRow>(
    `WITH t AS (INSERT INTO api_tokens (site_id, name, token_hash, created_by) VALUES ($1, $2, $3, $4) RETURNING *)
     SELECT ${COLUMNS} FROM t JOIN sites s ON s.id = t.site_id`,
    [t.siteId, t.name, t.tokenHash, t.createdBy],
  );
  return rows[0]!;
}

/** An unrevoked token by the hash of its value. */
export async function findTokenByHash(q: Queryable, tokenHash: string): Promise<TokenRow | null> {
  const { rows } = await q.query<TokenRow>(
    `SELECT ${COLUMNS} FROM api_tokens t JOIN sites s ON s.id = t.site_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
    [tokenHash],
  );
  return rows[0] ?? null;
}

export async function findTokenById(q: Queryable, id: string): Promise<(TokenRow & { site_id: string }) | null> {
  const { rows } = await q.query<TokenRow & { site_id: string }>(
    `SELECT ${COLUMNS}, t.site_id FROM api_tokens t JOIN sites s ON s.id = t.site_id WHERE t.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export async function listTokens(q: Queryable, siteId: string): Promise<ApiTokenDto[]> {
  const { rows } = await q.query<TokenRow>(
    `SELECT ${COLUMNS} FROM api_tokens t JOIN sites s ON s.id = t.site_id WHERE t.site_id = $1 ORDER BY t.created_at`,
    [siteId],
  );
  return rows.map(tokenDto);
}

export async function revokeToken(q: Queryable, id: string): Promise<void> {
  await q.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
}

export async function touchToken(q: Queryable, id: string): Promise<void> {
  // At most one write a minute per token, whatever the request rate of the gateway.
  await q.query(
    `UPDATE api_tokens SET last_used_at = now()
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
  );
}
