import {
  AeTitleDtoSchema,
  ApiTokenDtoSchema,
  CreateAeTitleRequestSchema,
  CreatedApiTokenDtoSchema,
  CreateTokenRequestSchema,
} from '@telestroke/shared';
import { z } from 'zod';
import type { Principal } from '../auth/access';
import type { Db } from '../db/Db';
import { defineRoute, type HandlerInput, type RouteSpec } from '../http/route';
import { findSiteByCode } from '../sites/site.repository';
import { SiteParamsSchema } from '../sites/site.routes';
import { findAeTitleById, listAeTitles } from './ae-title.repository';
import { addAeTitle, createApiToken, removeAeTitle, revokeApiToken, type Actor } from './gateway.service';
import { findTokenById, listTokens } from './token.repository';

const IdParamsSchema = z.object({ id: z.uuid() }).strict();

function actorOf(principal: Principal | undefined, ip: string | null): Actor {
  if (principal?.kind === 'user') return { type: 'user', id: principal.id, ip };
  return { type: 'token', id: principal?.tokenId ?? null, ip };
}

export function gatewayRoutes(deps: { db: Db }): RouteSpec<any, any, any>[] {
  const { db } = deps;
  const siteOfParams = ({ params }: { params: { code: string } }) => findSiteByCode(db, params.code);
  const actor = (i: Pick<HandlerInput<unknown, unknown, unknown>, 'principal' | 'ip'>) => actorOf(i.principal, i.ip);
  return [
    defineRoute({
      method: 'get',
      path: '/api/sites/:code/tokens',
      summary: "The site's gateway API tokens (never their values)",
      tag: 'gateways',
      access: 'tokens:manage',
      params: SiteParamsSchema,
      site: siteOfParams,
      response: z.array(ApiTokenDtoSchema),
      errors: ['NOT_FOUND'],
      handler: async ({ site }) => listTokens(db, site!.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/sites/:code/tokens',
      summary: 'Create a gateway API token for the site; its value is shown in this answer only',
      tag: 'gateways',
      access: 'tokens:manage',
      params: SiteParamsSchema,
      site: siteOfParams,
      body: CreateTokenRequestSchema,
      status: 201,
      response: CreatedApiTokenDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => createApiToken(db, actor(i), i.site!, i.body.name),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/tokens/:id',
      summary: 'Revoke a gateway API token',
      tag: 'gateways',
      access: 'tokens:manage',
      params: IdParamsSchema,
      site: async ({ params }) => {
        const token = await findTokenById(db, params.id);
        return token ? findSiteByCode(db, token.site_code) : null;
      },
      errors: ['NOT_FOUND'],
      handler: async (i) => revokeApiToken(db, actor(i), { id: i.params.id, siteId: i.site!.id }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/sites/:code/ae-titles',
      summary: "The site's registered DICOM AE titles",
      tag: 'gateways',
      access: 'ae-titles:manage',
      params: SiteParamsSchema,
      site: siteOfParams,
      response: z.array(AeTitleDtoSchema),
      errors: ['NOT_FOUND'],
      handler: async ({ site }) => listAeTitles(db, site!.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/sites/:code/ae-titles',
      summary: 'Register a DICOM AE title for the site; the C-STORE SCP accepts only registered callers',
      tag: 'gateways',
      access: 'ae-titles:manage',
      params: SiteParamsSchema,
      site: siteOfParams,
      body: CreateAeTitleRequestSchema,
      status: 201,
      response: AeTitleDtoSchema,
      errors: ['NOT_FOUND', 'ALREADY_EXISTS'],
      handler: async (i) => addAeTitle(db, actor(i), i.site!, i.body.aeTitle),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/ae-titles/:id',
      summary: 'Remove a registered DICOM AE title',
      tag: 'gateways',
      access: 'ae-titles:manage',
      params: IdParamsSchema,
      site: async ({ params }) => {
        const ae = await findAeTitleById(db, params.id);
        return ae ? findSiteByCode(db, ae.siteCode) : null;
      },
      errors: ['NOT_FOUND'],
      handler: async (i) => removeAeTitle(db, actor(i), { id: i.params.id, siteId: i.site!.id }),
    }),
  ];
}
