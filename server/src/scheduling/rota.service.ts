import {
  AppError,
  localDateTimeToUtc,
  ROTA_DUTIES,
  ROTA_GAP_HORIZON_DAYS,
  type CreateRotaShiftRequest,
  type RotaDuty,
  type RotaGapDto,
  type RotaShiftDto,
  type SiteDto,
} from '@telestroke/shared';
import { recordUserAudit } from '../audit/audit.service';
import { canSeeSite, type UserPrincipal } from '../auth/access';
import { PG_EXCLUSION_VIOLATION, pgErrorCode, type Db, type Queryable } from '../db/Db';
import { findSiteByCode } from '../sites/site.repository';
import { subtractIntervals } from './availability';
import type { Caller } from './scheduling.service';
import { findPerson } from './scheduling.repository';

/** Who is on call for a duty at a hub at one instant (user ids; empty when no shift covers it). */
export interface OnCall {
  primary: string[];
  backup: string[];
}

/** What the consult and worklist alerts need of the rota. */
export interface OnCallLookup {
  onCall(hubSiteId: string, duty: RotaDuty, at: Date): Promise<OnCall>;
}

/** The roles that may hold each duty. */
const DUTY_ROLES: Record<RotaDuty, readonly string[]> = {
  urgent_consult: ['neurologist'],
  urgent_read: ['radiologist', 'neurologist'],
};

interface ShiftRow {
  id: string;
  hub_code: string;
  duty: RotaDuty;
  starts_at: Date;
  ends_at: Date;
  primary_id: string;
  primary_name: string;
  backup_id: string | null;
  backup_name: string | null;
}

const SELECT_SHIFT = (r: string) => `
  SELECT r.id, h.code AS hub_code, r.duty, lower(r.during) AS starts_at, upper(r.during) AS ends_at,
         r.primary_id, pu.name AS primary_name, r.backup_id, bu.name AS backup_name
    FROM ${r} r JOIN sites h ON h.id = r.hub_id JOIN users pu ON pu.id = r.primary_id LEFT JOIN users bu ON bu.id = r.backup_id`;

function shiftDto(r: ShiftRow): RotaShiftDto {
  return {
    id: r.id,
    hubCode: r.hub_code,
    duty: r.duty,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    primary: { id: r.primary_id, name: r.primary_name },
    backup: r.backup_id ? { id: r.backup_id, name: r.backup_name ?? '' } : null,
  };
}

const DAY = 86_400_000;

/**
 * The on-call rota: per hub and duty, one shift at a time (an exclusion constraint), each with a primary and an
 * optional backup. Shifts are entered in Paris wall-clock time and stored as instants.
 */
export class RotaService implements OnCallLookup {
  readonly #db: Db;
  readonly #now: () => Date;

  constructor(options: { db: Db; now?: () => Date }) {
    this.#db = options.db;
    this.#now = options.now ?? (() => new Date());
  }

  async onCall(hubSiteId: string, duty: RotaDuty, at: Date): Promise<OnCall> {
    const { rows } = await this.#db.query<{ primary_id: string; backup_id: string | null }>(
      `SELECT r.primary_id, r.backup_id FROM rota_shifts r
         JOIN users pu ON pu.id = r.primary_id AND pu.disabled_at IS NULL
        WHERE r.hub_id = $1 AND r.duty = $2 AND r.during @> $3::timestamptz`,
      [hubSiteId, duty, at],
    );
    return {
      primary: rows.map((r) => r.primary_id),
      backup: rows.flatMap((r) => (r.backup_id ? [r.backup_id] : [])),
    };
  }

  async list({ user }: Caller, query: { hubCode?: string | undefined; from?: string | undefined; to?: string | undefined }): Promise<RotaShiftDto[]> {
    const hubs = await this.#hubs(user, query.hubCode);
    const from = query.from ? new Date(query.from) : this.#now();
    const to = query.to ? new Date(query.to) : new Date(from.getTime() + ROTA_GAP_HORIZON_DAYS * DAY);
    return (await this.#shifts(this.#db, hubs.map((h) => h.id), from, to)).map(shiftDto);
  }

  async addShift({ user, ip }: Caller, input: CreateRotaShiftRequest): Promise<RotaShiftDto> {
    const [hub] = await this.#hubs(user, input.hubCode);
    const startsAt = localDateTimeToUtc(input.startsAtLocal);
    const endsAt = localDateTimeToUtc(input.endsAtLocal);
    if (endsAt <= startsAt) throw new AppError('SLOT_EMPTY', 'The shift ends before or when it starts');
    for (const [field, id] of [['primaryId', input.primaryId], ['backupId', input.backupId]] as const) {
      if (!id) continue;
      const person = await findPerson(this.#db, id);
      if (!person || !DUTY_ROLES[input.duty].includes(person.role) || !person.hub_ids.includes(hub!.id)) {
        throw new AppError('UNKNOWN_PERSON', `No ${DUTY_ROLES[input.duty].join(' or ')} of ${hub!.code} has this id`, { field });
      }
    }
    if (input.backupId === input.primaryId) {
      throw new AppError('VALIDATION_FAILED', 'The request is not valid', [
        { path: 'backupId', code: 'custom', message: 'the backup must be someone else than the primary' },
      ]);
    }
    try {
      return await this.#db.transaction(async (tx) => {
        const { rows } = await tx.query<ShiftRow>(
          `WITH r AS (
             INSERT INTO rota_shifts (hub_id, duty, during, primary_id, backup_id, created_by)
             VALUES ($1, $2, tstzrange($3, $4, '[)'), $5, $6, $7) RETURNING *)
           ${SELECT_SHIFT('r')}`,
          [hub!.id, input.duty, startsAt, endsAt, input.primaryId, input.backupId ?? null, user.id],
        );
        const shift = rows[0]!;
        await recordUserAudit(tx, user, ip, 'rota.shift.create', { type: 'rota_shift', id: shift.id, siteId: hub!.id }, {
          duty: input.duty,
        });
        return shiftDto(shift);
      });
    } catch (err) {
      if (pgErrorCode(err) === PG_EXCLUSION_VIOLATION) {
        throw new AppError('SLOT_OVERLAP', `This shift overlaps another ${input.duty} shift of ${hub!.code}`);
      }
      throw err;
    }
  }

  async removeShift({ user, ip }: Caller, id: string): Promise<void> {
    const { rows } = await this.#db.query<{ hub_id: string }>('SELECT hub_id FROM rota_shifts WHERE id = $1', [id]);
    const hubId = rows[0]?.hub_id;
    if (!hubId || !canSeeSite(user, hubId)) throw new AppError('NOT_FOUND', 'Shift not found');
    await this.#db.transaction(async (tx) => {
      await tx.query('DELETE FROM rota_shifts WHERE id = $1', [id]);
      await recordUserAudit(tx, user, ip, 'rota.shift.delete', { type: 'rota_shift', id, siteId: hubId });
    });
  }

  /** The times over the next ROTA_GAP_HORIZON_DAYS days when a duty of a visible hub has nobody on call. */
  async gaps({ user }: Caller, hubCode?: string): Promise<RotaGapDto[]> {
    const hubs = await this.#hubs(user, hubCode);
    const from = this.#now();
    const to = new Date(from.getTime() + ROTA_GAP_HORIZON_DAYS * DAY);
    const shifts = await this.#shifts(this.#db, hubs.map((h) => h.id), from, to);
    const gaps: RotaGapDto[] = [];
    for (const hub of hubs) {
      for (const duty of ROTA_DUTIES) {
        const covered = shifts
          .filter((s) => s.hub_code === hub.code && s.duty === duty)
          .map((s) => ({ start: s.starts_at.getTime(), end: s.ends_at.getTime() }));
        for (const g of subtractIntervals([{ start: from.getTime(), end: to.getTime() }], covered)) {
          gaps.push({ hubCode: hub.code, duty, startsAt: new Date(g.start).toISOString(), endsAt: new Date(g.end).toISOString() });
        }
      }
    }
    return gaps.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.hubCode.localeCompare(b.hubCode));
  }

  async #shifts(q: Queryable, hubIds: string[], from: Date, to: Date): Promise<ShiftRow[]> {
    const { rows } = await q.query<ShiftRow>(
      `${SELECT_SHIFT('rota_shifts')} WHERE r.hub_id = ANY($1::uuid[]) AND r.during && tstzrange($2, $3, '[)')
        ORDER BY lower(r.during), h.code, r.duty`,
      [hubIds, from, to],
    );
    return rows;
  }

  /** The visible hubs, or the one named; a hub out of scope answers as if it did not exist. */
  async #hubs(user: UserPrincipal, hubCode: string | undefined): Promise<SiteDto[]> {
    if (hubCode === undefined) return user.sites.visible.filter((s) => s.kind === 'hub');
    const hub = await findSiteByCode(this.#db, hubCode);
    if (!hub || !canSeeSite(user, hub.id)) throw new AppError('NOT_FOUND', 'Site not found');
    if (hub.kind !== 'hub') {
      throw new AppError('VALIDATION_FAILED', 'The request is not valid', [
        { path: 'hubCode', code: 'custom', message: 'the rota belongs to a hub, not to a remote site' },
      ]);
    }
    return [hub];
  }
}
