import type { Queryable } from '../db/Db';
import { listHubReaders } from './worklist.repository';

export type OnCallDuty = 'urgent_read' | 'urgent_consult';

/** Who is on call for a duty of a hub at a time: user ids, alerted first (primary) and on escalation (backup). */
export interface OnCallAssignment {
  primary: string[];
  backup: string[];
}

/**
 * Whom the worklist alerts. The rota (scheduling, issue #6) provides the real one; until it is wired in, every reader
 * of the hub is on call.
 */
export interface OnCallDirectory {
  onCall(hubSiteId: string, duty: OnCallDuty, at: Date): Promise<OnCallAssignment>;
}

/** Every active neurologist and radiologist of the hub is primary; nobody is backup. */
export class HubStaffOnCall implements OnCallDirectory {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async onCall(hubSiteId: string): Promise<OnCallAssignment> {
    const readers = await listHubReaders(this.#db, [hubSiteId]);
    return { primary: readers.map((r) => r.id), backup: [] };
  }
}

/**
 * The rota's shift when one covers the time (scheduling, issue #6); every reader of the hub otherwise, or when the
 * rota cannot be read: an urgent read must alert someone.
 */
export class RotaOrHubStaff implements OnCallDirectory {
  readonly #rota: OnCallDirectory;
  readonly #fallback: OnCallDirectory;

  constructor(rota: OnCallDirectory, fallback: OnCallDirectory) {
    this.#rota = rota;
    this.#fallback = fallback;
  }

  async onCall(hubSiteId: string, duty: OnCallDuty, at: Date): Promise<OnCallAssignment> {
    const shift = await this.#rota.onCall(hubSiteId, duty, at).catch(() => null);
    return shift && shift.primary.length > 0 ? shift : this.#fallback.onCall(hubSiteId, duty, at);
  }
}
