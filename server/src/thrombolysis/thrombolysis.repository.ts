import type {
  ChecklistAnswers,
  DoseResult,
  OrderStatus,
  Thrombolytic,
  ThrombolysisOrderDto,
  WeightSource,
} from '@telestroke/shared';
import type { Queryable } from '../db/Db';

interface OrderRow {
  id: string;
  case_id: string;
  drug: Thrombolytic;
  weight_kg: number;
  weight_source: WeightSource;
  dose: DoseResult;
  checklist: ChecklistAnswers;
  systolic_mmhg: number;
  diastolic_mmhg: number;
  glucose_mmol_per_l: string;
  prepared_by: string;
  prepared_by_name: string;
  prepared_at: Date;
  confirmed_by: string | null;
  confirmed_by_name: string | null;
  confirmed_at: Date | null;
  bolus_by: string | null;
  bolus_by_name: string | null;
  bolus_at: Date | null;
}

const ORDER_SELECT = `
  SELECT o.id, o.case_id, o.drug, o.weight_kg, o.weight_source, o.dose, o.checklist, o.systolic_mmhg,
         o.diastolic_mmhg, o.glucose_mmol_per_l, o.prepared_by, pu.name AS prepared_by_name, o.prepared_at,
         o.confirmed_by, cu.name AS confirmed_by_name, o.confirmed_at, o.bolus_by, bu.name AS bolus_by_name, o.bolus_at
    FROM thrombolysis_orders o
    JOIN users pu ON pu.id = o.prepared_by
    LEFT JOIN users cu ON cu.id = o.confirmed_by
    LEFT JOIN users bu ON bu.id = o.bolus_by`;

function toDto(r: OrderRow): ThrombolysisOrderDto {
  const status: OrderStatus = r.bolus_at ? 'given' : r.confirmed_at ? 'confirmed' : 'prepared';
  return {
    id: r.id,
    caseId: r.case_id,
    status,
    drug: r.drug,
    weightKg: r.weight_kg,
    weightSource: r.weight_source,
    dose: r.dose,
    checklist: r.checklist,
    systolicMmHg: r.systolic_mmhg,
    diastolicMmHg: r.diastolic_mmhg,
    glucoseMmolPerL: Number(r.glucose_mmol_per_l),
    preparedBy: { id: r.prepared_by, displayName: r.prepared_by_name },
    preparedAt: r.prepared_at.toISOString(),
    confirmedBy: r.confirmed_by ? { id: r.confirmed_by, displayName: r.confirmed_by_name ?? '' } : null,
    confirmedAt: r.confirmed_at ? r.confirmed_at.toISOString() : null,
    bolusAt: r.bolus_at ? r.bolus_at.toISOString() : null,
    bolusBy: r.bolus_by ? { id: r.bolus_by, displayName: r.bolus_by_name ?? '' } : null,
  };
}

/** The thrombolysis orders of a case, oldest first. The case record (server/src/cases) includes them. */
export async function listOrders(q: Queryable, caseId: string): Promise<ThrombolysisOrderDto[]> {
  const { rows } = await q.query<OrderRow>(`${ORDER_SELECT} WHERE o.case_id = $1 ORDER BY o.seq`, [caseId]);
  return rows.map(toDto);
}

/** The order of that case, or null (an order of another case is not found either). */
export async function findOrder(q: Queryable, caseId: string, orderId: string, forUpdate = false): Promise<ThrombolysisOrderDto | null> {
  const { rows } = await q.query<OrderRow>(
    `${ORDER_SELECT} WHERE o.case_id = $1 AND o.id = $2${forUpdate ? ' FOR UPDATE OF o' : ''}`,
    [caseId, orderId],
  );
  return rows[0] ? toDto(rows[0]) : null;
}

export interface CaseScope {
  caseId: string;
  consultId: string;
  siteId: string;
  hubId: string;
}

export interface NewOrder {
  caseId: string;
  drug: Thrombolytic;
  weightKg: number;
  weightSource: WeightSource;
  dose: DoseResult;
  checklist: ChecklistAnswers;
  systolicMmHg: number;
  diastolicMmHg: number;
  glucoseMmolPerL: number;
  preparedBy: string;
}

export async function insertOrder(q: Queryable, o: NewOrder): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO thrombolysis_orders (case_id, drug, weight_kg, weight_source, total_mg, bolus_mg, infusion_mg,
                                      infusion_minutes, volume_ml, dose, checklist, systolic_mmhg, diastolic_mmhg,
                                      glucose_mmol_per_l, prepared_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
    [
      o.caseId,
      o.drug,
      o.weightKg,
      o.weightSource,
      o.dose.totalMg,
      o.dose.bolusMg,
      o.dose.infusionMg,
      o.dose.infusionMinutes,
      o.dose.volumeMl,
      JSON.stringify(o.dose),
      JSON.stringify(o.checklist),
      o.systolicMmHg,
      o.diastolicMmHg,
      o.glucoseMmolPerL,
      o.preparedBy,
    ],
  );
  return rows[0]!.id;
}

/** The second check, written only while none exists and by someone other than the preparer; false otherwise. */
export async function confirmOrder(q: Queryable, orderId: string, userId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE thrombolysis_orders SET confirmed_by = $2, confirmed_at = now()
      WHERE id = $1 AND confirmed_at IS NULL AND prepared_by <> $2`,
    [orderId, userId],
  );
  return rowCount === 1;
}

/** The bolus, written only once the order is confirmed and not yet given; false otherwise. */
export async function recordBolus(q: Queryable, orderId: string, userId: string, at: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE thrombolysis_orders SET bolus_by = $2, bolus_at = $3, bolus_entered_at = now()
      WHERE id = $1 AND confirmed_at IS NOT NULL AND bolus_at IS NULL`,
    [orderId, userId, at],
  );
  return rowCount === 1;
}

export async function hasBolus(q: Queryable, caseId: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM thrombolysis_orders WHERE case_id = $1 AND bolus_at IS NOT NULL', [caseId]);
  return rows.length > 0;
}

/** The bolus is the case's needle time: a 'needle' timeline row, entered by whoever recorded the bolus. */
export async function insertNeedleEvent(q: Queryable, caseId: string, userId: string, at: Date, note: string): Promise<void> {
  await q.query(`INSERT INTO case_events (case_id, kind, at, entered_by, note) VALUES ($1, 'needle', $2, $3, $4)`, [
    caseId,
    at,
    userId,
    note,
  ]);
}
