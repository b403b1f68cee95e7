import { AuditEntryDtoSchema, AuditQuerySchema, type AuditEntryDto } from '@telestroke/shared';
import { z } from 'zod';
import { visibleSiteIds } from '../auth/access';
import type { Db } from '../db/Db';
import { defineRoute, type RouteSpec } from '../http/route';
import { findSiteByCode } from '../sites/site.repository';

interface Row {
  seq: number;
  at: Date;
  actor_type: AuditEntryDto['actorType'];
  actor_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  site_code: string | null;
  ip: string | null;
}

export function auditRoutes(deps: { db: Db }): RouteSpec<any, any, any>[] {
  const { db } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/audit',
      summary: 'Recent audit entries of the sites the caller administers, newest first',
      tag: 'audit',
      access: 'audit:read',
      query: AuditQuerySchema,
      // Without a site filter the answer is limited to the visible sites below; with one it must be visible.
      site: async ({ query }) => (query.siteCode ? findSiteByCode(db, query.siteCode) : undefined),
      response: z.array(AuditEntryDtoSchema),
      errors: ['NOT_FOUND'],
      handler: async ({ principal, site, query }) => {
        const siteIds = site ? [site.id] : visibleSiteIds(principal!);
        const { rows } = await db.query<Row>(
          `SELECT a.seq, a.at, a.actor_type, a.actor_id, a.action, a.resource_type, a.resource_id,
                  s.code AS site_code, a.ip
             FROM audit_log a LEFT JOIN sites s ON s.id = a.site_id
            WHERE a.site_id = ANY($1::uuid[])
            ORDER BY a.seq DESC LIMIT $2`,
          [siteIds, query.limit],
        );
        return rows.map(
          (r): AuditEntryDto => ({
            seq: r.seq,
            at: r.at.toISOString(),
            actorType: r.actor_type,
            actorId: r.actor_id,
            action: r.action,
            resourceType: r.resource_type,
            resourceId: r.resource_id,
            siteCode: r.site_code,
            ip: r.ip,
          }),
        );
      },
    }),
  ];
}
