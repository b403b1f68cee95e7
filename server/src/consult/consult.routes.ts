import {
  ConsultDtoSchema,
  ConsultMessageDtoSchema,
  ConsultStatusSchema,
  CreateConsultRequestSchema,
  EndConsultRequestSchema,
  JoinConsultDtoSchema,
  PostConsultMessageRequestSchema,
} from '@telestroke/shared';
import { z } from 'zod';
import type { Db } from '../db/Db';
import { defineRoute, type RouteSpec } from '../http/route';
import { siteOfRecord } from '../sites/site.repository';
import { findConsultSiteId } from './consult.repository';
import type { ConsultService } from './consult.service';
import { callerOf } from '../http/caller';

/** Clocks of the remote site's devices may run a little ahead of ours. */
const LAST_KNOWN_WELL_SKEW_MS = 2 * 60_000;
/** Older than this is a typing error (a wrong year or month), not an acute stroke. */
const LAST_KNOWN_WELL_MAX_AGE_DAYS = 30;

/** The shared request, with the checks that depend on the time of arrival. */
export const CreateConsultBodySchema = CreateConsultRequestSchema.superRefine((body, ctx) => {
  const at = Date.parse(body.lastKnownWellAt);
  if (at > Date.now() + LAST_KNOWN_WELL_SKEW_MS) {
    ctx.addIssue({ code: 'custom', path: ['lastKnownWellAt'], message: 'the last-known-well time is in the future' });
  } else if (at < Date.now() - LAST_KNOWN_WELL_MAX_AGE_DAYS * 86_400_000) {
    ctx.addIssue({
      code: 'custom',
      path: ['lastKnownWellAt'],
      message: `the last-known-well time is more than ${LAST_KNOWN_WELL_MAX_AGE_DAYS} days ago: check the date`,
    });
  }
});

export const ConsultParamsSchema = z.object({ id: z.uuid() }).strict();

export const ListConsultsQuerySchema = z
  .object({
    status: ConsultStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** The consult API under /api/consults. Every route but the list and the creation names the consult's site. */
export function consultRoutes(deps: { db: Db; consults: ConsultService }): RouteSpec<any, any, any>[] {
  const { db, consults } = deps;
  // A consult that does not exist and one of a site the caller does not see answer the same 404.
  const siteOfConsult = siteOfRecord(db, findConsultSiteId);
  const one = { params: ConsultParamsSchema, site: siteOfConsult, tag: 'consults' } as const;
  return [
    defineRoute({
      method: 'post',
      path: '/api/consults',
      summary:
        "Start an urgent stroke consult from one of the caller's remote sites (siteCode may be left out when there is " +
        "one); the hub's on-call neurologists are alerted",
      tag: 'consults',
      access: 'consult:request',
      body: CreateConsultBodySchema,
      status: 201,
      response: ConsultDtoSchema,
      errors: ['NOT_FOUND', 'UNPROCESSABLE'],
      handler: async (i) => consults.request(callerOf(i.principal, i.ip), i.body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/consults',
      summary: 'The consults the caller may see, newest first',
      tag: 'consults',
      access: 'consult:read',
      query: ListConsultsQuerySchema,
      response: z.array(ConsultDtoSchema),
      handler: async (i) => consults.list(callerOf(i.principal, i.ip), i.query),
    }),
    defineRoute({
      ...one,
      method: 'get',
      path: '/api/consults/:id',
      summary: 'One consult',
      access: 'consult:read',
      response: ConsultDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => consults.get(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/consults/:id/accept',
      summary: 'Take a requested consult; the first neurologist to accept wins, the others get CONSULT_TAKEN',
      access: 'consult:accept',
      response: ConsultDtoSchema,
      errors: ['NOT_FOUND', 'CONSULT_TAKEN', 'CONSULT_STATE'],
      handler: async (i) => consults.accept(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/consults/:id/join',
      summary: "A participant's way into the consult's video room: the SFU URL, a short-lived token and the ICE servers",
      access: 'consult:join',
      response: JoinConsultDtoSchema,
      errors: ['NOT_FOUND', 'CONSULT_STATE', 'UNAVAILABLE'],
      handler: async (i) => consults.join(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/consults/:id/end',
      summary: 'End an accepted consult with its outcome (a participant)',
      access: 'consult:end',
      body: EndConsultRequestSchema,
      response: ConsultDtoSchema,
      errors: ['NOT_FOUND', 'CONSULT_STATE'],
      handler: async (i) => consults.end(callerOf(i.principal, i.ip), i.params.id, i.body),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/consults/:id/cancel',
      summary: 'Withdraw a consult nobody has accepted yet (the requesting doctor)',
      access: 'consult:request',
      response: ConsultDtoSchema,
      errors: ['NOT_FOUND', 'CONSULT_STATE'],
      handler: async (i) => consults.cancel(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'get',
      path: '/api/consults/:id/messages',
      summary: "The consult's chat, oldest first (participants only; every read is audited)",
      access: 'consult:chat',
      response: z.array(ConsultMessageDtoSchema),
      errors: ['NOT_FOUND'],
      handler: async (i) => consults.messages(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/consults/:id/messages',
      summary: "Write in the consult's chat (participants only, until the consult ends); pushed as consult.message",
      access: 'consult:chat',
      body: PostConsultMessageRequestSchema,
      status: 201,
      response: ConsultMessageDtoSchema,
      errors: ['NOT_FOUND', 'CONSULT_STATE'],
      handler: async (i) => consults.postMessage(callerOf(i.principal, i.ip), i.params.id, i.body.text),
    }),
  ];
}
