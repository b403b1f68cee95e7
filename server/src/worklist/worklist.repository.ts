import {
  aspectsScore,
  type AddendumDto,
  type ReadPriority,
  type ReadRequestDto,
  type ReadStatus,
  type Recommendation,
  type ReportDraftDto,
  type SignedReportDto,
  type StrokeFindings,
  type StrokeFindingsDraft,
} from '@telestroke/shared';
import type { Queryable } from '../db/Db';

/** A read request as stored, with what its DTO shows of the study, the sites, the reader and the signed report. */
export interface ReadRequestRow {
  id: string;
  study_id: string;
  site_id: string;
  hub_id: string;
  status: ReadStatus;
  priority: ReadPriority;
  consult_id: string | null;
  created_at: Date;
  first_image_at: Date;
  sla_due_at: Date;
  ready_at: Date | null;
  escalated_at: Date | null;
  sla_breached_at: Date | null;
  claimed_by: string | null;
  claimed_at: Date | null;
  reported_at: Date | null;
  site_code: string;
  site_name: string;
  hub_code: string;
  study_uid: string;
  modalities: string[];
  description: string | null;
  num_instances: number;
  num_series: number;
  patient_id: string | null;
  claimed_by_name: string | null;
  signed_by: string | null;
  signed_by_name: string | null;
  signed_at: Date | null;
  aspects_score: number | null;
  recommendation: Recommendation | null;
  addendum_count: number;
}

/** Selects a ReadRequestRow from `r`, a relation with the columns of `read_requests`. */
const SELECT_FROM = (r: string) => `
  SELECT r.id, r.study_id, r.site_id, r.hub_id, r.status, r.priority, r.consult_id, r.created_at, r.first_image_at,
         r.sla_due_at, r.ready_at, r.escalated_at, r.sla_breached_at, r.claimed_by, r.claimed_at, r.reported_at,
         s.code AS site_code, s.name AS site_name, h.code AS hub_code,
         st.study_uid, st.modalities, st.description, st.num_instances, st.num_series, p.patient_id,
         cu.name AS claimed_by_name,
         rep.signed_by, su.name AS signed_by_name, rep.signed_at, rep.aspects_score,
         rep.findings->>'recommendation' AS recommendation,
         (SELECT count(*)::int FROM read_report_addenda a WHERE a.request_id = r.id) AS addendum_count
    FROM ${r} r
    JOIN sites s ON s.id = r.site_id
    JOIN sites h ON h.id = r.hub_id
    JOIN dicom_studies st ON st.id = r.study_id
    JOIN dicom_patients p ON p.id = st.patient_ref
    LEFT JOIN users cu ON cu.id = r.claimed_by
    LEFT JOIN read_reports rep ON rep.request_id = r.id AND rep.signed_at IS NOT NULL
    LEFT JOIN users su ON su.id = rep.signed_by`;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function readRequestDto(r: ReadRequestRow): ReadRequestDto {
  return {
    id: r.id,
    status: r.status,
    priority: r.priority,
    siteCode: r.site_code,
    siteName: r.site_name,
    hubCode: r.hub_code,
    studyInstanceUid: r.study_uid,
    studyId: r.study_id,
    modalities: r.modalities,
    description: r.description,
    instanceCount: r.num_instances,
    seriesCount: r.num_series,
    patientRef: r.patient_id || null,
    createdAt: r.created_at.toISOString(),
    firstImageAt: r.first_image_at.toISOString(),
    slaDueAt: r.sla_due_at.toISOString(),
    escalatedAt: iso(r.escalated_at),
    slaBreached: r.sla_breached_at !== null,
    claimedBy: r.claimed_by ? { id: r.claimed_by, name: r.claimed_by_name ?? '' } : null,
    claimedAt: iso(r.claimed_at),
    consultId: r.consult_id,
    report:
      r.signed_at && r.signed_by
        ? {
            signedBy: { id: r.signed_by, name: r.signed_by_name ?? '' },
            signedAt: r.signed_at.toISOString(),
            aspectsScore: r.aspects_score ?? 10,
            recommendation: r.recommendation ?? 'neither',
            addendumCount: r.addendum_count,
          }
        : null,
  };
}

/**
 * Creates the read requests of the given studies that come from a remote site and have none yet, attached to an open
 * consult of the same site and patient when there is one: its patient reference is the study's PatientID or
 * accession number, or its study link is the study itself. Returns the ids of the requests created: a study that
 * already has one (created by a concurrent call) or that comes from a hub is skipped.
 *
 * `readyBefore`: a study whose last instance arrived before this is complete already (the catch-up of studies whose
 * arrival events were missed), its request starts ready.
 */
export async function insertReadRequests(
  q: Queryable,
  s: { studyIds?: string[]; receivedSince?: Date; slaMinutes: number; readyBefore?: Date },
): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO read_requests (study_id, site_id, hub_id, status, ready_at, consult_id, first_image_at, sla_due_at)
     SELECT st.id, st.site_id, site.hub_id,
            CASE WHEN st.last_received_at < $4::timestamptz THEN 'ready' ELSE 'arriving' END,
            CASE WHEN st.last_received_at < $4::timestamptz THEN now() END,
            (SELECT c.id FROM consults c
              WHERE c.site_id = st.site_id AND c.status IN ('requested', 'accepted', 'in_call')
                AND (c.study_instance_uid = st.study_uid OR c.patient_ref = p.patient_id
                     OR (st.accession_number <> '' AND c.patient_ref = st.accession_number))
              ORDER BY c.requested_at DESC LIMIT 1),
            st.first_received_at,
            st.first_received_at + make_interval(secs => $3::double precision * 60)
       FROM dicom_studies st
       JOIN sites site ON site.id = st.site_id AND site.kind = 'remote' AND site.hub_id IS NOT NULL
       JOIN dicom_patients p ON p.id = st.patient_ref
      WHERE ($1::uuid[] IS NULL OR st.id = ANY($1::uuid[]))
        AND ($2::timestamptz IS NULL OR st.first_received_at >= $2::timestamptz)
        AND NOT EXISTS (SELECT 1 FROM read_requests x WHERE x.study_id = st.id)
     ON CONFLICT (study_id) DO NOTHING
     RETURNING id`,
    [s.studyIds ?? null, s.receivedSince ?? null, s.slaMinutes, s.readyBefore ?? null],
  );
  return rows.map((r) => r.id);
}

/** One request; `forUpdate` locks its row until the transaction ends. */
export async function findReadRequest(q: Queryable, id: string, forUpdate = false): Promise<ReadRequestRow | null> {
  const { rows } = await q.query<ReadRequestRow>(`${SELECT_FROM('read_requests')} WHERE r.id = $1${forUpdate ? ' FOR UPDATE OF r' : ''}`, [id]);
  return rows[0] ?? null;
}

export async function findReadRequestsByIds(q: Queryable, ids: string[]): Promise<ReadRequestRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query<ReadRequestRow>(`${SELECT_FROM('read_requests')} WHERE r.id = ANY($1::uuid[])`, [ids]);
  return rows;
}

export async function findReadRequestByStudy(q: Queryable, studyId: string): Promise<ReadRequestRow | null> {
  const { rows } = await q.query<ReadRequestRow>(`${SELECT_FROM('read_requests')} WHERE r.study_id = $1`, [studyId]);
  return rows[0] ?? null;
}

/** The site a request belongs to, for the routes' access check. */
export async function findReadRequestSiteId(q: Queryable, id: string): Promise<string | null> {
  const { rows } = await q.query<{ site_id: string }>('SELECT site_id FROM read_requests WHERE id = $1', [id]);
  return rows[0]?.site_id ?? null;
}

/**
 * The requests of some sites: open ones first, most urgent first (priority, then the earliest SLA due), then reported
 * ones, newest first.
 */
export async function listReadRequests(
  q: Queryable,
  f: { siteIds: string[]; status?: ReadStatus; modality?: string; limit: number },
): Promise<ReadRequestRow[]> {
  const { rows } = await q.query<ReadRequestRow>(
    `${SELECT_FROM('read_requests')}
      WHERE r.site_id = ANY($1::uuid[]) AND ($2::text IS NULL OR r.status = $2) AND ($3::text IS NULL OR $3 = ANY(st.modalities))
      ORDER BY (r.status = 'reported'),
               CASE WHEN r.status <> 'reported' THEN r.priority END,
               CASE WHEN r.status <> 'reported' THEN r.sla_due_at END,
               r.reported_at DESC, r.id
      LIMIT $4`,
    [f.siteIds, f.status ?? null, f.modality ?? null, f.limit],
  );
  return rows;
}

/** The study went quiet: an arriving request becomes ready; a claimed one keeps its state and records it. */
export async function markStudyReady(q: Queryable, studyId: string): Promise<string | null> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE read_requests SET status = CASE WHEN status = 'arriving' THEN 'ready' ELSE status END, ready_at = now()
      WHERE study_id = $1 AND ready_at IS NULL RETURNING id`,
    [studyId],
  );
  return rows[0]?.id ?? null;
}

/**
 * Requests still arriving whose study received nothing since `before`: the arrival events that would have made them
 * ready were lost (a restart while images arrived).
 */
export async function markStaleArrivalsReady(q: Queryable, before: Date): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE read_requests r SET status = CASE WHEN r.status = 'arriving' THEN 'ready' ELSE r.status END, ready_at = now()
       FROM dicom_studies st
      WHERE st.id = r.study_id AND r.ready_at IS NULL AND r.status IN ('arriving', 'claimed')
        AND st.last_received_at < $1
      RETURNING r.id`,
    [before],
  );
  return rows.map((r) => r.id);
}

/**
 * Takes an open request for one reader. The condition `claimed_by IS NULL` is the concurrency control: of concurrent
 * claims the first to update the row wins; the others wait for its commit, re-read the row and match nothing.
 */
export async function claimReadRequest(q: Queryable, id: string, userId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE read_requests SET status = 'claimed', claimed_by = $2, claimed_at = now()
      WHERE id = $1 AND claimed_by IS NULL AND status IN ('arriving', 'ready')`,
    [id, userId],
  );
  return rowCount === 1;
}

/** Gives a claimed request back to the worklist; only its reader can. */
export async function releaseReadRequest(q: Queryable, id: string, userId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE read_requests SET status = CASE WHEN ready_at IS NULL THEN 'arriving' ELSE 'ready' END,
            claimed_by = NULL, claimed_at = NULL
      WHERE id = $1 AND status = 'claimed' AND claimed_by = $2`,
    [id, userId],
  );
  return rowCount === 1;
}

/** Hands a request not yet reported to another reader, whoever held it (`from`: the reader the caller saw, or null). */
export async function reassignReadRequest(q: Queryable, id: string, from: string | null, to: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE read_requests SET status = 'claimed', claimed_by = $3, claimed_at = now()
      WHERE id = $1 AND status IN ('arriving', 'ready', 'claimed') AND claimed_by IS NOT DISTINCT FROM $2`,
    [id, from, to],
  );
  return rowCount === 1;
}

/** Marks requests unclaimed `minutes` after their first image as escalated, once. */
export async function escalateUnclaimed(q: Queryable, now: Date, minutes: number): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE read_requests SET escalated_at = $1
      WHERE status IN ('arriving', 'ready') AND escalated_at IS NULL
        AND first_image_at <= $1::timestamptz - make_interval(secs => $2::double precision * 60)
      RETURNING id`,
    [now, minutes],
  );
  return rows.map((r) => r.id);
}

/** Marks the requests not reported by their SLA due time as breached, once. */
export async function markSlaBreaches(q: Queryable, now: Date): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE read_requests SET sla_breached_at = $1
      WHERE status <> 'reported' AND sla_breached_at IS NULL AND sla_due_at <= $1 RETURNING id`,
    [now],
  );
  return rows.map((r) => r.id);
}

/** Attaches open requests to a consult of their patient started after the study arrived. */
export async function attachLateConsults(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE read_requests r SET consult_id = c.id
       FROM dicom_studies st, dicom_patients p, consults c
      WHERE r.consult_id IS NULL AND r.status <> 'reported' AND st.id = r.study_id AND p.id = st.patient_ref
        AND c.site_id = r.site_id AND c.status IN ('requested', 'accepted', 'in_call')
        AND (c.study_instance_uid = st.study_uid OR c.patient_ref = p.patient_id
             OR (st.accession_number <> '' AND c.patient_ref = st.accession_number))
      RETURNING r.id`,
  );
  return [...new Set(rows.map((r) => r.id))];
}

// --- Readers ---------------------------------------------------------------------------------------------------------

export interface ReaderRow {
  id: string;
  name: string;
  role: 'neurologist' | 'radiologist';
  hub_id: string;
  hub_code: string;
}

/** The active neurologists and radiologists who belong to some hubs. */
export async function listHubReaders(q: Queryable, hubIds: string[]): Promise<ReaderRow[]> {
  const { rows } = await q.query<ReaderRow>(
    `SELECT u.id, u.name, u.role, s.id AS hub_id, s.code AS hub_code
       FROM users u JOIN user_sites us ON us.user_id = u.id JOIN sites s ON s.id = us.site_id
      WHERE us.site_id = ANY($1::uuid[]) AND s.kind = 'hub' AND u.role IN ('neurologist', 'radiologist')
        AND u.disabled_at IS NULL
      ORDER BY s.code, u.name, u.id`,
    [hubIds],
  );
  return rows;
}

// --- Reports ---------------------------------------------------------------------------------------------------------

interface ReportRow {
  request_id: string;
  author_id: string;
  author_name: string;
  findings: StrokeFindingsDraft;
  aspects_score: number;
  updated_at: Date;
  signed_by: string | null;
  signed_by_name: string | null;
  signed_at: Date | null;
}

const REPORT_SELECT = `
  SELECT rep.request_id, rep.author_id, au.name AS author_name, rep.findings, rep.aspects_score, rep.updated_at,
         rep.signed_by, su.name AS signed_by_name, rep.signed_at
    FROM read_reports rep JOIN users au ON au.id = rep.author_id LEFT JOIN users su ON su.id = rep.signed_by`;

export async function findReportDraft(q: Queryable, requestId: string): Promise<ReportDraftDto | null> {
  const { rows } = await q.query<ReportRow>(`${REPORT_SELECT} WHERE rep.request_id = $1 AND rep.signed_at IS NULL`, [requestId]);
  const r = rows[0];
  if (!r) return null;
  return {
    requestId: r.request_id,
    status: 'draft',
    findings: r.findings,
    aspectsScore: r.aspects_score,
    author: { id: r.author_id, name: r.author_name },
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function findSignedReport(q: Queryable, requestId: string): Promise<SignedReportDto | null> {
  const { rows } = await q.query<ReportRow>(`${REPORT_SELECT} WHERE rep.request_id = $1 AND rep.signed_at IS NOT NULL`, [requestId]);
  const r = rows[0];
  if (!r || !r.signed_at || !r.signed_by) return null;
  const { rows: addenda } = await q.query<{ id: string; text: string; signed_by: string; name: string; signed_at: Date }>(
    `SELECT a.id, a.text, a.signed_by, u.name, a.signed_at
       FROM read_report_addenda a JOIN users u ON u.id = a.signed_by
      WHERE a.request_id = $1 ORDER BY a.seq`,
    [requestId],
  );
  return {
    requestId: r.request_id,
    status: 'signed',
    findings: r.findings as StrokeFindings,
    aspectsScore: r.aspects_score,
    signedBy: { id: r.signed_by, name: r.signed_by_name ?? '' },
    signedAt: r.signed_at.toISOString(),
    addenda: addenda.map(
      (a): AddendumDto => ({ id: a.id, text: a.text, signedBy: { id: a.signed_by, name: a.name }, signedAt: a.signed_at.toISOString() }),
    ),
  };
}

/** Saves (replaces) the unsigned draft; false when the report is signed already. */
export async function saveReportDraft(q: Queryable, requestId: string, authorId: string, findings: StrokeFindingsDraft): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO read_reports (request_id, author_id, findings, aspects_score) VALUES ($1, $2, $3, $4)
     ON CONFLICT (request_id) DO UPDATE SET author_id = $2, findings = $3, aspects_score = $4, updated_at = now()
      WHERE read_reports.signed_at IS NULL`,
    [requestId, authorId, JSON.stringify(findings), aspectsScore(findings.aspects ?? {})],
  );
  return rowCount === 1;
}

/** Signs the findings, replacing any draft, and marks the request reported (late: SLA breached). */
export async function signReport(q: Queryable, requestId: string, userId: string, findings: StrokeFindings): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO read_reports (request_id, author_id, findings, aspects_score, signed_by, signed_at) VALUES ($1, $2, $3, $4, $2, now())
     ON CONFLICT (request_id) DO UPDATE SET author_id = $2, findings = $3, aspects_score = $4, updated_at = now(),
            signed_by = $2, signed_at = now()
      WHERE read_reports.signed_at IS NULL`,
    [requestId, userId, JSON.stringify(findings), aspectsScore(findings.aspects)],
  );
  if (rowCount !== 1) return false;
  await q.query(
    `UPDATE read_requests SET status = 'reported', reported_at = now(),
            sla_breached_at = CASE WHEN sla_breached_at IS NULL AND now() > sla_due_at THEN now() ELSE sla_breached_at END
      WHERE id = $1`,
    [requestId],
  );
  return true;
}

export async function insertAddendum(q: Queryable, requestId: string, userId: string, text: string): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    'INSERT INTO read_report_addenda (request_id, text, signed_by) VALUES ($1, $2, $3) RETURNING id',
    [requestId, text, userId],
  );
  return rows[0]!.id;
}
