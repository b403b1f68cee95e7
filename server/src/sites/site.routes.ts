import { AppError, SiteCodeSchema, SiteDtoSchema, UserDtoSchema } from '@telestroke/shared';
import { z } from 'zod';
import type { Db } from '../db/Db';
import { listUsersOfSite } from '../auth/user.repository';
import { defineRoute, type RouteSpec } from '../http/route';
import { findSiteByCode } from './site.repository';

export const SiteParamsSchema = z.object({ code: SiteCodeSchema }).strict();

export function siteRoutes(deps: { db: Db }): RouteSpec<any, any, any>[] {
  const { db } = deps;
  const siteOfParams = ({ params }: { params: { code: string } }) => findSiteByCode(db, params.code);
  return [
    defineRoute({
      method: 'get',
      path: '/api/sites',
      summary: 'The sites whose data the caller may see',
      tag: 'sites',
      access: 'sites:read',
      response: z.array(SiteDtoSchema),
      handler: async ({ principal }) => {
        if (principal?.kind !== 'user') throw new AppError('FORBIDDEN', 'Only people logged in can do this');
        return principal.sites.visible;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/sites/:code',
      summary: 'One visible site',
      tag: 'sites',
      access: 'sites:read',
      params: SiteParamsSchema,
      site: siteOfParams,
      response: SiteDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async ({ site }) => site,
    }),
    defineRoute({
      method: 'get',
      path: '/api/sites/:code/users',
      summary: 'The staff of one visible site',
      tag: 'sites',
      access: 'users:read',
      params: SiteParamsSchema,
      site: siteOfParams,
      response: z.array(UserDtoSchema),
      errors: ['NOT_FOUND'],
      handler: async ({ site }) => listUsersOfSite(db, site!.id),
    }),
  ];
}
