import type { Role, SiteDto, SiteKind } from '@telestroke/shared';
import type { Queryable } from '../db/Db';

interface SiteRow {
  id: string;
  code: string;
  name: string;
  kind: SiteKind;
  hub_code: string | null;
}

const SITE_COLUMNS = 's.id, s.code, s.name, s.kind, h.code AS hub_code';

function toDto(r: SiteRow): SiteDto {
  return { id: r.id, code: r.code, name: r.name, kind: r.kind, hubCode: r.hub_code };
}

/** Hub staff in these roles see the data of every remote site attached to their hub. */
const HUB_WIDE_ROLES: readonly Role[] = ['neurologist', 'radiologist', 'scheduler', 'admin'];

export interface SiteAccess {
  /** The sites the user belongs to. */
  own: SiteDto[];
  /** Own sites plus, for hub staff, the remote sites of their hubs. */
  visible: SiteDto[];
}

export async function siteAccessOf(q: Queryable, userId: string, role: Role): Promise<SiteAccess> {
  const { rows } = await q.query<SiteRow & { member: boolean }>(
    `SELECT ${SITE_COLUMNS}, (us.user_id IS NOT NULL) AS member
       FROM sites s
       LEFT JOIN sites h ON h.id = s.hub_id
       LEFT JOIN user_sites us ON us.site_id = s.id AND us.user_id = $1
      WHERE us.user_id IS NOT NULL
         OR ($2::boolean AND s.hub_id IN (SELECT site_id FROM user_sites WHERE user_id = $1))
      ORDER BY s.kind, s.code`,
    [userId, HUB_WIDE_ROLES.includes(role)],
  );
  return { own: rows.filter((r) => r.member).map(toDto), visible: rows.map(toDto) };
}

export async function findSiteByCode(q: Queryable, code: string): Promise<SiteDto | null> {
  const { rows } = await q.query<SiteRow>(
    `SELECT ${SITE_COLUMNS} FROM sites s LEFT JOIN sites h ON h.id = s.hub_id WHERE s.code = $1`,
    [code],
  );
  return rows[0] ? toDto(rows[0]) : null;
}

export async function findSiteById(q: Queryable, id: string): Promise<SiteDto | null> {
  const { rows } = await q.query<SiteRow>(
    `SELECT ${SITE_COLUMNS} FROM sites s LEFT JOIN sites h ON h.id = s.hub_id WHERE s.id = $1`,
    [id],
  );
  return rows[0] ? toDto(rows[0]) : null;
}

export async function listSites(q: Queryable): Promise<SiteDto[]> {
  const { rows } = await q.query<SiteRow>(
    `SELECT ${SITE_COLUMNS} FROM sites s LEFT JOIN sites h ON h.id = s.hub_id ORDER BY s.kind, s.code`,
  );
  return rows.map(toDto);
}

export async function insertSite(
  q: Queryable,
  site: { code: string; name: string; kind: SiteKind; hubId: string | null; isDemo?: boolean },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    'INSERT INTO sites (code, name, kind, hub_id, is_demo) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [site.code, site.name, site.kind, site.hubId, site.isDemo ?? false],
  );
  return rows[0]!.id;
}

export async function countSites(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM sites');
  return rows[0]!.n;
}

/**
 * A route's `site` resolver for a record named by a path parameter: the site of the record, or null (404) when the
 * record does not exist, the same answer as for a site out of the caller's scope.
 */
export function siteOfRecord<K extends string = 'id'>(
  q: Queryable,
  findSiteId: (q: Queryable, id: string) => Promise<string | null>,
  param: K = 'id' as K,
): (input: { params: Record<K, string> }) => Promise<SiteDto | null> {
  return async ({ params }) => {
    const siteId = await findSiteId(q, params[param]);
    return siteId ? findSiteById(q, siteId) : null;
  };
}
