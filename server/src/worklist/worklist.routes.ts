import {
  AddAddendumRequestSchema,
  ReaderDtoSchema,
  ReadRequestDetailDtoSchema,
  ReadRequestDtoSchema,
  ReassignReadRequestSchema,
  ReportDraftDtoSchema,
  SaveReportDraftRequestSchema,
  SignedReportDtoSchema,
  SignReportRequestSchema,
  WorklistQuerySchema,
} from '@telestroke/shared';
import { z } from 'zod';
import type { Db } from '../db/Db';
import { defineRoute, type RouteSpec } from '../http/route';
import { siteOfRecord } from '../sites/site.repository';
import { findReadRequestSiteId } from './worklist.repository';
import type { WorklistService } from './worklist.service';
import { callerOf } from '../http/caller';
import { sendPdf } from '../pdf/pdf';

export const ReadRequestParamsSchema = z.object({ id: z.uuid() }).strict();
export const ReportPdfQuerySchema = z.object({ lang: z.enum(['fr', 'en']).default('fr') }).strict();

/** The urgent-read worklist API under /api/worklist. Every route but the lists names the request's site. */
export function worklistRoutes(deps: { db: Db; worklist: WorklistService }): RouteSpec<any, any, any>[] {
  const { db, worklist } = deps;
  // A request that does not exist and one of a site the caller does not see answer the same 404.
  const siteOfRequest = siteOfRecord(db, findReadRequestSiteId);
  const one = { params: ReadRequestParamsSchema, site: siteOfRequest, tag: 'worklist' } as const;
  return [
    defineRoute({
      method: 'get',
      path: '/api/worklist',
      summary:
        'The read requests the caller sees (hub readers: their remote sites; ward doctors: their own site), open ones ' +
        'first and most urgent first; filters by site, modality and status',
      tag: 'worklist',
      access: 'worklist:read',
      query: WorklistQuerySchema,
      response: z.array(ReadRequestDtoSchema),
      handler: async (i) => worklist.list(callerOf(i.principal, i.ip), i.query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/worklist/readers',
      summary: "The neurologists and radiologists of the caller's hubs, to reassign a request to",
      tag: 'worklist',
      access: 'worklist:claim',
      response: z.array(ReaderDtoSchema),
      handler: async (i) => worklist.readers(callerOf(i.principal, i.ip)),
    }),
    defineRoute({
      ...one,
      method: 'get',
      path: '/api/worklist/:id',
      summary: "Open a read request (audited): the request, its signed report, and the caller's draft while they hold it",
      access: 'worklist:read',
      response: ReadRequestDetailDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => worklist.open(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/worklist/:id/claim',
      summary: 'Claim a read request of one’s hub; of concurrent claims exactly one wins, the others get ALREADY_CLAIMED',
      access: 'worklist:claim',
      response: ReadRequestDtoSchema,
      errors: ['NOT_FOUND', 'ALREADY_CLAIMED', 'READ_STATE'],
      handler: async (i) => worklist.claim(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/worklist/:id/release',
      summary: 'Give a claimed request back to the worklist (its reader)',
      access: 'worklist:claim',
      response: ReadRequestDtoSchema,
      errors: ['NOT_FOUND', 'NOT_CLAIMED_BY_YOU', 'REPORT_SIGNED'],
      handler: async (i) => worklist.release(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/worklist/:id/reassign',
      summary: "Hand a request not yet reported to another neurologist or radiologist of its hub, who is alerted",
      access: 'worklist:claim',
      body: ReassignReadRequestSchema,
      response: ReadRequestDtoSchema,
      errors: ['NOT_FOUND', 'READ_STATE'],
      handler: async (i) => worklist.reassign(callerOf(i.principal, i.ip), i.params.id, i.body.userId),
    }),
    defineRoute({
      ...one,
      method: 'put',
      path: '/api/worklist/:id/report',
      summary: 'Save the draft of the structured report (the reader holding the request); replaces the previous draft',
      access: 'report:sign',
      body: SaveReportDraftRequestSchema,
      response: ReportDraftDtoSchema,
      errors: ['NOT_FOUND', 'NOT_CLAIMED_BY_YOU', 'REPORT_SIGNED'],
      handler: async (i) => worklist.saveDraft(callerOf(i.principal, i.ip), i.params.id, i.body),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/worklist/:id/report/sign',
      summary:
        'Sign the structured report (the reader holding the request): it becomes immutable, the request reported, and ' +
        'the sending site sees it at once',
      access: 'report:sign',
      body: SignReportRequestSchema,
      response: SignedReportDtoSchema,
      errors: ['NOT_FOUND', 'NOT_CLAIMED_BY_YOU', 'REPORT_SIGNED'],
      handler: async (i) => worklist.sign(callerOf(i.principal, i.ip), i.params.id, i.body),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/worklist/:id/report/addenda',
      summary: 'Append a correction to a signed report (a reader of the hub)',
      access: 'report:sign',
      body: AddAddendumRequestSchema,
      status: 201,
      response: SignedReportDtoSchema,
      errors: ['NOT_FOUND', 'READ_STATE'],
      handler: async (i) => worklist.addAddendum(callerOf(i.principal, i.ip), i.params.id, i.body.text),
    }),
    defineRoute({
      ...one,
      method: 'get',
      path: '/api/worklist/:id/report.pdf',
      summary: 'The signed report as a printable PDF (application/pdf; audited)',
      access: 'worklist:read',
      query: ReportPdfQuerySchema,
      raw: true,
      status: 200,
      errors: ['NOT_FOUND', 'READ_STATE'],
      handler: async (i) => {
        sendPdf(i.res, await worklist.pdf(callerOf(i.principal, i.ip), i.params.id, i.query.lang));
      },
    }),
  ];
}
