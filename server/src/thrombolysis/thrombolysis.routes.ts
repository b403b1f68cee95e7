import {
  BolusRequestSchema,
  DoseRequestSchema,
  DoseResultSchema,
  PrepareOrderRequestSchema,
  ThrombolysisOrderDtoSchema,
} from '@telestroke/shared';
import { z } from 'zod';
import type { Db } from '../db/Db';
import { defineRoute, type RouteSpec } from '../http/route';
import { siteOfRecord } from '../sites/site.repository';
import { findCaseSiteId } from '../cases/case.repository';
import { doseOrThrow, type ThrombolysisService } from './thrombolysis.service';
import { callerOf } from '../http/caller';

const CaseParamsSchema = z.object({ caseId: z.uuid() }).strict();
const OrderParamsSchema = z.object({ caseId: z.uuid(), orderId: z.uuid() }).strict();

const DOSE_ERRORS = ['WEIGHT_MISSING', 'WEIGHT_IMPLAUSIBLE', 'WEIGHT_CONFIRMATION_REQUIRED', 'STEMI_DOSE_REFUSED', 'DOSE_NOT_STROKE'] as const;

/** The thrombolysis assistant: the dose calculator and the orders of a case (prepare, second check, bolus). */
export function thrombolysisRoutes(deps: { db: Db; thrombolysis: ThrombolysisService }): RouteSpec<any, any, any>[] {
  const { db, thrombolysis } = deps;
  // A case that does not exist and one of a site the caller does not see answer the same 404.
  const siteOfCase = siteOfRecord(db, findCaseSiteId, 'caseId');
  return [
    defineRoute({
      method: 'post',
      path: '/api/thrombolysis/dose',
      summary:
        'The stroke dose of alteplase or tenecteplase for a weight in kg, rounded to 0.1 mg with the volume in mL; ' +
        'an unsafe request (missing or implausible weight, the STEMI dose) answers 422 with its code',
      tag: 'thrombolysis',
      access: 'thrombolysis:dose',
      body: DoseRequestSchema,
      response: DoseResultSchema,
      errors: [...DOSE_ERRORS],
      handler: async (i) => doseOrThrow(i.body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/cases/:caseId/thrombolysis',
      summary:
        'Prepare a thrombolysis order: the server computes the dose; every contraindication answered absent, ' +
        'BP below 185/110 mmHg and the glucose entered, or 422 with the first failed check',
      tag: 'thrombolysis',
      access: 'case:write',
      params: CaseParamsSchema,
      site: siteOfCase,
      body: PrepareOrderRequestSchema,
      status: 201,
      response: ThrombolysisOrderDtoSchema,
      errors: ['NOT_FOUND', ...DOSE_ERRORS, 'CHECKLIST_INCOMPLETE', 'CONTRAINDICATION_PRESENT', 'BP_TOO_HIGH', 'GLUCOSE_MISSING'],
      handler: async (i) => thrombolysis.prepare(callerOf(i.principal, i.ip), i.params.caseId, i.body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/cases/:caseId/thrombolysis/:orderId/confirm',
      summary: 'The second check of a prepared order, by someone other than the preparer',
      tag: 'thrombolysis',
      access: 'case:write',
      params: OrderParamsSchema,
      site: siteOfCase,
      response: ThrombolysisOrderDtoSchema,
      errors: ['NOT_FOUND', 'SECOND_CHECK_SAME_PERSON', 'THROMBOLYSIS_STATE'],
      handler: async (i) => thrombolysis.confirm(callerOf(i.principal, i.ip), i.params.caseId, i.params.orderId),
    }),
    defineRoute({
      method: 'post',
      path: '/api/cases/:caseId/thrombolysis/:orderId/bolus',
      summary: "Record the bolus of a confirmed order (default now): it is the case's needle time; one per case",
      tag: 'thrombolysis',
      access: 'case:write',
      params: OrderParamsSchema,
      site: siteOfCase,
      body: BolusRequestSchema,
      response: ThrombolysisOrderDtoSchema,
      errors: ['NOT_FOUND', 'THROMBOLYSIS_STATE', 'UNPROCESSABLE'],
      handler: async (i) => thrombolysis.bolus(callerOf(i.principal, i.ip), i.params.caseId, i.params.orderId, i.body ?? {}),
    }),
  ];
}
