import {
  AppError,
  type ReaderDto,
  type ReadRequestDetailDto,
  type ReadRequestDto,
  type ReadStatus,
  type ReportDraftDto,
  type ServerEvent,
  type SignedReportDto,
  type StrokeFindings,
  type StrokeFindingsDraft,
  type StudyEvent,
  type WorklistAlertReason,
  type WorklistQuery,
} from '@telestroke/shared';
import { recordAudit, recordUserAudit } from '../audit/audit.service';
import type { UserPrincipal } from '../auth/access';
import type { Db, Queryable } from '../db/Db';
import type { Audience, Notifier } from '../realtime/Notifier';
import type { OnCallDirectory } from './oncall';
import { renderReportPdf, type ReportLang } from './report.pdf';
import { canSeeRequest, isHubReader, usersAudience, viewerAudience } from './worklist.policy';
import {
  attachLateConsults,
  claimReadRequest,
  escalateUnclaimed,
  findReadRequest,
  findReadRequestByStudy,
  findReadRequestsByIds,
  findReportDraft,
  findSignedReport,
  insertAddendum,
  insertReadRequests,
  listHubReaders,
  listReadRequests,
  markSlaBreaches,
  markStaleArrivalsReady,
  markStudyReady,
  readRequestDto,
  reassignReadRequest,
  releaseReadRequest,
  saveReportDraft,
  signReport,
  type ReadRequestRow,
} from './worklist.repository';
import type { Caller } from '../http/caller';

export type { Caller };

export interface WorklistServiceOptions {
  db: Db;
  notifier: Notifier;
  /** Whom new, escalated and overdue requests alert. */
  onCall: OnCallDirectory;
  /** Minutes from the first image to the SLA due time (WORKLIST_SLA_MINUTES). */
  slaMinutes: number;
}

/** Shortest gap between two pushes of a request while its images arrive: the row's counts need no more. */
const ARRIVAL_PUSH_INTERVAL_MS = 1000;
/** The timer's catch-up looks this far back for studies that have no request (their arrival event was lost). */
const CATCH_UP_WINDOW_MS = 6 * 3600_000;

const NOT_FOUND = () => new AppError('NOT_FOUND', 'Read request not found');
const NOT_READER = () =>
  new AppError('FORBIDDEN', "Only the neurologists and radiologists of the request's hub can do this");

function notClaimedByYou(r: ReadRequestRow, userId: string): AppError {
  if (r.status === 'reported') return new AppError('REPORT_SIGNED', 'The report is signed: add an addendum instead');
  if (r.claimed_by && r.claimed_by !== userId) {
    return new AppError('NOT_CLAIMED_BY_YOU', 'Another reader holds this request', { claimedBy: r.claimed_by });
  }
  return new AppError('NOT_CLAIMED_BY_YOU', 'Claim the request first');
}

/**
 * The urgent-read worklist: read requests created from the remote sites' arriving studies, claimed by one reader of
 * the hub, answered with a signed structured report. Every change and every read is audited with ids only (never the
 * patient reference nor the findings); changes are pushed, once committed, to everyone who sees the request.
 */
export class WorklistService {
  readonly #db: Db;
  readonly #notifier: Notifier;
  readonly #onCall: OnCallDirectory;
  readonly #slaMinutes: number;
  readonly #lastArrivalPush = new Map<string, number>();

  constructor(options: WorklistServiceOptions) {
    this.#db = options.db;
    this.#notifier = options.notifier;
    this.#onCall = options.onCall;
    this.#slaMinutes = options.slaMinutes;
  }

  // --- Arrival events --------------------------------------------------------------------------------------------------

  /**
   * Follows a study's arrival: the first event of a remote site's study creates its request (any event does, should
   * the first have been lost), growing counts are pushed, and completion makes it ready. A hub's own study creates
   * nothing.
   */
  async onStudyEvent(e: StudyEvent): Promise<void> {
    const created = await this.#createFor({ studyIds: [e.studyId] });
    if (created.length > 0) return;
    if (e.type === 'study.complete') {
      this.#lastArrivalPush.delete(e.studyId);
      const id = await markStudyReady(this.#db, e.studyId);
      const row = id ? await findReadRequest(this.#db, id) : await findReadRequestByStudy(this.#db, e.studyId);
      if (row) await this.#pushUpdated([row]);
      return;
    }
    if (e.type === 'study.updated') {
      const last = this.#lastArrivalPush.get(e.studyId) ?? 0;
      if (Date.now() - last < ARRIVAL_PUSH_INTERVAL_MS) return;
      const row = await findReadRequestByStudy(this.#db, e.studyId);
      if (!row) return;
      this.#lastArrivalPush.set(e.studyId, Date.now());
      await this.#pushUpdated([row]);
    }
  }

  // --- Deadlines (called by the worklist's DeadlineTimer) --------------------------------------------------------------

  /**
   * One pass of the timer at `now`: creates the requests whose arrival event was lost, makes ready the ones whose
   * completion was lost, attaches consults started after their study, escalates requests unclaimed for
   * `escalateMinutes` to the backup on-call and marks SLA breaches. Each change is pushed; alerts go out once.
   */
  async checkDeadlines(now: Date, escalateMinutes: number, quietMs: number): Promise<void> {
    await this.#createFor({ receivedSince: new Date(now.getTime() - CATCH_UP_WINDOW_MS), readyBefore: new Date(now.getTime() - quietMs) });
    const changed = new Set([...(await markStaleArrivalsReady(this.#db, new Date(now.getTime() - quietMs))), ...(await attachLateConsults(this.#db))]);

    const escalated = await this.#db.transaction(async (tx) => {
      const ids = await escalateUnclaimed(tx, now, escalateMinutes);
      for (const id of ids) await this.#systemAudit(tx, 'worklist.escalate', id, { after: escalateMinutes });
      return ids;
    });
    const breached = await this.#db.transaction(async (tx) => {
      const ids = await markSlaBreaches(tx, now);
      for (const id of ids) await this.#systemAudit(tx, 'worklist.sla_breach', id);
      return ids;
    });
    for (const id of [...escalated, ...breached]) changed.add(id);
    if (changed.size === 0) return;

    const rows = new Map((await findReadRequestsByIds(this.#db, [...changed])).map((r) => [r.id, r]));
    await this.#pushUpdated([...rows.values()]);
    for (const id of escalated) {
      const row = rows.get(id);
      if (!row) continue;
      const { primary, backup } = await this.#onCall.onCall(row.hub_id, 'urgent_read', now);
      // Without a backup on the rota, the on-call readers are alerted again rather than nobody.
      await this.#alert(row, 'escalated', backup.length > 0 ? backup : primary);
    }
    for (const id of breached) {
      const row = rows.get(id);
      if (!row) continue;
      const { primary, backup } = await this.#onCall.onCall(row.hub_id, 'urgent_read', now);
      await this.#alert(row, 'sla_breached', [...primary, ...backup]);
    }
  }

  // --- Reading -------------------------------------------------------------------------------------------------------

  /** The requests the caller sees, open ones first and most urgent first. */
  async list({ user, ip }: Caller, query: WorklistQuery): Promise<ReadRequestDto[]> {
    let siteIds = user.sites.visible.map((s) => s.id);
    if (query.siteCode !== undefined) siteIds = user.sites.visible.filter((s) => s.code === query.siteCode).map((s) => s.id);
    const filter: { siteIds: string[]; limit: number; status?: ReadStatus; modality?: string } = { siteIds, limit: query.limit };
    if (query.status) filter.status = query.status;
    if (query.modality) filter.modality = query.modality;
    const rows = siteIds.length ? await listReadRequests(this.#db, filter) : [];
    await recordAudit(this.#db, {
      actorType: 'user',
      actorId: user.id,
      action: 'worklist.list',
      resourceType: 'read_request',
      ip,
      details: { status: query.status ?? null, siteCode: query.siteCode ?? null, requestIds: rows.map((r) => r.id) },
    });
    return rows.map(readRequestDto);
  }

  /** Opens one request: the request, its signed report, and the caller's draft while they hold the claim. Audited. */
  async open({ user, ip }: Caller, id: string): Promise<ReadRequestDetailDto> {
    const row = await this.#visible(this.#db, user, id);
    const report = await findSignedReport(this.#db, id);
    const draft = row.status === 'claimed' && row.claimed_by === user.id ? await findReportDraft(this.#db, id) : null;
    await this.#audit(this.#db, user, ip, 'worklist.open', row, { studyId: row.study_id });
    return { request: readRequestDto(row), report, draft };
  }

  /** The readers of the caller's hubs, to reassign a request to. */
  async readers({ user }: Caller): Promise<ReaderDto[]> {
    const hubs = user.sites.own.filter((s) => s.kind === 'hub').map((s) => s.id);
    if (hubs.length === 0) return [];
    return (await listHubReaders(this.#db, hubs)).map((r) => ({ id: r.id, name: r.name, role: r.role, hubCode: r.hub_code }));
  }

  // --- Claims ----------------------------------------------------------------------------------------------------------

  /**
   * Takes the request for the calling reader. Of concurrent claims exactly one wins (the database decides); the others
   * get ALREADY_CLAIMED.
   */
  async claim({ user, ip }: Caller, id: string): Promise<ReadRequestDto> {
    const current = await this.#visible(this.#db, user, id);
    if (!isHubReader(user, current)) throw NOT_READER();
    const won = await this.#db.transaction(async (tx) => {
      const ok = await claimReadRequest(tx, id, user.id);
      if (ok) await this.#audit(tx, user, ip, 'worklist.claim', current);
      return ok;
    });
    const row = (await findReadRequest(this.#db, id))!;
    if (!won) {
      if (row.status === 'reported') throw new AppError('READ_STATE', 'This request is reported already', { status: row.status });
      throw new AppError(
        'ALREADY_CLAIMED',
        row.claimed_by === user.id ? 'You already hold this request' : 'Another reader claimed this request first',
        { claimedBy: row.claimed_by },
      );
    }
    return this.#changed(row);
  }

  /** Gives the request back to the worklist (its reader only). The draft stays for the next reader. */
  async release({ user, ip }: Caller, id: string): Promise<ReadRequestDto> {
    await this.#db.transaction(async (tx) => {
      const current = await this.#visible(tx, user, id, true);
      if (!(await releaseReadRequest(tx, id, user.id))) throw notClaimedByYou(current, user.id);
      await this.#audit(tx, user, ip, 'worklist.release', current);
    });
    return this.#changed((await findReadRequest(this.#db, id))!);
  }

  /** Hands the request, claimed or not, to another reader of its hub (any reader of the hub may). */
  async reassign({ user, ip }: Caller, id: string, toUserId: string): Promise<ReadRequestDto> {
    const before = await this.#db.transaction(async (tx) => {
      const current = await this.#visible(tx, user, id, true);
      if (!isHubReader(user, current)) throw NOT_READER();
      if (current.status === 'reported') throw new AppError('READ_STATE', 'This request is reported already', { status: current.status });
      const readers = await listHubReaders(tx, [current.hub_id]);
      if (!readers.some((r) => r.id === toUserId)) {
        throw new AppError('VALIDATION_FAILED', 'The request is not valid', [
          { path: 'userId', code: 'custom', message: "not a neurologist or radiologist of the request's hub" },
        ]);
      }
      await reassignReadRequest(tx, id, current.claimed_by, toUserId);
      await this.#audit(tx, user, ip, 'worklist.reassign', current, { from: current.claimed_by, to: toUserId });
      return current;
    });
    const row = (await findReadRequest(this.#db, id))!;
    const dto = await this.#changed(row);
    if (before.claimed_by !== toUserId) await this.#alert(row, 'assigned', [toUserId]);
    return dto;
  }

  // --- Report ----------------------------------------------------------------------------------------------------------

  /** Saves the claimer's draft (replacing the previous one). Not pushed: only the claimer sees it. */
  async saveDraft({ user, ip }: Caller, id: string, findings: StrokeFindingsDraft): Promise<ReportDraftDto> {
    await this.#db.transaction(async (tx) => {
      const current = await this.#visible(tx, user, id, true);
      if (current.status !== 'claimed' || current.claimed_by !== user.id) throw notClaimedByYou(current, user.id);
      if (!(await saveReportDraft(tx, id, user.id, findings))) throw new AppError('REPORT_SIGNED', 'The report is signed');
      await this.#audit(tx, user, ip, 'worklist.report.draft', current);
    });
    return (await findReportDraft(this.#db, id))!;
  }

  /**
   * Signs the findings (the claimer): the report becomes immutable and the request reported. Pushed to everyone who
   * sees the request, the sending site's users among them, with the report.
   */
  async sign({ user, ip }: Caller, id: string, findings: StrokeFindings): Promise<SignedReportDto> {
    await this.#db.transaction(async (tx) => {
      const current = await this.#visible(tx, user, id, true);
      if (current.status !== 'claimed' || current.claimed_by !== user.id) throw notClaimedByYou(current, user.id);
      if (!(await signReport(tx, id, user.id, findings))) throw new AppError('REPORT_SIGNED', 'The report is signed');
      await this.#audit(tx, user, ip, 'worklist.report.sign', current);
    });
    return this.#reported(id);
  }

  /** Appends a correction to a signed report (a reader of the hub); pushed like the signature. */
  async addAddendum({ user, ip }: Caller, id: string, text: string): Promise<SignedReportDto> {
    await this.#db.transaction(async (tx) => {
      const current = await this.#visible(tx, user, id, true);
      if (!isHubReader(user, current)) throw NOT_READER();
      if (current.status !== 'reported') {
        throw new AppError('READ_STATE', 'An addendum corrects a signed report: sign the report first', { status: current.status });
      }
      const addendumId = await insertAddendum(tx, id, user.id, text);
      await this.#audit(tx, user, ip, 'worklist.report.addendum', current, { addendumId });
    });
    return this.#reported(id);
  }

  /** The signed report as a PDF. Audited like an open. */
  async pdf({ user, ip }: Caller, id: string, lang: ReportLang): Promise<{ pdf: Buffer; filename: string }> {
    const row = await this.#visible(this.#db, user, id);
    const report = await findSignedReport(this.#db, id);
    if (!report) throw new AppError('READ_STATE', 'The report is not signed yet', { status: row.status });
    const pdf = await renderReportPdf(readRequestDto(row), report, { lang });
    await this.#audit(this.#db, user, ip, 'worklist.report.pdf', row, { addenda: report.addenda.length });
    return { pdf, filename: `compte-rendu-${row.site_code}-${row.signed_at!.toISOString().slice(0, 10)}.pdf` };
  }

  // -------------------------------------------------------------------------------------------------------------------

  /** Creates the requests of some studies, audits and announces them: the viewers see them, the on-call is alerted. */
  async #createFor(s: { studyIds?: string[]; receivedSince?: Date; readyBefore?: Date }): Promise<string[]> {
    const ids = await this.#db.transaction(async (tx) => {
      const created = await insertReadRequests(tx, { ...s, slaMinutes: this.#slaMinutes });
      for (const id of created) await this.#systemAudit(tx, 'worklist.create', id);
      return created;
    });
    if (ids.length === 0) return ids;
    const rows = await findReadRequestsByIds(this.#db, ids);
    await this.#pushUpdated(rows);
    for (const row of rows) {
      const { primary } = await this.#onCall.onCall(row.hub_id, 'urgent_read', new Date());
      await this.#alert(row, 'new', primary);
    }
    return ids;
  }

  /** The request, when it exists and the caller sees it; 404 otherwise, the same for both. */
  async #visible(q: Queryable, user: UserPrincipal, id: string, forUpdate = false): Promise<ReadRequestRow> {
    const row = await findReadRequest(q, id, forUpdate);
    if (!row || !canSeeRequest(user, row)) throw NOT_FOUND();
    return row;
  }

  async #changed(row: ReadRequestRow): Promise<ReadRequestDto> {
    await this.#pushUpdated([row]);
    return readRequestDto(row);
  }

  async #reported(id: string): Promise<SignedReportDto> {
    const row = (await findReadRequest(this.#db, id))!;
    const report = (await findSignedReport(this.#db, id))!;
    const request = readRequestDto(row);
    await this.#push(row, { type: 'worklist.updated', request }, viewerAudience(row));
    await this.#push(row, { type: 'worklist.report', request, report }, viewerAudience(row));
    return report;
  }

  async #pushUpdated(rows: ReadRequestRow[]): Promise<void> {
    for (const row of rows) await this.#push(row, { type: 'worklist.updated', request: readRequestDto(row) }, viewerAudience(row));
  }

  async #alert(row: ReadRequestRow, reason: WorklistAlertReason, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.#push(row, { type: 'worklist.alert', reason, request: readRequestDto(row) }, usersAudience(row, userIds), { reason });
  }

  /**
   * Pushes an event and audits who received it: an event carries the request's data, so delivering it is a read. The
   * change it announces is committed already, so a failure here is logged and never undoes nor fails it.
   */
  async #push(row: ReadRequestRow, event: ServerEvent, to: Audience, details: Record<string, unknown> = {}): Promise<void> {
    await this.#notifier.publishAudited(
      event,
      to,
      (recipients) =>
        this.#systemAudit(this.#db, 'worklist.notify', row.id, { event: event.type, recipients, ...details }, row.site_id),
      { requestId: row.id },
    );
  }

  #audit(q: Queryable, user: UserPrincipal, ip: string | null, action: string, row: ReadRequestRow, details?: Record<string, unknown>) {
    return recordUserAudit(q, user, ip, action, { type: 'read_request', id: row.id, siteId: row.site_id }, details);
  }

  async #systemAudit(q: Queryable, action: string, requestId: string, details?: Record<string, unknown>, siteId?: string) {
    const site = siteId ?? (await q.query<{ site_id: string }>('SELECT site_id FROM read_requests WHERE id = $1', [requestId])).rows[0]?.site_id;
    await recordAudit(q, {
      actorType: 'system',
      actorId: 'worklist',
      action,
      resourceType: 'read_request',
      resourceId: requestId,
      siteId: site ?? null,
      ...(details ? { details } : {}),
    });
  }
}
