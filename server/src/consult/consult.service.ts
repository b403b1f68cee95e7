import {
  AppError,
  type ConsultDto,
  type ConsultMessageDto,
  type ConsultOutcome,
  type ConsultStatus,
  type CreateConsultRequest,
  type JoinConsultDto,
  type ServerEvent,
  type SiteDto,
} from '@telestroke/shared';
import { recordAudit, recordUserAudit } from '../audit/audit.service';
import type { UserPrincipal } from '../auth/access';
import type { ServerConfig } from '../config';
import type { Db, Queryable } from '../db/Db';
import type { Logger } from '../logger';
import type { Audience, Notifier } from '../realtime/Notifier';
import { findSiteByCode } from '../sites/site.repository';
import type { IceSettings } from './ice';
import { roomJoin, tokenSecretOf } from './room-join';
import {
  canSeeConsult,
  isHubNeurologist,
  onCallAudience,
  participantAudience,
  participantSide,
  viewerAudience,
} from './consult.policy';
import {
  acceptConsult,
  cancelConsult,
  consultDto,
  endConsult,
  escalateWaiting,
  findConsult,
  insertConsult,
  insertMessage,
  listConsults,
  listMessages,
  recordJoin,
  studyOfSiteExists,
  type ConsultRow,
} from './consult.repository';
import type { Caller } from '../http/caller';

export type { Caller };

/** Where and how participants reach the consult's room on the SFU. */
export interface VideoSettings {
  /** The SFU's signaling WebSocket URL as browsers reach it. */
  sfuUrl: string;
  /** Key of the join tokens, shared with the SFU. Unset: joining answers 503 UNAVAILABLE. */
  tokenSecret?: string;
  /** Lifetime of a join token, in seconds. Default SFU_TOKEN_DEFAULT_TTL_SECONDS (120). */
  tokenTtlSeconds?: number;
  ice: IceSettings;
}

export function videoSettingsOf(config: ServerConfig): VideoSettings {
  return {
    sfuUrl: config.SFU_PUBLIC_URL,
    ...(config.SFU_TOKEN_SECRET ? { tokenSecret: config.SFU_TOKEN_SECRET } : {}),
    ice: {
      stunUrls: config.STUN_URLS,
      turnUrls: config.TURN_URLS,
      ...(config.TURN_SECRET ? { turnSecret: config.TURN_SECRET } : {}),
      turnTtlSeconds: config.TURN_CREDENTIAL_TTL_SECONDS,
    },
  };
}

export interface ConsultServiceOptions {
  db: Db;
  /** Pushes alerts and state changes to the browsers. */
  notifier: Notifier;
  video: VideoSettings;
  /** Where a failed audit of a pushed event is reported. Default: nowhere. */
  log?: Logger;
  /**
   * The hub's on-call neurologists at a time, from the rota (user ids): the primaries are alerted of a new consult, the
   * backups too when it escalates. Default, and when it fails or names nobody: every neurologist of the hub.
   */
  onCall?: (hubId: string, at: Date) => Promise<{ primary: string[]; backup: string[] }>;
}

export interface ListConsultsFilter {
  status?: ConsultStatus;
  /** Most consults returned. */
  limit: number;
}

/** The states in which the participants may join the room, and write in the chat. */
const JOINABLE: readonly ConsultStatus[] = ['accepted', 'in_call'];
const CHAT_OPEN: readonly ConsultStatus[] = ['requested', 'accepted', 'in_call'];

const NOT_FOUND = () => new AppError('NOT_FOUND', 'Consult not found');
const NOT_PARTICIPANT = () =>
  new AppError('FORBIDDEN', "Only the consult's participants (the requesting doctor and the accepting neurologist) can do this");

function stateError(status: ConsultStatus, wanted: string): AppError {
  const why: Record<ConsultStatus, string> = {
    requested: 'nobody has accepted it yet',
    accepted: 'it has been accepted',
    in_call: 'the call is in progress',
    ended: 'it has ended',
    cancelled: 'it was cancelled',
  };
  return new AppError('CONSULT_STATE', `The consult cannot be ${wanted}: ${why[status]}`, { status });
}

/**
 * The consult lifecycle: requested → accepted → in_call → ended, or requested → cancelled. Every change and every
 * read of a consult's data is audited with ids only (never the patient reference, the reason or the chat); state
 * changes are pushed to the users who see the consult, once committed.
 */
export class ConsultService {
  readonly #db: Db;
  readonly #notifier: Notifier;
  readonly #video: VideoSettings;
  readonly #log: Logger | undefined;
  readonly #onCall: ConsultServiceOptions['onCall'];

  constructor(options: ConsultServiceOptions) {
    this.#db = options.db;
    this.#onCall = options.onCall;
    this.#notifier = options.notifier;
    this.#video = options.video;
    this.#log = options.log?.child({ component: 'consults' });
    if (!this.#video.tokenSecret) this.#log?.warn('SFU_TOKEN_SECRET is unset: joining a consult answers 503 UNAVAILABLE');
  }

  /** Starts an urgent consult from one of the caller's own remote sites, and alerts the hub's neurologists. */
  async request({ user, ip }: Caller, input: CreateConsultRequest): Promise<ConsultDto> {
    const { siteCode, ...data } = input;
    const site = this.#requestingSite(user, siteCode);
    if (data.studyInstanceUid && !(await studyOfSiteExists(this.#db, data.studyInstanceUid, site.id))) {
      // The same answer whether the study is unknown or another site's: a study UID cannot be probed this way.
      throw new AppError('VALIDATION_FAILED', 'The request is not valid', [
        { path: 'studyInstanceUid', code: 'custom', message: `no study with this UID has been received from ${site.code}` },
      ]);
    }
    const hub = site.hubCode ? await findSiteByCode(this.#db, site.hubCode) : null;
    if (!hub) throw new AppError('UNPROCESSABLE', `Site ${site.code} is not attached to a hub`);
    const row = await this.#db.transaction(async (tx) => {
      const created = await insertConsult(tx, { ...data, siteId: site.id, hubId: hub.id, requestedBy: user.id });
      await this.#audit(tx, user, ip, 'consult.request', created, { kind: created.kind });
      return created;
    });
    const consult = consultDto(row);
    const alerted = onCallAudience(row, (await this.#onCallAt(row.hub_id, new Date())).primary);
    const viewers = viewerAudience(row);
    await this.#announce(user, ip, row, { type: 'consult.requested', consult }, alerted);
    await this.#announce(user, ip, row, { type: 'consult.updated', consult }, (u) => viewers(u) && !alerted(u));
    return consult;
  }

  /** The consults the caller sees, newest first. */
  async list({ user, ip }: Caller, filter: ListConsultsFilter): Promise<ConsultDto[]> {
    const rows = await listConsults(this.#db, { siteIds: user.sites.visible.map((s) => s.id), ...filter });
    await recordAudit(this.#db, {
      actorType: 'user',
      actorId: user.id,
      action: 'consult.list',
      resourceType: 'consult',
      ip,
      details: { status: filter.status ?? null, consultIds: rows.map((r) => r.id) },
    });
    return rows.map(consultDto);
  }

  async get({ user, ip }: Caller, id: string): Promise<ConsultDto> {
    const row = await this.#visible(this.#db, user, id);
    await this.#audit(this.#db, user, ip, 'consult.read', row);
    return consultDto(row);
  }

  /**
   * Takes the consult for the calling neurologist. Of concurrent accepts exactly one wins (the database decides);
   * the others get CONSULT_TAKEN, and everyone who sees the consult is told it was taken.
   */
  async accept({ user, ip }: Caller, id: string): Promise<ConsultDto> {
    const current = await this.#visible(this.#db, user, id);
    if (!isHubNeurologist(user, current.hub_id)) {
      throw new AppError('FORBIDDEN', "Only the neurologists of the consult's hub can accept it");
    }
    const row = await this.#db.transaction(async (tx) => {
      const accepted = await acceptConsult(tx, id, user.id);
      if (accepted) await this.#audit(tx, user, ip, 'consult.accept', accepted);
      return accepted;
    });
    if (!row) {
      const now = (await findConsult(this.#db, id)) ?? current;
      if (now.status === 'accepted' || now.status === 'in_call') {
        throw new AppError(
          'CONSULT_TAKEN',
          now.accepted_by === user.id ? 'You already accepted this consult' : 'Another neurologist accepted this consult first',
        );
      }
      throw stateError(now.status, 'accepted');
    }
    return this.#changed(user, ip, row);
  }

  /**
   * A join token for the consult's room, for a participant of an accepted or running consult. The first join of
   * each side is recorded; when both have joined, the call has begun (in_call).
   */
  async join({ user, ip }: Caller, id: string): Promise<JoinConsultDto> {
    const result = await this.#db.transaction(async (tx) => {
      const before = await this.#visible(tx, user, id, true);
      const side = participantSide(before, user.id);
      if (!side) throw NOT_PARTICIPANT();
      const secret = tokenSecretOf(this.#video);
      if (!JOINABLE.includes(before.status)) throw stateError(before.status, 'joined');
      const after = (await recordJoin(tx, id, side))!;
      const { join, claims } = roomJoin(this.#video, secret, user, id);
      await this.#audit(tx, user, ip, 'consult.join', after, { side, tokenId: claims.jti, expiresAt: claims.exp });
      return { before, after, join };
    });
    if (result.after.status !== result.before.status) await this.#changed(user, ip, result.after);
    return result.join;
  }

  /** Ends an accepted or running consult with its outcome; either participant may. */
  async end({ user, ip }: Caller, id: string, input: { outcome: ConsultOutcome; note?: string | undefined }): Promise<ConsultDto> {
    const row = await this.#db.transaction(async (tx) => {
      const before = await this.#visible(tx, user, id, true);
      if (!participantSide(before, user.id)) throw NOT_PARTICIPANT();
      const ended = await endConsult(tx, id, { userId: user.id, outcome: input.outcome, note: input.note || null });
      if (!ended) throw stateError(before.status, 'ended');
      await this.#audit(tx, user, ip, 'consult.end', ended, { outcome: input.outcome });
      return ended;
    });
    return this.#changed(user, ip, row);
  }

  /** Withdraws a consult nobody has accepted yet; the requester only. */
  async cancel({ user, ip }: Caller, id: string): Promise<ConsultDto> {
    const row = await this.#db.transaction(async (tx) => {
      const before = await this.#visible(tx, user, id, true);
      if (before.requested_by !== user.id) throw new AppError('FORBIDDEN', 'Only the doctor who requested the consult can cancel it');
      const cancelled = await cancelConsult(tx, id, user.id);
      if (!cancelled) throw stateError(before.status, 'cancelled');
      await this.#audit(tx, user, ip, 'consult.cancel', cancelled);
      return cancelled;
    });
    return this.#changed(user, ip, row);
  }

  /** The consult's chat, for its participants; every read is audited. */
  async messages({ user, ip }: Caller, id: string): Promise<ConsultMessageDto[]> {
    const row = await this.#visible(this.#db, user, id);
    if (!participantSide(row, user.id)) throw NOT_PARTICIPANT();
    const messages = await listMessages(this.#db, id);
    await this.#audit(this.#db, user, ip, 'consult.message.read', row, { messages: messages.length });
    return messages;
  }

  /** Adds a chat message while the consult is open, and pushes it to the participants. */
  async postMessage({ user, ip }: Caller, id: string, text: string): Promise<ConsultMessageDto> {
    const { row, message } = await this.#db.transaction(async (tx) => {
      // The row lock orders a message against a concurrent end: no message is added to an ended consult.
      const current = await this.#visible(tx, user, id, true);
      if (!participantSide(current, user.id)) throw NOT_PARTICIPANT();
      if (!CHAT_OPEN.includes(current.status)) throw stateError(current.status, 'written to');
      const inserted = await insertMessage(tx, { consultId: id, authorId: user.id, text });
      await this.#audit(tx, user, ip, 'consult.message.post', current, { messageId: inserted.id });
      return { row: current, message: inserted };
    });
    await this.#announce(user, ip, row, { type: 'consult.message', message }, participantAudience(row), {
      messageId: message.id,
    });
    return message;
  }

  /**
   * One pass of the deadline timer at `now`: each urgent consult that nobody has accepted `escalateMinutes` after its
   * request is escalated, once. Its alert goes out again, to the rota's primaries and backups, or to every neurologist
   * of the hub when the rota names no backup. Everyone else who sees the consult, the requesting ward doctor among
   * them, sees that it was escalated.
   */
  async checkDeadlines(now: Date, escalateMinutes: number): Promise<void> {
    const rows = await this.#db.transaction(async (tx) => {
      const escalated = await escalateWaiting(tx, now, escalateMinutes);
      for (const row of escalated) await this.#audit(tx, null, null, 'consult.escalate', row, { afterMinutes: escalateMinutes });
      return escalated;
    });
    for (const row of rows) {
      const consult = consultDto(row);
      const { primary, backup } = await this.#onCallAt(row.hub_id, now);
      const alerted = onCallAudience(row, backup.length > 0 ? [...primary, ...backup] : []);
      const viewers = viewerAudience(row);
      const others: Audience = (u) => viewers(u) && !alerted(u);
      await this.#announce(null, null, row, { type: 'consult.requested', consult }, alerted, { escalated: true });
      await this.#announce(null, null, row, { type: 'consult.updated', consult }, others, { escalated: true });
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** The rota's shift at `at`; nobody (everyone of the hub is alerted) when there is no rota or it fails. */
  async #onCallAt(hubId: string, at: Date): Promise<{ primary: string[]; backup: string[] }> {
    if (!this.#onCall) return { primary: [], backup: [] };
    try {
      return await this.#onCall(hubId, at);
    } catch (err) {
      // An urgent alert must go out: to the whole hub rather than to nobody.
      this.#log?.error({ err, hubId }, 'could not read the on-call rota: alerting every neurologist of the hub');
      return { primary: [], backup: [] };
    }
  }

  /** The consult, when it exists and the caller sees it; 404 otherwise, the same for both. */
  async #visible(q: Queryable, user: UserPrincipal, id: string, forUpdate = false): Promise<ConsultRow> {
    const row = await findConsult(q, id, forUpdate);
    if (!row || !canSeeConsult(user, row)) throw NOT_FOUND();
    return row;
  }

  #requestingSite(user: UserPrincipal, siteCode: string | undefined): SiteDto {
    const remote = user.sites.own.filter((s) => s.kind === 'remote');
    if (siteCode !== undefined) {
      const site = user.sites.own.find((s) => s.code === siteCode);
      // A site the caller does not belong to answers as if it did not exist, as everywhere else.
      if (!site) throw new AppError('NOT_FOUND', 'Site not found');
      if (site.kind !== 'remote') {
        throw new AppError('VALIDATION_FAILED', 'The request is not valid', [
          { path: 'siteCode', code: 'custom', message: 'consults are requested from a remote site, not from a hub' },
        ]);
      }
      return site;
    }
    if (remote.length === 1) return remote[0]!;
    if (remote.length === 0) throw new AppError('FORBIDDEN', 'Only the staff of a remote site can request a consult');
    throw new AppError('VALIDATION_FAILED', 'The request is not valid', [
      {
        path: 'siteCode',
        code: 'custom',
        message: `you belong to several remote sites: say which one (${remote.map((s) => s.code).join(', ')})`,
      },
    ]);
  }

  /** Audits an action on the consult, by `user`, or by the deadline timer when null. */
  #audit(
    q: Db | Queryable,
    user: UserPrincipal | null,
    ip: string | null,
    action: string,
    row: ConsultRow,
    details?: Record<string, unknown>,
  ): Promise<void> {
    const resource = { type: 'consult', id: row.id, siteId: row.site_id };
    if (user) return recordUserAudit(q, user, ip, action, resource, details);
    return recordAudit(q, {
      actorType: 'system',
      actorId: 'consult-deadlines',
      action,
      resourceType: resource.type,
      resourceId: resource.id,
      siteId: resource.siteId,
      ...(details ? { details } : {}),
    });
  }

  /** Tells everyone who sees the consult that it changed; returns its DTO. */
  async #changed(user: UserPrincipal, ip: string | null, row: ConsultRow): Promise<ConsultDto> {
    const consult = consultDto(row);
    await this.#announce(user, ip, row, { type: 'consult.updated', consult }, viewerAudience(row));
    return consult;
  }

  /**
   * Pushes an event and audits who received it, as sent by `user`, or by the deadline timer when null: an event carries
   * the consult's data, so delivering it is a read.
   * The change it announces is committed already, so a failure here is logged and never undoes nor fails it.
   */
  async #announce(
    user: UserPrincipal | null,
    ip: string | null,
    row: ConsultRow,
    event: ServerEvent,
    to: Audience,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.#notifier.publishAudited(
      event,
      to,
      (recipients) => this.#audit(this.#db, user, ip, 'consult.notify', row, { event: event.type, recipients, ...details }),
      { consultId: row.id },
    );
  }
}
