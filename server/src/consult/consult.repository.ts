import type { ConsultDto, ConsultMessageDto, ConsultOutcome, ConsultStatus, CreateConsultRequest, Role } from '@telestroke/shared';
import type { Queryable } from '../db/Db';

/** A consult as stored, with the codes and names its DTO shows. */
export interface ConsultRow {
  id: string;
  kind: 'urgent' | 'scheduled';
  status: ConsultStatus;
  site_id: string;
  hub_id: string;
  site_code: string;
  hub_code: string;
  patient_ref: string;
  age_years: number;
  sex: 'F' | 'M' | 'X';
  weight_kg: number;
  last_known_well_at: Date;
  reason: string;
  study_instance_uid: string | null;
  requested_by: string;
  requested_by_name: string;
  accepted_by: string | null;
  accepted_by_name: string | null;
  requested_at: Date;
  accepted_at: Date | null;
  escalated_at: Date | null;
  requester_joined_at: Date | null;
  accepter_joined_at: Date | null;
  joined_at: Date | null;
  ended_at: Date | null;
  outcome: ConsultOutcome | null;
}

/** Selects a ConsultRow from `c`, a relation with the columns of `consults`. */
const SELECT_FROM = (c: string) => `
  SELECT c.id, c.kind, c.status, c.site_id, c.hub_id, s.code AS site_code, h.code AS hub_code, c.patient_ref,
         c.age_years, c.sex, c.weight_kg, c.last_known_well_at, c.reason, c.study_instance_uid,
         c.requested_by, ru.name AS requested_by_name, c.accepted_by, au.name AS accepted_by_name,
         c.requested_at, c.accepted_at, c.escalated_at, c.requester_joined_at, c.accepter_joined_at, c.joined_at,
         c.ended_at, c.outcome
    FROM ${c} c
    JOIN sites s ON s.id = c.site_id
    JOIN sites h ON h.id = c.hub_id
    JOIN users ru ON ru.id = c.requested_by
    LEFT JOIN users au ON au.id = c.accepted_by`;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function consultDto(r: ConsultRow): ConsultDto {
  return {
    id: r.id,
    status: r.status,
    kind: r.kind,
    siteCode: r.site_code,
    hubCode: r.hub_code,
    patientRef: r.patient_ref,
    ageYears: r.age_years,
    sex: r.sex,
    weightKg: r.weight_kg,
    lastKnownWellAt: r.last_known_well_at.toISOString(),
    reason: r.reason,
    studyInstanceUid: r.study_instance_uid,
    requestedBy: { id: r.requested_by, name: r.requested_by_name },
    acceptedBy: r.accepted_by ? { id: r.accepted_by, name: r.accepted_by_name ?? '' } : null,
    requestedAt: r.requested_at.toISOString(),
    acceptedAt: iso(r.accepted_at),
    escalatedAt: iso(r.escalated_at),
    joinedAt: iso(r.joined_at),
    endedAt: iso(r.ended_at),
    outcome: r.outcome,
  };
}

export async function insertConsult(
  q: Queryable,
  c: Omit<CreateConsultRequest, 'siteCode'> & { siteId: string; hubId: string; requestedBy: string },
): Promise<ConsultRow> {
  const { rows } = await q.query<ConsultRow>(
    `WITH c AS (
       INSERT INTO consults (kind, site_id, hub_id, patient_ref, age_years, sex, weight_kg, last_known_well_at, reason,
                             study_instance_uid, requested_by)
       VALUES ('urgent', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *)
     ${SELECT_FROM('c')}`,
    [
      c.siteId,
      c.hubId,
      c.patientRef,
      c.ageYears,
      c.sex,
      c.weightKg,
      c.lastKnownWellAt,
      c.reason,
      c.studyInstanceUid ?? null,
      c.requestedBy,
    ],
  );
  return rows[0]!;
}

/** One consult; `forUpdate` locks its row until the transaction ends. */
export async function findConsult(q: Queryable, id: string, forUpdate = false): Promise<ConsultRow | null> {
  const { rows } = await q.query<ConsultRow>(
    // The lock is taken on consults only: FOR UPDATE OF keeps the joined sites and users unlocked.
    `${SELECT_FROM('consults')} WHERE c.id = $1${forUpdate ? ' FOR UPDATE OF c' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

/** The site a consult belongs to, for the routes' access check. */
export async function findConsultSiteId(q: Queryable, id: string): Promise<string | null> {
  const { rows } = await q.query<{ site_id: string }>('SELECT site_id FROM consults WHERE id = $1', [id]);
  return rows[0]?.site_id ?? null;
}

/** The consults of some sites, newest first. */
export async function listConsults(
  q: Queryable,
  filter: { siteIds: string[]; status?: ConsultStatus; limit: number },
): Promise<ConsultRow[]> {
  const { rows } = await q.query<ConsultRow>(
    `${SELECT_FROM('consults')}
      WHERE c.site_id = ANY($1::uuid[]) AND ($2::text IS NULL OR c.status = $2)
      ORDER BY c.requested_at DESC, c.id
      LIMIT $3`,
    [filter.siteIds, filter.status ?? null, filter.limit],
  );
  return rows;
}

/**
 * Takes a requested consult for one neurologist. The condition on the status is the whole concurrency control: of
 * concurrent accepts, the first to update the row wins, and the others, re-reading the row once the winner
 * committed, match nothing. Null when the consult was not (or no longer) requested.
 */
export async function acceptConsult(q: Queryable, id: string, userId: string): Promise<ConsultRow | null> {
  const { rows } = await q.query<ConsultRow>(
    `WITH c AS (
       UPDATE consults SET status = 'accepted', accepted_by = $2, accepted_at = now()
        WHERE id = $1 AND status = 'requested' RETURNING *)
     ${SELECT_FROM('c')}`,
    [id, userId],
  );
  return rows[0] ?? null;
}

/**
 * Records a participant's join. The first join of each side is kept; when both sides have joined, the call begins
 * (`in_call`, joined_at). Only for an accepted or running consult: null otherwise.
 */
export async function recordJoin(q: Queryable, id: string, side: 'requester' | 'accepter'): Promise<ConsultRow | null> {
  const [mine, theirs] =
    side === 'requester' ? ['requester_joined_at', 'accepter_joined_at'] : ['accepter_joined_at', 'requester_joined_at'];
  // Every SET expression reads the row as it was: the call begins when the other side had already joined.
  const { rows } = await q.query<ConsultRow>(
    `WITH c AS (
       UPDATE consults SET
              ${mine} = coalesce(${mine}, now()),
              joined_at = CASE WHEN status = 'accepted' AND ${theirs} IS NOT NULL THEN now() ELSE joined_at END,
              status = CASE WHEN status = 'accepted' AND ${theirs} IS NOT NULL THEN 'in_call' ELSE status END
        WHERE id = $1 AND status IN ('accepted', 'in_call') RETURNING *)
     ${SELECT_FROM('c')}`,
    [id],
  );
  return rows[0] ?? null;
}

/** Ends an accepted or running consult. Null when it was in another state. */
export async function endConsult(
  q: Queryable,
  id: string,
  e: { userId: string; outcome: ConsultOutcome; note: string | null },
): Promise<ConsultRow | null> {
  const { rows } = await q.query<ConsultRow>(
    `WITH c AS (
       UPDATE consults SET status = 'ended', ended_at = now(), ended_by = $2, outcome = $3, note = $4
        WHERE id = $1 AND status IN ('accepted', 'in_call') RETURNING *)
     ${SELECT_FROM('c')}`,
    [id, e.userId, e.outcome, e.note],
  );
  return rows[0] ?? null;
}

/** Cancels a consult nobody has accepted yet. Null when it was in another state. */
export async function cancelConsult(q: Queryable, id: string, userId: string): Promise<ConsultRow | null> {
  const { rows } = await q.query<ConsultRow>(
    `WITH c AS (
       UPDATE consults SET status = 'cancelled', ended_at = now(), ended_by = $2
        WHERE id = $1 AND status = 'requested' RETURNING *)
     ${SELECT_FROM('c')}`,
    [id, userId],
  );
  return rows[0] ?? null;
}

/**
 * Marks as escalated, once, the urgent consults still waiting for a neurologist `minutes` after their request, as of
 * `now`. Returns them.
 */
export async function escalateWaiting(q: Queryable, now: Date, minutes: number): Promise<ConsultRow[]> {
  const { rows } = await q.query<ConsultRow>(
    `WITH c AS (
       UPDATE consults SET escalated_at = $1
        WHERE kind = 'urgent' AND status = 'requested' AND escalated_at IS NULL
          AND requested_at <= $1::timestamptz - make_interval(secs => $2::double precision * 60)
        RETURNING *)
     ${SELECT_FROM('c')}`,
    [now, minutes],
  );
  return rows;
}

/** Whether a study with this UID was received for this site. */
export async function studyOfSiteExists(q: Queryable, studyUid: string, siteId: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM dicom_studies WHERE study_uid = $1 AND site_id = $2', [studyUid, siteId]);
  return rows.length > 0;
}

interface MessageRow {
  id: string;
  consult_id: string;
  author_id: string;
  author_name: string;
  author_role: Role;
  text: string;
  sent_at: Date;
}

function messageDto(r: MessageRow): ConsultMessageDto {
  return {
    id: r.id,
    consultId: r.consult_id,
    author: { id: r.author_id, name: r.author_name, role: r.author_role },
    text: r.text,
    sentAt: r.sent_at.toISOString(),
  };
}

export async function insertMessage(
  q: Queryable,
  m: { consultId: string; authorId: string; text: string },
): Promise<ConsultMessageDto> {
  const { rows } = await q.query<MessageRow>(
    `WITH m AS (INSERT INTO consult_messages (consult_id, author_id, text) VALUES ($1, $2, $3) RETURNING *)
     SELECT m.id, m.consult_id, m.author_id, u.name AS author_name, u.role AS author_role, m.text, m.sent_at
       FROM m JOIN users u ON u.id = m.author_id`,
    [m.consultId, m.authorId, m.text],
  );
  return messageDto(rows[0]!);
}

/** The consult's chat, oldest first. */
export async function listMessages(q: Queryable, consultId: string): Promise<ConsultMessageDto[]> {
  const { rows } = await q.query<MessageRow>(
    `SELECT m.id, m.consult_id, m.author_id, u.name AS author_name, u.role AS author_role, m.text, m.sent_at
       FROM consult_messages m JOIN users u ON u.id = m.author_id
      WHERE m.consult_id = $1 ORDER BY m.seq`,
    [consultId],
  );
  return rows.map(messageDto);
}
