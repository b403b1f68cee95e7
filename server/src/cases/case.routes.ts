import {
  AddCaseEventRequestSchema,
  CaseDecisionRequestSchema,
  CaseMessageDtoSchema,
  CaseQuerySchema,
  CaseRecordDtoSchema,
  NihssAssessmentDtoSchema,
  NihssItemIdSchema,
  PostCaseMessageRequestSchema,
  SetCaseInsRequestSchema,
  SetNihssItemRequestSchema,
  StartNihssRequestSchema,
  TransferPacketDtoSchema,
  TransferRequestSchema,
} from '@telestroke/shared';
import { z } from 'zod';
import { findConsultSiteId } from '../consult/consult.repository';
import type { Db } from '../db/Db';
import { defineRoute, type RouteSpec } from '../http/route';
import { findSiteById, siteOfRecord } from '../sites/site.repository';
import { findCaseSiteId } from './case.repository';
import type { CaseService } from './case.service';
import { callerOf } from '../http/caller';
import { sendPdf } from '../pdf/pdf';

/** Clocks of the sites' devices may run a little ahead of ours. */
const CLOCK_SKEW_MS = 2 * 60_000;
/** Older than this is a typing error (a wrong year or month), not a time of an acute stroke. */
const MAX_AGE_DAYS = 30;

/** The shared request, with the checks that depend on the time of arrival. */
export const AddCaseEventBodySchema = AddCaseEventRequestSchema.superRefine((body, ctx) => {
  const at = Date.parse(body.at);
  if (at > Date.now() + CLOCK_SKEW_MS) {
    ctx.addIssue({ code: 'custom', path: ['at'], message: 'the time is in the future' });
  } else if (at < Date.now() - MAX_AGE_DAYS * 86_400_000) {
    ctx.addIssue({ code: 'custom', path: ['at'], message: `the time is more than ${MAX_AGE_DAYS} days ago: check the date` });
  }
  if (body.estimated && body.kind !== 'lkw') {
    ctx.addIssue({ code: 'custom', path: ['estimated'], message: 'only the last-known-well time may be estimated' });
  }
});

const CaseParamsSchema = z.object({ id: z.uuid() }).strict();
const ItemParamsSchema = z.object({ id: z.uuid(), assessmentId: z.uuid(), item: NihssItemIdSchema }).strict();
const PdfQuerySchema = z.object({ lang: z.enum(['fr', 'en']).default('fr') }).strict();

/** The stroke case API under /api/cases. Every route names the case's remote site (out of scope: 404). */
export function caseRoutes(deps: { db: Db; cases: CaseService }): RouteSpec<any, any, any>[] {
  const { db, cases } = deps;
  const siteOfCase = siteOfRecord(db, findCaseSiteId);
  const one = { params: CaseParamsSchema, site: siteOfCase, tag: 'cases' } as const;
  return [
    defineRoute({
      method: 'get',
      path: '/api/cases',
      summary: "The stroke case record of an urgent consult (created on the way for older consults; audited)",
      tag: 'cases',
      access: 'case:read',
      query: CaseQuerySchema,
      site: async ({ query }) => {
        const siteId = await findConsultSiteId(db, query.consultId);
        return siteId ? findSiteById(db, siteId) : null;
      },
      response: CaseRecordDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => cases.byConsult(callerOf(i.principal, i.ip), i.query.consultId),
    }),
    defineRoute({
      ...one,
      method: 'get',
      path: '/api/cases/:id',
      summary: 'The whole stroke case record: consult, timeline, NIHSS series, studies and reads, decision, transfer, thrombolysis (audited)',
      access: 'case:read',
      response: CaseRecordDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => cases.get(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/cases/:id/events',
      summary: 'Enter a timeline timestamp (a later one of the same kind corrects it); pushed as case.updated',
      access: 'case:write',
      body: AddCaseEventBodySchema,
      status: 201,
      response: CaseRecordDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => cases.addEvent(callerOf(i.principal, i.ip), i.params.id, i.body),
    }),
    defineRoute({
      ...one,
      method: 'put',
      path: '/api/cases/:id/ins',
      summary: "Record the patient's INS once the identity is checked (its key is verified), or clear it with null",
      access: 'case:write',
      body: SetCaseInsRequestSchema,
      response: CaseRecordDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => cases.setIns(callerOf(i.principal, i.ip), i.params.id, i.body.ins),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/cases/:id/nihss',
      summary: 'Start a new NIHSS assessment of the series (a participant); pushed as case.nihss',
      access: 'case:write',
      body: StartNihssRequestSchema,
      status: 201,
      response: NihssAssessmentDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => cases.startNihss(callerOf(i.principal, i.ip), i.params.id, i.body.label),
    }),
    defineRoute({
      method: 'put',
      path: '/api/cases/:id/nihss/:assessmentId/items/:item',
      summary: 'Answer (or clear, with null) one NIHSS item (a participant); time-stamped and pushed as case.nihss',
      tag: 'cases',
      access: 'case:write',
      params: ItemParamsSchema,
      site: siteOfCase,
      body: SetNihssItemRequestSchema,
      response: NihssAssessmentDtoSchema,
      errors: ['NOT_FOUND', 'NIHSS_VALUE_INVALID'],
      handler: async (i) =>
        cases.setNihssItem(callerOf(i.principal, i.ip), i.params.id, i.params.assessmentId, i.params.item, i.body.value),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/cases/:id/decision',
      summary: 'Record the decision: thrombolysis, thrombectomy transfer, both or neither (a participant)',
      access: 'case:write',
      body: CaseDecisionRequestSchema,
      response: CaseRecordDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => cases.decide(callerOf(i.principal, i.ip), i.params.id, i.body),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/cases/:id/transfer',
      summary: "Request the thrombectomy transfer to the hub's CHU, carrying the case record (a participant; once)",
      access: 'case:write',
      body: TransferRequestSchema,
      status: 201,
      response: CaseRecordDtoSchema,
      errors: ['NOT_FOUND', 'CASE_STATE'],
      handler: async (i) => cases.transfer(callerOf(i.principal, i.ip), i.params.id, i.body),
    }),
    defineRoute({
      ...one,
      method: 'get',
      path: '/api/cases/:id/transfer',
      summary: 'The transfer and the case record exactly as sent to the CHU (audited)',
      access: 'case:read',
      response: TransferPacketDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => cases.transferPacket(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/cases/:id/transfer/ack',
      summary: 'Acknowledge the transfer (a neurologist of the receiving CHU; once)',
      access: 'case:write',
      response: CaseRecordDtoSchema,
      errors: ['NOT_FOUND', 'CASE_STATE'],
      handler: async (i) => cases.acknowledgeTransfer(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'get',
      path: '/api/cases/:id/messages',
      summary: "The case's message thread, oldest first (participants only; every read is audited)",
      access: 'case:read',
      response: z.array(CaseMessageDtoSchema),
      errors: ['NOT_FOUND'],
      handler: async (i) => cases.messages(callerOf(i.principal, i.ip), i.params.id),
    }),
    defineRoute({
      ...one,
      method: 'post',
      path: '/api/cases/:id/messages',
      summary: "Write in the case's message thread (participants only); pushed as case.message to the participants",
      access: 'case:write',
      body: PostCaseMessageRequestSchema,
      status: 201,
      response: CaseMessageDtoSchema,
      errors: ['NOT_FOUND'],
      handler: async (i) => cases.postMessage(callerOf(i.principal, i.ip), i.params.id, i.body.text),
    }),
    defineRoute({
      ...one,
      method: 'get',
      path: '/api/cases/:id/summary.pdf',
      summary: 'The case summary as a printable PDF, French by default (application/pdf; audited)',
      access: 'case:read',
      query: PdfQuerySchema,
      raw: true,
      status: 200,
      errors: ['NOT_FOUND'],
      handler: async (i) => {
        sendPdf(i.res, await cases.summaryPdf(callerOf(i.principal, i.ip), i.params.id, i.query.lang));
      },
    }),
  ];
}
