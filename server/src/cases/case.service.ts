import {
  AppError,
  isValidNihssValue,
  type AddCaseEventRequest,
  type CaseDecisionRequest,
  type CaseMessageDto,
  type CaseRecordDto,
  type CaseUpdateReason,
  type NihssAssessmentDto,
  type NihssItemId,
  type NihssValue,
  type ServerEvent,
  type ThrombolysisOrderDto,
  type TransferPacketDto,
  type TransferRequest,
} from '@telestroke/shared';
import { recordUserAudit } from '../audit/audit.service';
import type { UserPrincipal } from '../auth/access';
import type { Db, Queryable } from '../db/Db';
import type { Audience, Notifier } from '../realtime/Notifier';
import { canSeeConsult, isHubNeurologist, participantAudience, participantSide, viewerAudience } from '../consult/consult.policy';
import { consultDto, findConsult, type ConsultRow } from '../consult/consult.repository';
import type { Caller } from '../consult/consult.service';
import {
  acknowledgeTransfer,
  assessmentOfCase,
  ensureCaseForConsult,
  findCase,
  findTransfer,
  hasCaseEvent,
  insertAssessment,
  insertCaseEvent,
  insertCaseMessage,
  insertDecision,
  insertTransfer,
  latestDecision,
  listAssessments,
  listCaseMessages,
  listCaseStudies,
  listTimeline,
  lockCase,
  setCaseIns,
  setNihssItem,
  transferDto,
  type CaseRow,
} from './case.repository';
import { renderCaseSummaryPdf, type CaseSummaryLang } from './case.pdf';

export interface CaseServiceOptions {
  db: Db;
  notifier: Notifier;
  /**
   * The case's thrombolysis orders, oldest first (server/src/thrombolysis owns them; app.ts passes its listOrders).
   * Default: none.
   */
  thrombolysisOrders?: (q: Queryable, caseId: string) => Promise<ThrombolysisOrderDto[]>;
}

const NOT_FOUND = () => new AppError('NOT_FOUND', 'Case not found');
const NOT_PARTICIPANT = () =>
  new AppError('FORBIDDEN', "Only the consult's participants (the requesting doctor and the accepting neurologist) can do this");

interface Visible {
  kase: CaseRow;
  consult: ConsultRow;
}

/**
 * The stroke case record. Who sees the consult sees the case (consult policy, reused); its participants score the
 * NIHSS, decide, transfer and use the message thread; a neurologist of the receiving CHU acknowledges a transfer.
 * Every read and change is audited with ids only (never the patient reference, notes or messages); changes are pushed
 * once committed.
 */
export class CaseService {
  readonly #db: Db;
  readonly #notifier: Notifier;
  readonly #orders: NonNullable<CaseServiceOptions['thrombolysisOrders']>;

  constructor(options: CaseServiceOptions) {
    this.#db = options.db;
    this.#notifier = options.notifier;
    this.#orders = options.thrombolysisOrders ?? (async () => []);
  }

  /** The case of a consult the caller sees; created on the way for an urgent consult older than case records. */
  async byConsult({ user, ip }: Caller, consultId: string): Promise<CaseRecordDto> {
    const consult = await findConsult(this.#db, consultId);
    if (!consult || !canSeeConsult(user, consult)) throw NOT_FOUND();
    const kase = await ensureCaseForConsult(this.#db, consultId);
    if (!kase) throw NOT_FOUND();
    return this.#readRecord(user, ip, { kase, consult }, 'case.read');
  }

  async get({ user, ip }: Caller, id: string): Promise<CaseRecordDto> {
    return this.#readRecord(user, ip, await this.#visible(this.#db, user, id), 'case.read');
  }

  /** Adds a timestamp to the timeline (a later one of the same kind corrects the earlier); anyone who sees the case. */
  async addEvent({ user, ip }: Caller, id: string, input: AddCaseEventRequest): Promise<CaseRecordDto> {
    const v = await this.#visible(this.#db, user, id);
    await this.#db.transaction(async (tx) => {
      const eventId = await insertCaseEvent(tx, {
        caseId: id,
        kind: input.kind,
        at: new Date(input.at),
        estimated: input.estimated ?? false,
        enteredBy: user.id,
        note: input.note || null,
      });
      await this.#audit(tx, user, ip, 'case.event', v.kase, { eventId, kind: input.kind });
    });
    await this.#updated(user, ip, v, 'timeline');
    return this.#record(user, v);
  }

  /** Records the INS once the identity is checked, or clears a wrong one; anyone who sees the case. Never audited by value. */
  async setIns({ user, ip }: Caller, id: string, ins: string | null): Promise<CaseRecordDto> {
    const v = await this.#visible(this.#db, user, id);
    await this.#db.transaction(async (tx) => {
      await setCaseIns(tx, id, ins);
      await this.#audit(tx, user, ip, 'case.ins', v.kase, { known: ins !== null });
    });
    await this.#updated(user, ip, v, 'identity');
    return this.#record(user, v);
  }

  /** Starts a new NIHSS assessment of the series (a participant), pushed to everyone who sees the case. */
  async startNihss({ user, ip }: Caller, id: string, label: string): Promise<NihssAssessmentDto> {
    const v = await this.#visible(this.#db, user, id);
    if (!participantSide(v.consult, user.id)) throw NOT_PARTICIPANT();
    const assessmentId = await this.#db.transaction(async (tx) => {
      const created = await insertAssessment(tx, id, label, user.id);
      await this.#audit(tx, user, ip, 'case.nihss.start', v.kase, { assessmentId: created });
      return created;
    });
    return this.#pushAssessment(user, ip, v, assessmentId);
  }

  /**
   * Answers (or clears) one item of an assessment (a participant); the change is time-stamped and the whole assessment
   * pushed to everyone who sees the case, so the other end's form follows within the round trip of a WebSocket frame.
   */
  async setNihssItem(
    { user, ip }: Caller,
    id: string,
    assessmentId: string,
    item: NihssItemId,
    value: NihssValue | null,
  ): Promise<NihssAssessmentDto> {
    const v = await this.#visible(this.#db, user, id);
    if (!participantSide(v.consult, user.id)) throw NOT_PARTICIPANT();
    if (value !== null && !isValidNihssValue(item, value)) {
      throw new AppError('NIHSS_VALUE_INVALID', `${String(value)} is not an answer of NIHSS item ${item}`, { item, value });
    }
    await this.#db.transaction(async (tx) => {
      // Both ends may score at once: one change after the other, each on the other's result.
      await lockCase(tx, id);
      if (!(await assessmentOfCase(tx, id, assessmentId))) throw new AppError('NOT_FOUND', 'NIHSS assessment not found');
      await setNihssItem(tx, assessmentId, item, value, user.id);
      await this.#audit(tx, user, ip, 'case.nihss.item', v.kase, { assessmentId, item });
    });
    return this.#pushAssessment(user, ip, v, assessmentId);
  }

  /** Records the decision (a participant); the first one is the timeline's 'decision'. */
  async decide({ user, ip }: Caller, id: string, input: CaseDecisionRequest): Promise<CaseRecordDto> {
    const v = await this.#visible(this.#db, user, id);
    if (!participantSide(v.consult, user.id)) throw NOT_PARTICIPANT();
    await this.#db.transaction(async (tx) => {
      await lockCase(tx, id);
      const at = await insertDecision(tx, { caseId: id, decision: input.decision, note: input.note || null, decidedBy: user.id });
      if (!(await hasCaseEvent(tx, id, 'decision'))) {
        await insertCaseEvent(tx, { caseId: id, kind: 'decision', at, estimated: false, enteredBy: user.id, note: null });
      }
      await this.#audit(tx, user, ip, 'case.decision', v.kase, { decision: input.decision });
    });
    await this.#updated(user, ip, v, 'decision');
    return this.#record(user, v);
  }

  /**
   * Requests the thrombectomy transfer to the case's hub (the CHU), with the case record as it stands: the CHU reads
   * that copy (GET .../transfer) and acknowledges it. One transfer per case: a second answers CASE_STATE.
   */
  async transfer({ user, ip }: Caller, id: string, input: TransferRequest): Promise<CaseRecordDto> {
    const v = await this.#visible(this.#db, user, id);
    if (!participantSide(v.consult, user.id)) throw NOT_PARTICIPANT();
    const { transfer: _t, can: _c, ...record } = await this.#record(user, v);
    await this.#db.transaction(async (tx) => {
      const created = await insertTransfer(tx, {
        caseId: id,
        toSiteId: v.kase.hub_id,
        note: input.note || null,
        record,
        requestedBy: user.id,
      });
      if (!created) throw new AppError('CASE_STATE', 'A transfer was already requested for this case');
      await this.#audit(tx, user, ip, 'case.transfer', v.kase, { toSiteId: v.kase.hub_id });
    });
    await this.#updated(user, ip, v, 'transfer');
    return this.#record(user, v);
  }

  /** The transfer and the record as sent (audited). */
  async transferPacket({ user, ip }: Caller, id: string): Promise<TransferPacketDto> {
    const v = await this.#visible(this.#db, user, id);
    const row = await findTransfer(this.#db, id);
    if (!row) throw new AppError('NOT_FOUND', 'No transfer was requested for this case');
    await this.#audit(this.#db, user, ip, 'case.transfer.read', v.kase, { transferId: row.id });
    return { transfer: transferDto(row), record: row.record as TransferPacketDto['record'] };
  }

  /** The receiving CHU's neurologist acknowledges the transfer (once). */
  async acknowledgeTransfer({ user, ip }: Caller, id: string): Promise<CaseRecordDto> {
    const v = await this.#visible(this.#db, user, id);
    const row = await findTransfer(this.#db, id);
    if (!row) throw new AppError('CASE_STATE', 'No transfer was requested for this case');
    if (!isHubNeurologist(user, row.to_site_id)) {
      throw new AppError('FORBIDDEN', 'Only a neurologist of the receiving CHU can acknowledge the transfer');
    }
    await this.#db.transaction(async (tx) => {
      if (!(await acknowledgeTransfer(tx, id, user.id))) throw new AppError('CASE_STATE', 'The transfer was already acknowledged');
      await this.#audit(tx, user, ip, 'case.transfer.ack', v.kase, { transferId: row.id });
    });
    await this.#updated(user, ip, v, 'transfer_ack');
    return this.#record(user, v);
  }

  /** The case's message thread, for its participants only; every read is audited. */
  async messages({ user, ip }: Caller, id: string): Promise<CaseMessageDto[]> {
    const v = await this.#visible(this.#db, user, id);
    if (!participantSide(v.consult, user.id)) throw NOT_PARTICIPANT();
    const messages = await listCaseMessages(this.#db, id);
    await this.#audit(this.#db, user, ip, 'case.message.read', v.kase, { messageIds: messages.map((m) => m.id) });
    return messages;
  }

  async postMessage({ user, ip }: Caller, id: string, text: string): Promise<CaseMessageDto> {
    const v = await this.#visible(this.#db, user, id);
    if (!participantSide(v.consult, user.id)) throw NOT_PARTICIPANT();
    const message = await this.#db.transaction(async (tx) => {
      const inserted = await insertCaseMessage(tx, id, user.id, text);
      await this.#audit(tx, user, ip, 'case.message.post', v.kase, { messageId: inserted.id });
      return inserted;
    });
    await this.#announce(user, ip, v, { type: 'case.message', message }, participantAudience(v.consult), {
      messageId: message.id,
    });
    return message;
  }

  /** The case summary as a PDF (audited), French unless asked otherwise. */
  async summaryPdf({ user, ip }: Caller, id: string, lang: CaseSummaryLang = 'fr'): Promise<{ pdf: Buffer; filename: string }> {
    const v = await this.#visible(this.#db, user, id);
    const record = await this.#record(user, v);
    await this.#audit(this.#db, user, ip, 'case.summary.pdf', v.kase, { lang });
    return { pdf: await renderCaseSummaryPdf(record, { lang }), filename: `case-${id}.pdf` };
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** The case and its consult, when the case exists and the caller sees the consult; 404 otherwise, the same for both. */
  async #visible(q: Queryable, user: UserPrincipal, id: string): Promise<Visible> {
    const kase = await findCase(q, id);
    const consult = kase ? await findConsult(q, kase.consult_id) : null;
    if (!kase || !consult || !canSeeConsult(user, consult)) throw NOT_FOUND();
    return { kase, consult };
  }

  async #readRecord(user: UserPrincipal, ip: string | null, v: Visible, action: string): Promise<CaseRecordDto> {
    const record = await this.#record(user, v);
    await this.#audit(this.#db, user, ip, action, v.kase);
    return record;
  }

  /** The whole record as it stands, with what this caller may do on it. */
  async #record(user: UserPrincipal, v: Visible): Promise<CaseRecordDto> {
    const { kase } = v;
    // The consult again: the one loaded for the access check may predate this request's change.
    const consult = (await findConsult(this.#db, kase.consult_id)) ?? v.consult;
    const [timeline, nihss, studies, decision, transfer, thrombolysisOrders] = await Promise.all([
      listTimeline(this.#db, kase.id),
      listAssessments(this.#db, kase.id),
      listCaseStudies(this.#db, kase.id),
      latestDecision(this.#db, kase.id),
      findTransfer(this.#db, kase.id),
      this.#orders(this.#db, kase.id),
    ]);
    const participant = participantSide(consult, user.id) !== null;
    return {
      id: kase.id,
      consultId: kase.consult_id,
      siteCode: kase.site_code,
      siteName: kase.site_name,
      hubCode: kase.hub_code,
      patientRef: kase.patient_ref,
      ins: kase.ins,
      createdAt: kase.created_at.toISOString(),
      consult: consultDto(consult),
      timeline,
      nihss,
      studies,
      decision,
      transfer: transfer ? transferDto(transfer) : null,
      thrombolysisOrders,
      can: {
        score: participant,
        decide: participant,
        message: participant,
        acknowledgeTransfer: transfer !== null && transfer.acknowledged_at === null && isHubNeurologist(user, transfer.to_site_id),
      },
    };
  }

  async #pushAssessment(user: UserPrincipal, ip: string | null, v: Visible, assessmentId: string): Promise<NihssAssessmentDto> {
    const [assessment] = await listAssessments(this.#db, v.kase.id, assessmentId);
    await this.#announce(user, ip, v, { type: 'case.nihss', assessment: assessment! }, viewerAudience(v.consult), {
      assessmentId,
    });
    return assessment!;
  }

  #updated(user: UserPrincipal, ip: string | null, v: Visible, reason: CaseUpdateReason): Promise<void> {
    return this.#announce(
      user,
      ip,
      v,
      { type: 'case.updated', caseId: v.kase.id, consultId: v.kase.consult_id, reason },
      viewerAudience(v.consult),
    );
  }

  #audit(
    q: Db | Queryable,
    user: UserPrincipal,
    ip: string | null,
    action: string,
    kase: CaseRow,
    details?: Record<string, unknown>,
  ): Promise<void> {
    return recordUserAudit(q, user, ip, action, { type: 'stroke_case', id: kase.id, siteId: kase.site_id }, details);
  }

  /**
   * Pushes an event and audits who received it: NIHSS answers and messages are patient data, so delivering them is a
   * read. The change is committed already, so a failure here is logged and never undoes nor fails it.
   */
  async #announce(
    user: UserPrincipal,
    ip: string | null,
    v: Visible,
    event: ServerEvent,
    to: Audience,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.#notifier.publishAudited(
      event,
      to,
      (recipients) => this.#audit(this.#db, user, ip, 'case.notify', v.kase, { event: event.type, recipients, ...details }),
      { caseId: v.kase.id },
    );
  }
}
