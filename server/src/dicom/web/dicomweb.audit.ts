import type { Request } from 'express';
import { recordAudit, type AuditEvent } from '../../audit/audit.service';
import type { Principal } from '../../auth/access';
import type { Db } from '../../db/Db';

export type RetrieveKind = 'study' | 'series' | 'instance' | 'metadata' | 'frames' | 'rendered' | 'wado-uri';

/** The actor of an audit entry: the user, or the gateway token. */
function actorOf(principal: Principal): { actorType: 'user' | 'token'; actorId: string } {
  return principal.kind === 'user' ? { actorType: 'user', actorId: principal.id } : { actorType: 'token', actorId: principal.tokenId };
}

/**
 * A QIDO-RS query: the level, which attributes were matched on (their keywords, never the values, which may be a
 * patient's name or identifier) and how many results went out.
 */
/** Entries appended in one transaction at most. */
const MAX_BATCH = 256;

/**
 * Group commit for the audit chain. A viewer fetches hundreds of instances a second, one request each, and one
 * transaction per entry would make the chain's lock and the commit's flush the bottleneck. Entries that arrive
 * while a batch is being written wait for the next one; each batch is one transaction that appends its entries
 * in order through recordAudit(), so the chain is the same as with one call per entry. `append()` resolves once
 * the entry is committed: an answer never goes out before its audit entry is stored.
 */
export class AuditQueue {
  readonly #db: Db;
  #pending: Array<{ event: AuditEvent; resolve: () => void; reject: (err: unknown) => void }> = [];
  #flushing = false;

  constructor(db: Db) {
    this.#db = db;
  }

  append(event: AuditEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ event, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#pending.length) {
        const batch = this.#pending.splice(0, MAX_BATCH);
        try {
          await this.#db.transaction(async (tx) => {
            for (const { event } of batch) await recordAudit(tx, event);
          });
          for (const entry of batch) entry.resolve();
        } catch (err) {
          for (const entry of batch) entry.reject(err);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}

const queues = new WeakMap<Db, AuditQueue>();

/** The one queue of a database, shared by the QIDO and WADO routes so that their entries share batches. */
export function auditQueueOf(db: Db): AuditQueue {
  let queue = queues.get(db);
  if (!queue) queues.set(db, (queue = new AuditQueue(db)));
  return queue;
}

export function auditQuery(
  audit: AuditQueue,
  principal: Principal,
  ip: string | null,
  details: { level: 'study' | 'series' | 'instance'; studyUid?: string; seriesUid?: string; matchedOn: string[]; results: number },
): Promise<void> {
  return audit.append({
    ...actorOf(principal),
    action: 'dicom.query',
    resourceType: details.studyUid ? 'dicom_study' : null,
    resourceId: details.studyUid ?? null,
    siteId: principal.kind === 'token' ? principal.site.id : null,
    ip,
    details,
  });
}

/**
 * One retrieval (WADO-RS or WADO-URI): one entry per request, on the study's site, with the UIDs asked for and
 * the number of instances sent.
 */
export function auditRetrieve(
  audit: AuditQueue,
  principal: Principal,
  ip: string | null,
  details: { kind: RetrieveKind; siteId: string; studyUid: string; seriesUid?: string; sopInstanceUid?: string; instances: number; frames?: number[] },
): Promise<void> {
  const { siteId, studyUid, ...rest } = details;
  return audit.append({
    ...actorOf(principal),
    action: 'dicom.retrieve',
    resourceType: 'dicom_study',
    resourceId: studyUid,
    siteId,
    ip,
    details: rest,
  });
}

/**
 * The absolute base of this server's DICOMweb URLs as the client reached it, for RetrieveURL and BulkDataURI.
 * Behind a proxy, `TRUST_PROXY` makes Express read the forwarded protocol and host.
 */
export function dicomwebBase(req: Request): string {
  const host = req.get('host');
  // The Host header is the client's word: anything but a host name, an IP and a port is not echoed into answers.
  const safeHost = host && /^[A-Za-z0-9.[\]:-]{1,255}$/.test(host) ? host : 'localhost';
  return `${req.protocol}://${safeHost}/dicom-web`;
}
