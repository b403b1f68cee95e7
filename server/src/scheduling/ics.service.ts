import { AppError, type IcsFeedDto } from '@telestroke/shared';
import { recordAudit } from '../audit/audit.service';
import { randomToken, sha256Hex } from '../auth/secrets';
import type { Db } from '../db/Db';
import { renderIcs } from './ics';
import type { Caller } from './scheduling.service';
import { listBookingsOf } from './scheduling.repository';

/** How far back the feed keeps events, so that calendar clients see recent cancellations. */
const FEED_PAST_DAYS = 30;
/** The secret is the whole credential of the feed URL: 32 random bytes, base64url. */
export const ICS_FILE = /^([A-Za-z0-9_-]{43})\.ics$/;

/**
 * Each user's iCalendar feed, behind a secret URL that calendar apps fetch without a cookie. The secret is stored
 * as a SHA-256 only (like API tokens); creating a new one revokes the previous, revoking makes the URL answer 404.
 */
export class IcsFeedService {
  readonly #db: Db;
  readonly #now: () => Date;

  constructor(options: { db: Db; now?: () => Date }) {
    this.#db = options.db;
    this.#now = options.now ?? (() => new Date());
  }

  async status({ user }: Caller): Promise<IcsFeedDto> {
    const { rows } = await this.#db.query<{ created_at: Date }>(
      'SELECT created_at FROM ics_feeds WHERE user_id = $1 AND revoked_at IS NULL',
      [user.id],
    );
    return { active: rows.length > 0, createdAt: rows[0]?.created_at.toISOString() ?? null };
  }

  /** A new secret URL (path only: the client knows its origin); the previous one stops working. */
  async create({ user, ip }: Caller): Promise<IcsFeedDto> {
    const secret = randomToken();
    const created = await this.#db.transaction(async (tx) => {
      await tx.query('UPDATE ics_feeds SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [user.id]);
      const { rows } = await tx.query<{ id: string; created_at: Date }>(
        'INSERT INTO ics_feeds (user_id, secret_hash) VALUES ($1, $2) RETURNING id, created_at',
        [user.id, sha256Hex(secret)],
      );
      await recordAudit(tx, { actorType: 'user', actorId: user.id, action: 'ics.create', resourceType: 'ics_feed', resourceId: rows[0]!.id, ip });
      return rows[0]!;
    });
    return { active: true, createdAt: created.created_at.toISOString(), url: `/ics/${secret}.ics` };
  }

  async revoke({ user, ip }: Caller): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        'UPDATE ics_feeds SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id',
        [user.id],
      );
      if (!rows[0]) throw new AppError('NOT_FOUND', 'No active calendar feed');
      await recordAudit(tx, { actorType: 'user', actorId: user.id, action: 'ics.revoke', resourceType: 'ics_feed', resourceId: rows[0].id, ip });
    });
  }

  /** The feed behind a secret, or null when the secret is unknown or revoked. */
  async feed(secret: string, ip: string | null): Promise<string | null> {
    const { rows } = await this.#db.query<{ id: string; user_id: string; name: string }>(
      `SELECT f.id, f.user_id, u.name FROM ics_feeds f JOIN users u ON u.id = f.user_id
        WHERE f.secret_hash = $1 AND f.revoked_at IS NULL AND u.disabled_at IS NULL`,
      [sha256Hex(secret)],
    );
    const feed = rows[0];
    if (!feed) return null;
    const now = this.#now();
    const bookings = await listBookingsOf(this.#db, feed.user_id, new Date(now.getTime() - FEED_PAST_DAYS * 86_400_000));
    await recordAudit(this.#db, {
      actorType: 'user',
      actorId: feed.user_id,
      action: 'ics.read',
      resourceType: 'ics_feed',
      resourceId: feed.id,
      ip,
      details: { bookingIds: bookings.map((b) => b.id) },
    });
    return renderIcs(bookings, { calendarName: `Télé-AVC — ${feed.name}`, now });
  }
}
