import type { AeTitleDto } from '@telestroke/shared';
import type { Queryable } from '../db/Db';

interface AeRow {
  id: string;
  ae_title: string;
  site_code: string;
  site_id: string;
  created_at: Date;
}

const COLUMNS = 'a.id, a.ae_title, s.code AS site_code, a.site_id, a.created_at';

function toDto(r: AeRow): AeTitleDto {
  return { id: r.id, aeTitle: r.ae_title, siteCode: r.site_code, createdAt: r.created_at.toISOString() };
}

export async function insertAeTitle(q: Queryable, siteId: string, aeTitle: string): Promise<AeTitleDto> {
  const { rows } = await q.query<AeRow>(
    `WITH a AS (INSERT INTO ae_titles (site_id, ae_title) VALUES ($1, $2) RETURNING *)
     SELECT ${COLUMNS} FROM a JOIN sites s ON s.id = a.site_id`,
    [siteId, aeTitle],
  );
  return toDto(rows[0]!);
}

export async function listAeTitles(q: Queryable, siteId: string): Promise<AeTitleDto[]> {
  const { rows } = await q.query<AeRow>(
    `SELECT ${COLUMNS} FROM ae_titles a JOIN sites s ON s.id = a.site_id WHERE a.site_id = $1 ORDER BY a.ae_title`,
    [siteId],
  );
  return rows.map(toDto);
}

export async function findAeTitleById(q: Queryable, id: string): Promise<(AeTitleDto & { siteId: string }) | null> {
  const { rows } = await q.query<AeRow>(
    `SELECT ${COLUMNS} FROM ae_titles a JOIN sites s ON s.id = a.site_id WHERE a.id = $1`,
    [id],
  );
  return rows[0] ? { ...toDto(rows[0]), siteId: rows[0].site_id } : null;
}

/** The site a calling AE title belongs to: the C-STORE SCP accepts only registered callers. */
export async function findSiteIdByAeTitle(q: Queryable, aeTitle: string): Promise<string | null> {
  const { rows } = await q.query<{ site_id: string }>('SELECT site_id FROM ae_titles WHERE ae_title = $1', [aeTitle]);
  return rows[0]?.site_id ?? null;
}

export async function deleteAeTitle(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM ae_titles WHERE id = $1', [id]);
}
