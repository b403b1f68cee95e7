import {
  CASE_EVENT_KINDS,
  nihssComplete,
  nihssTotal,
  type CaseDecision,
  type CaseDecisionDto,
  type CaseEventKind,
  type CaseMessageDto,
  type CaseStudyDto,
  type NihssAssessmentDto,
  type NihssChangeDto,
  type NihssItemId,
  type NihssItemStateDto,
  type NihssScores,
  type NihssValue,
  type Role,
  type TimelineEntryDto,
  type TransferDto,
} from '@telestroke/shared';
import type { Queryable } from '../db/Db';
import { findSignedReport } from '../worklist/worklist.repository';

/** A stroke case as stored, with the codes and names its DTO shows. */
export interface CaseRow {
  id: string;
  consult_id: string;
  site_id: string;
  hub_id: string;
  site_code: string;
  site_name: string;
  hub_code: string;
  patient_ref: string;
  ins: string | null;
  created_at: Date;
}

const CASE_SELECT = `
  SELECT sc.id, sc.consult_id, sc.site_id, sc.hub_id, s.code AS site_code, s.name AS site_name, h.code AS hub_code,
         sc.patient_ref, sc.ins, sc.created_at
    FROM stroke_cases sc
    JOIN sites s ON s.id = sc.site_id
    JOIN sites h ON h.id = sc.hub_id`;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export async function findCase(q: Queryable, id: string): Promise<CaseRow | null> {
  const { rows } = await q.query<CaseRow>(`${CASE_SELECT} WHERE sc.id = $1`, [id]);
  return rows[0] ?? null;
}

export async function findCaseSiteId(q: Queryable, id: string): Promise<string | null> {
  const { rows } = await q.query<{ site_id: string }>('SELECT site_id FROM stroke_cases WHERE id = $1', [id]);
  return rows[0]?.site_id ?? null;
}

/**
 * The case of an urgent consult, created when missing (a consult older than the case record whose migration missed
 * it, or one inserted around the trigger); null for an unknown or scheduled consult.
 */
export async function ensureCaseForConsult(q: Queryable, consultId: string): Promise<CaseRow | null> {
  await q.query(
    `INSERT INTO stroke_cases (consult_id, site_id, hub_id, patient_ref, created_at)
     SELECT id, site_id, hub_id, patient_ref, requested_at FROM consults WHERE id = $1 AND kind = 'urgent'
     ON CONFLICT (consult_id) DO NOTHING`,
    [consultId],
  );
  const { rows } = await q.query<CaseRow>(`${CASE_SELECT} WHERE sc.consult_id = $1`, [consultId]);
  return rows[0] ?? null;
}

/** Serialises writers of one case (NIHSS answers, transfer): concurrent changes apply one after the other. */
/** Sets or clears the case's INS. */
export async function setCaseIns(q: Queryable, caseId: string, ins: string | null): Promise<void> {
  await q.query('UPDATE stroke_cases SET ins = $2 WHERE id = $1', [caseId, ins]);
}

export async function lockCase(q: Queryable, id: string): Promise<void> {
  await q.query('SELECT id FROM stroke_cases WHERE id = $1 FOR UPDATE', [id]);
}

// ---------------------------------------------------------------------------------------------------------------

interface TimelineRow {
  kind: CaseEventKind;
  at: Date;
  estimated: boolean;
  source: TimelineEntryDto['source'];
  entered_by: string | null;
  entered_by_name: string | null;
  entered_at: Date | null;
  note: string | null;
  corrects: number;
}

export async function listTimeline(q: Queryable, caseId: string): Promise<TimelineEntryDto[]> {
  const { rows } = await q.query<TimelineRow>(
    `SELECT t.kind, t.at, t.estimated, t.source, t.entered_by, u.name AS entered_by_name, t.entered_at, t.note, t.corrects
       FROM case_timeline t LEFT JOIN users u ON u.id = t.entered_by
      WHERE t.case_id = $1`,
    [caseId],
  );
  const order = (k: CaseEventKind) => CASE_EVENT_KINDS.indexOf(k);
  return rows
    .sort((a, b) => order(a.kind) - order(b.kind))
    .map((r) => ({
      kind: r.kind,
      at: r.at.toISOString(),
      estimated: r.estimated,
      source: r.source,
      enteredBy: r.entered_by ? { id: r.entered_by, name: r.entered_by_name ?? '' } : null,
      enteredAt: iso(r.entered_at),
      note: r.note,
      corrects: Number(r.corrects),
    }));
}

export async function insertCaseEvent(
  q: Queryable,
  e: { caseId: string; kind: CaseEventKind; at: Date; estimated: boolean; enteredBy: string; note: string | null },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO case_events (case_id, kind, at, estimated, entered_by, note) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [e.caseId, e.kind, e.at, e.estimated, e.enteredBy, e.note],
  );
  return rows[0]!.id;
}

export async function hasCaseEvent(q: Queryable, caseId: string, kind: CaseEventKind): Promise<boolean> {
  const { rowCount } = await q.query('SELECT 1 FROM case_events WHERE case_id = $1 AND kind = $2 LIMIT 1', [caseId, kind]);
  return rowCount > 0;
}

// ---------------------------------------------------------------------------------------------------------------
// NIHSS

interface AssessmentRow {
  id: string;
  case_id: string;
  seq: string;
  label: string;
  started_by: string;
  started_by_name: string;
  started_at: Date;
  total: number;
}
interface ChangeRow {
  assessment_id: string;
  item: NihssItemId;
  value: string | null;
  changed_by: string;
  changed_by_name: string;
  changed_at: Date;
}

const fromStored = (v: string | null): NihssValue | null => (v === null ? null : v === 'untestable' ? 'untestable' : Number(v));

/** The case's NIHSS series, oldest first, each with its current answers and every change. */
export async function listAssessments(q: Queryable, caseId: string, onlyId?: string): Promise<NihssAssessmentDto[]> {
  const { rows } = await q.query<AssessmentRow>(
    `SELECT a.id, a.case_id, a.seq, a.label, a.started_by, u.name AS started_by_name, a.started_at, a.total
       FROM nihss_assessments a JOIN users u ON u.id = a.started_by
      WHERE a.case_id = $1 ORDER BY a.seq`,
    [caseId],
  );
  if (rows.length === 0) return [];
  const { rows: changes } = await q.query<ChangeRow>(
    `SELECT ch.assessment_id, ch.item, ch.value, ch.changed_by, u.name AS changed_by_name, ch.changed_at
       FROM nihss_item_changes ch JOIN users u ON u.id = ch.changed_by
      WHERE ch.assessment_id = ANY($1::uuid[]) ORDER BY ch.seq`,
    [rows.filter((r) => !onlyId || r.id === onlyId).map((r) => r.id)],
  );
  return rows
    .map((a, index) => ({ a, seq: index + 1 }))
    .filter(({ a }) => !onlyId || a.id === onlyId)
    .map(({ a, seq }) => {
      const mine = changes.filter((c) => c.assessment_id === a.id);
      const items: Partial<Record<NihssItemId, NihssItemStateDto>> = {};
      const history: NihssChangeDto[] = [];
      for (const c of mine) {
        const value = fromStored(c.value);
        const changedBy = { id: c.changed_by, name: c.changed_by_name };
        const changedAt = c.changed_at.toISOString();
        history.push({ item: c.item, value, changedBy, changedAt });
        if (value === null) delete items[c.item];
        else items[c.item] = { value, changedBy, changedAt };
      }
      const scores: NihssScores = Object.fromEntries(Object.entries(items).map(([k, v]) => [k, v.value]));
      return {
        id: a.id,
        caseId: a.case_id,
        seq,
        label: a.label,
        startedBy: { id: a.started_by, name: a.started_by_name },
        startedAt: a.started_at.toISOString(),
        items,
        total: nihssTotal(scores),
        complete: nihssComplete(scores),
        changes: history,
      };
    });
}

export async function insertAssessment(q: Queryable, caseId: string, label: string, startedBy: string): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    'INSERT INTO nihss_assessments (case_id, label, started_by) VALUES ($1, $2, $3) RETURNING id',
    [caseId, label, startedBy],
  );
  return rows[0]!.id;
}

export async function assessmentOfCase(q: Queryable, caseId: string, assessmentId: string): Promise<boolean> {
  const { rowCount } = await q.query('SELECT 1 FROM nihss_assessments WHERE id = $1 AND case_id = $2', [assessmentId, caseId]);
  return rowCount > 0;
}

/** Records one item change and keeps the assessment's current answers and total in step (same transaction). */
export async function setNihssItem(
  q: Queryable,
  assessmentId: string,
  item: NihssItemId,
  value: NihssValue | null,
  changedBy: string,
): Promise<void> {
  await q.query('INSERT INTO nihss_item_changes (assessment_id, item, value, changed_by) VALUES ($1, $2, $3, $4)', [
    assessmentId,
    item,
    value === null ? null : String(value),
    changedBy,
  ]);
  const { rows } = await q.query<{ items: NihssScores }>('SELECT items FROM nihss_assessments WHERE id = $1 FOR UPDATE', [
    assessmentId,
  ]);
  const items: NihssScores = { ...(rows[0]?.items ?? {}) };
  if (value === null) delete items[item];
  else items[item] = value;
  await q.query('UPDATE nihss_assessments SET items = $2, total = $3 WHERE id = $1', [
    assessmentId,
    JSON.stringify(items),
    nihssTotal(items),
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// Decision, transfer, messages

export async function latestDecision(q: Queryable, caseId: string): Promise<CaseDecisionDto | null> {
  const { rows } = await q.query<{ decision: CaseDecision; note: string | null; decided_by: string; name: string; decided_at: Date }>(
    `SELECT d.decision, d.note, d.decided_by, u.name, d.decided_at
       FROM case_decisions d JOIN users u ON u.id = d.decided_by
      WHERE d.case_id = $1 ORDER BY d.seq DESC LIMIT 1`,
    [caseId],
  );
  const r = rows[0];
  return r ? { decision: r.decision, note: r.note, decidedBy: { id: r.decided_by, name: r.name }, decidedAt: r.decided_at.toISOString() } : null;
}

export async function insertDecision(
  q: Queryable,
  d: { caseId: string; decision: CaseDecision; note: string | null; decidedBy: string },
): Promise<Date> {
  const { rows } = await q.query<{ decided_at: Date }>(
    'INSERT INTO case_decisions (case_id, decision, note, decided_by) VALUES ($1, $2, $3, $4) RETURNING decided_at',
    [d.caseId, d.decision, d.note, d.decidedBy],
  );
  return rows[0]!.decided_at;
}

export interface TransferRow {
  id: string;
  case_id: string;
  to_site_id: string;
  to_site_code: string;
  note: string | null;
  record: unknown;
  requested_by: string;
  requested_by_name: string;
  requested_at: Date;
  acknowledged_by: string | null;
  acknowledged_by_name: string | null;
  acknowledged_at: Date | null;
}

export async function findTransfer(q: Queryable, caseId: string): Promise<TransferRow | null> {
  const { rows } = await q.query<TransferRow>(
    `SELECT t.id, t.case_id, t.to_site_id, s.code AS to_site_code, t.note, t.record, t.requested_by,
            ru.name AS requested_by_name, t.requested_at, t.acknowledged_by, au.name AS acknowledged_by_name,
            t.acknowledged_at
       FROM case_transfers t
       JOIN sites s ON s.id = t.to_site_id
       JOIN users ru ON ru.id = t.requested_by
       LEFT JOIN users au ON au.id = t.acknowledged_by
      WHERE t.case_id = $1`,
    [caseId],
  );
  return rows[0] ?? null;
}

export function transferDto(r: TransferRow): TransferDto {
  return {
    id: r.id,
    toSiteCode: r.to_site_code,
    note: r.note,
    requestedBy: { id: r.requested_by, name: r.requested_by_name },
    requestedAt: r.requested_at.toISOString(),
    acknowledgedBy: r.acknowledged_by ? { id: r.acknowledged_by, name: r.acknowledged_by_name ?? '' } : null,
    acknowledgedAt: iso(r.acknowledged_at),
  };
}

/** False when the case has a transfer already (the unique constraint decides between concurrent requests). */
export async function insertTransfer(
  q: Queryable,
  t: { caseId: string; toSiteId: string; note: string | null; record: unknown; requestedBy: string },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO case_transfers (case_id, to_site_id, note, record, requested_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (case_id) DO NOTHING`,
    [t.caseId, t.toSiteId, t.note, JSON.stringify(t.record), t.requestedBy],
  );
  return rowCount > 0;
}

/** False when there is no transfer, or it was acknowledged already. */
export async function acknowledgeTransfer(q: Queryable, caseId: string, userId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE case_transfers SET acknowledged_by = $2, acknowledged_at = now() WHERE case_id = $1 AND acknowledged_at IS NULL`,
    [caseId, userId],
  );
  return rowCount > 0;
}

interface MessageRow {
  id: string;
  case_id: string;
  author_id: string;
  name: string;
  role: Role;
  site_code: string | null;
  text: string;
  sent_at: Date;
}

const MESSAGE_SELECT = (m: string) => `
  SELECT m.id, m.case_id, m.author_id, u.name, u.role,
         (SELECT s.code FROM user_sites us JOIN sites s ON s.id = us.site_id WHERE us.user_id = u.id ORDER BY s.code LIMIT 1)
           AS site_code,
         m.text, m.sent_at
    FROM ${m} m JOIN users u ON u.id = m.author_id`;

const messageDto = (r: MessageRow): CaseMessageDto => ({
  id: r.id,
  caseId: r.case_id,
  author: { id: r.author_id, name: r.name, role: r.role, siteCode: r.site_code },
  text: r.text,
  sentAt: r.sent_at.toISOString(),
});

export async function listCaseMessages(q: Queryable, caseId: string): Promise<CaseMessageDto[]> {
  const { rows } = await q.query<MessageRow>(`${MESSAGE_SELECT('case_messages')} WHERE m.case_id = $1 ORDER BY m.seq`, [caseId]);
  return rows.map(messageDto);
}

export async function insertCaseMessage(q: Queryable, caseId: string, authorId: string, text: string): Promise<CaseMessageDto> {
  const { rows } = await q.query<MessageRow>(
    `WITH m AS (INSERT INTO case_messages (case_id, author_id, text) VALUES ($1, $2, $3) RETURNING *)
     ${MESSAGE_SELECT('m')}`,
    [caseId, authorId, text],
  );
  return messageDto(rows[0]!);
}

// ---------------------------------------------------------------------------------------------------------------
// Studies

export async function listCaseStudies(q: Queryable, caseId: string): Promise<CaseStudyDto[]> {
  const { rows } = await q.query<{
    id: string;
    study_uid: string;
    modalities: string[];
    description: string | null;
    first_received_at: Date;
    request_id: string | null;
  }>(
    `SELECT ds.id, ds.study_uid, ds.modalities, ds.description, ds.first_received_at, r.id AS request_id
       FROM case_studies cs
       JOIN dicom_studies ds ON ds.id = cs.study_id
       LEFT JOIN read_requests r ON r.study_id = ds.id
      WHERE cs.case_id = $1
      ORDER BY ds.first_received_at`,
    [caseId],
  );
  return Promise.all(
    rows.map(async (r) => ({
      studyId: r.id,
      studyInstanceUid: r.study_uid,
      modalities: r.modalities,
      description: r.description,
      firstReceivedAt: r.first_received_at.toISOString(),
      readRequestId: r.request_id,
      report: r.request_id ? await findSignedReport(q, r.request_id) : null,
    })),
  );
}
