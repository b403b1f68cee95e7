import {
  AppError,
  bolusChecks,
  computeDose,
  glucoseMmolPerL,
  roleHasPermission,
  type BolusRequest,
  type DoseRequest,
  type DoseResult,
  type PrepareOrderRequest,
  type ThrombolysisOrderDto,
} from '@telestroke/shared';
import { recordUserAudit } from '../audit/audit.service';
import { canSeeSite } from '../auth/access';
import { pgErrorCode, PG_UNIQUE_VIOLATION, type Db, type Queryable } from '../db/Db';
import type { Logger } from '../logger';
import type { Notifier } from '../realtime/Notifier';
import {
  confirmOrder,
  findOrder,
  hasBolus,
  insertNeedleEvent,
  insertOrder,
  recordBolus,
  type CaseScope,
} from './thrombolysis.repository';
import type { Caller } from '../http/caller';
import { findCase } from '../cases/case.repository';

export type { Caller };

/** Clocks of the bedside devices may run a little ahead of ours. */
const CLOCK_SKEW_MS = 2 * 60_000;

/** The stroke dose, or the AppError (422) of its refusal. */
export function doseOrThrow(req: DoseRequest): DoseResult {
  const outcome = computeDose(req);
  if (!outcome.ok) throw new AppError(outcome.refusal.code, outcome.refusal.message, outcome.refusal.details);
  return outcome.dose;
}

/**
 * Thrombolysis orders: prepared with a server-computed dose and the checks before the bolus, confirmed by a
 * second person, given once per case. The route checked that the caller sees the case's site.
 */
export class ThrombolysisService {
  readonly #db: Db;
  readonly #notifier: Notifier;
  readonly #log: Logger | undefined;

  constructor(deps: { db: Db; notifier: Notifier; log?: Logger }) {
    this.#db = deps.db;
    this.#notifier = deps.notifier;
    this.#log = deps.log;
  }

  async prepare(caller: Caller, caseId: string, body: PrepareOrderRequest): Promise<ThrombolysisOrderDto> {
    const scope = await this.#scope(caseId);
    const dose = doseOrThrow({
      drug: body.drug,
      weightKg: body.weightKg,
      indication: 'stroke',
      ...(body.weightConfirmed !== undefined ? { weightConfirmed: body.weightConfirmed } : {}),
    });
    const failures = bolusChecks(body);
    if (failures.length > 0) {
      const first = failures[0]!;
      throw new AppError(first.code, first.message, { failures });
    }
    const order = await this.#db.transaction(async (tx) => {
      const id = await insertOrder(tx, {
        caseId,
        drug: body.drug,
        weightKg: dose.weightKg,
        weightSource: body.weightSource,
        dose,
        checklist: body.checklist,
        systolicMmHg: body.systolicMmHg,
        diastolicMmHg: body.diastolicMmHg,
        glucoseMmolPerL: glucoseMmolPerL(body)!,
        preparedBy: caller.user.id,
      });
      await this.#audit(tx, caller, 'thrombolysis.prepare', scope, id, { drug: body.drug, totalMg: dose.totalMg });
      return (await findOrder(tx, caseId, id))!;
    });
    this.#changed(scope);
    return order;
  }

  async confirm(caller: Caller, caseId: string, orderId: string): Promise<ThrombolysisOrderDto> {
    const scope = await this.#scope(caseId);
    const order = await this.#db.transaction(async (tx) => {
      const current = await this.#order(tx, caseId, orderId);
      if (current.preparedBy.id === caller.user.id) {
        throw new AppError('SECOND_CHECK_SAME_PERSON', 'The second check must be done by someone other than the preparer');
      }
      if (current.confirmedAt) throw new AppError('THROMBOLYSIS_STATE', 'This order is already confirmed');
      if (!(await confirmOrder(tx, orderId, caller.user.id))) {
        throw new AppError('THROMBOLYSIS_STATE', 'This order cannot be confirmed now');
      }
      await this.#audit(tx, caller, 'thrombolysis.confirm', scope, orderId);
      return (await findOrder(tx, caseId, orderId))!;
    });
    this.#changed(scope);
    return order;
  }

  async bolus(caller: Caller, caseId: string, orderId: string, body: BolusRequest): Promise<ThrombolysisOrderDto> {
    const scope = await this.#scope(caseId);
    const at = body.at ? new Date(body.at) : new Date();
    if (at.getTime() > Date.now() + CLOCK_SKEW_MS) {
      throw new AppError('UNPROCESSABLE', 'The bolus time is in the future', { at: body.at });
    }
    let order: ThrombolysisOrderDto;
    try {
      order = await this.#db.transaction(async (tx) => {
        const current = await this.#order(tx, caseId, orderId);
        if (!current.confirmedAt) throw new AppError('THROMBOLYSIS_STATE', 'A second person must confirm the order first');
        if (current.bolusAt) throw new AppError('THROMBOLYSIS_STATE', 'The bolus of this order is already recorded');
        if (at.getTime() < Date.parse(current.confirmedAt) - CLOCK_SKEW_MS) {
          throw new AppError('UNPROCESSABLE', 'The bolus time is before the second check', { at: body.at });
        }
        if (await hasBolus(tx, caseId)) throw new AppError('THROMBOLYSIS_STATE', 'A bolus is already recorded for this case');
        if (!(await recordBolus(tx, orderId, caller.user.id, at))) {
          throw new AppError('THROMBOLYSIS_STATE', 'The bolus cannot be recorded now');
        }
        await insertNeedleEvent(tx, caseId, caller.user.id, at, `${current.drug} ${current.dose.bolusMg} mg`);
        await this.#audit(tx, caller, 'thrombolysis.bolus', scope, orderId, { at: at.toISOString() });
        return (await findOrder(tx, caseId, orderId))!;
      });
    } catch (err) {
      // Two bolus requests for two orders of one case at once: the partial unique index decides.
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) {
        throw new AppError('THROMBOLYSIS_STATE', 'A bolus is already recorded for this case');
      }
      throw err;
    }
    this.#changed(scope);
    return order;
  }

  async #scope(caseId: string): Promise<CaseScope> {
    const row = await findCase(this.#db, caseId);
    if (!row) throw new AppError('NOT_FOUND', 'Case not found');
    return { caseId: row.id, consultId: row.consult_id, siteId: row.site_id, hubId: row.hub_id };
  }

  async #order(tx: Queryable, caseId: string, orderId: string): Promise<ThrombolysisOrderDto> {
    const order = await findOrder(tx, caseId, orderId, true);
    if (!order) throw new AppError('NOT_FOUND', 'Order not found');
    return order;
  }

  #audit(
    q: Queryable,
    caller: Caller,
    action: string,
    scope: CaseScope,
    orderId: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const order = { type: 'thrombolysis_order', id: orderId, siteId: scope.siteId };
    return recordUserAudit(q, caller.user, caller.ip, action, order, { caseId: scope.caseId, ...details });
  }

  /** A nudge with ids only: whoever sees the case refetches the record (an audited read). */
  #changed(scope: CaseScope): void {
    this.#notifier.publish(
      { type: 'case.updated', caseId: scope.caseId, consultId: scope.consultId, reason: 'thrombolysis' },
      (u) => roleHasPermission(u.role, 'case:read') && canSeeSite(u, scope.siteId),
    );
    this.#log?.debug({ caseId: scope.caseId }, 'thrombolysis order changed');
  }
}
