import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../db/Db';

export type ActorType = 'user' | 'token' | 'system';

export interface AuditEvent {
  actorType: ActorType;
  /** User id, token id, or the name of the system component. */
  actorId: string | null;
  /** Dotted verb, e.g. `auth.login`, `token.create`, `study.read`. */
  action: string;
  resourceType?: string | null;
  resourceId?: string | null;
  siteId?: string | null;
  ip?: string | null;
  /** Ids and outcomes only: never patient names or identifiers. */
  details?: Record<string, unknown>;
}

interface ChainRow {
  seq: number;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  site_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);
// Serialises appends across connections and server nodes so that the chain never forks.
const AUDIT_LOCK_KEY = 7_262_002;

/** JSON with sorted keys at every depth: jsonb does not keep key order, the hash must not depend on it. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value instanceof Date ? value.toISOString() : value);
}

function rowHash(row: Omit<ChainRow, 'hash'>): string {
  const payload = canonical([
    row.seq,
    row.at,
    row.actor_type,
    row.actor_id,
    row.action,
    row.resource_type,
    row.resource_id,
    row.site_id,
    row.ip,
    row.details,
    row.prev_hash,
  ]);
  return createHash('sha256').update(payload).digest('hex');
}

async function appendLocked(q: Queryable, event: AuditEvent): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
  const { rows } = await q.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  );
  const row: Omit<ChainRow, 'hash'> = {
    seq: (rows[0]?.seq ?? 0) + 1,
    // Millisecond precision, so that the value read back from the database hashes the same.
    at: new Date(),
    actor_type: event.actorType,
    actor_id: event.actorId,
    action: event.action,
    resource_type: event.resourceType ?? null,
    resource_id: event.resourceId ?? null,
    site_id: event.siteId ?? null,
    ip: event.ip ?? null,
    details: event.details ?? {},
    prev_hash: rows[0]?.hash ?? GENESIS,
  };
  await q.query(
    `INSERT INTO audit_log (seq, at, actor_type, actor_id, action, resource_type, resource_id, site_id, ip, details,
       prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      row.seq,
      row.at.toISOString(),
      row.actor_type,
      row.actor_id,
      row.action,
      row.resource_type,
      row.resource_id,
      row.site_id,
      row.ip,
      JSON.stringify(row.details),
      row.prev_hash,
      rowHash(row),
    ],
  );
}

/**
 * Appends one entry to the audit chain. Pass the caller's transaction when the audited change happens in
 * one, so that the change and its audit entry commit or fail together.
 */
export async function recordAudit(db: Db | Queryable, event: AuditEvent): Promise<void> {
  if ('transaction' in db) {
    await db.transaction((tx) => appendLocked(tx, event));
  } else {
    await appendLocked(db, event);
  }
}

/** The record an audited action concerned: its kind, id and site. */
export interface AuditedRecord {
  type: string;
  id: string;
  siteId: string | null;
}

/** An entry for what a signed-in user did to one record, from the address `ip`. */
export function recordUserAudit(
  db: Db | Queryable,
  user: { id: string },
  ip: string | null,
  action: string,
  record: AuditedRecord,
  details?: Record<string, unknown>,
): Promise<void> {
  return recordAudit(db, {
    actorType: 'user',
    actorId: user.id,
    action,
    resourceType: record.type,
    resourceId: record.id,
    siteId: record.siteId,
    ip,
    ...(details ? { details } : {}),
  });
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** The first entry whose content, hash or position does not fit the chain. */
  firstBadSeq: number | null;
  reason: string | null;
}

/** Walks the whole chain in order, recomputing every hash. */
export async function verifyAuditChain(db: Queryable, batchSize = 5000): Promise<AuditVerification> {
  let expectedPrev = GENESIS;
  let expectedSeq = 1;
  let entries = 0;
  for (;;) {
    const { rows } = await db.query<ChainRow>(
      `SELECT seq, at, actor_type, actor_id, action, resource_type, resource_id, site_id, ip, details, prev_hash, hash
         FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [expectedSeq, batchSize],
    );
    for (const row of rows) {
      const bad = (reason: string): AuditVerification => ({ ok: false, entries, firstBadSeq: row.seq, reason });
      if (row.seq !== expectedSeq) return { ...bad(`entry ${expectedSeq} is missing`), firstBadSeq: expectedSeq };
      if (row.prev_hash !== expectedPrev) return bad('does not link to the previous entry');
      if (rowHash(row) !== row.hash) return bad('content does not match its hash');
      expectedPrev = row.hash;
      expectedSeq += 1;
      entries += 1;
    }
    if (rows.length < batchSize) return { ok: true, entries, firstBadSeq: null, reason: null };
  }
}
