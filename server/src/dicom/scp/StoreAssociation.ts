import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { isDicomUid, STORE_FAILURES } from '@telestroke/shared';
import { recordAudit } from '../../audit/audit.service';
import type { Db } from '../../db/Db';
import { findSiteIdByAeTitle } from '../../gateways/ae-title.repository';
import type { Logger } from '../../logger';
import { findSiteById } from '../../sites/site.repository';
import type { DicomIngest } from '../ingest.service';
import { DatasetCollector } from './DatasetCollector';
import { dimse, type DimseAssociation, type DimseRequests, type DimseResponses } from './dimse';
import {
  cStoreStatusOf,
  DIMSE_OUT_OF_RESOURCES,
  DIMSE_SOP_CLASS_NOT_SUPPORTED,
  errorComment,
  isStorageSopClass,
  negotiateContext,
  type CStoreStatus,
} from './scp.presentation';
import { part10Header } from './scp.part10';
import { aAbortPdu, ABORT } from './scp.pdu-guard';

const { PresentationContextResult, RejectResult, RejectSource, RejectReason, Status } = dimse.constants;

/** What every association of one SCP shares. */
export interface AssociationContext {
  db: Db;
  ingest: DicomIngest;
  log: Logger;
  /** Our AE title: the called AE title an SCU must use. */
  aeTitle: string;
  /** Maximum PDU length announced in the A-ASSOCIATE-AC. */
  maxPduLength: number;
  /** Milliseconds without a PDU before the association is aborted. */
  idleTimeoutMs: number;
  /** Takes one of the limited association slots; false when all are taken. */
  tryAdmit: () => boolean;
  /** Gives the slot back. */
  leave: () => void;
}

type State = 'requested' | 'negotiating' | 'accepted' | 'rejected' | 'ended';
/**
 * How an accepted association ended: A-RELEASE, an A-ABORT from the peer, the connection closed without either, the
 * server shutting down, a PDU the state did not allow, or a socket error or idle timeout.
 */
type EndReason = 'released' | 'aborted' | 'closed' | 'shutdown' | 'protocol-error' | 'network-error';

/**
 * One DICOM association: a dcmjs-dimse `Scp` bound to one socket. It accepts registered calling AE titles only,
 * negotiates the presentation contexts, answers C-ECHO, and stores each C-STORE data set through the one ingest
 * path, answering only once the instance is durably stored. One audit entry per accepted association records its
 * counts when it ends.
 */
export class StoreAssociation extends dimse.Scp {
  readonly #ctx: AssociationContext;
  readonly #sock: Socket;
  readonly #remoteAddress: string | null;
  #state: State = 'requested';
  #admitted = false;
  #callingAe = '';
  #calledAe = '';
  #site: { id: string; code: string } | null = null;
  readonly #counts = { stored: 0, duplicates: 0, failed: 0, echoes: 0 };
  readonly #studies = new Set<string>();
  readonly #collectors = new WeakMap<object, DatasetCollector>();
  readonly #inFlight = new Set<Promise<void>>();
  #finishing: Promise<void> | null = null;
  #log: Logger;

  constructor(socket: Socket, ctx: AssociationContext) {
    super(socket, {
      connectTimeout: ctx.idleTimeoutMs,
      associationTimeout: ctx.idleTimeoutMs,
      pduTimeout: ctx.idleTimeoutMs,
    });
    this.#ctx = ctx;
    this.#sock = socket;
    this.#remoteAddress = socket.remoteAddress ?? null;
    this.#log = ctx.log;
    // dcmjs-dimse's own Server sets these on the sockets it accepts; its association timer needs them.
    Object.assign(this, { connected: true, connectedTime: Date.now() });
    this.on('close', () => void this.#finish('closed'));
    this.on('networkError', (err: Error) => {
      this.#log.debug({ err: err.message, callingAeTitle: this.#callingAe || undefined }, 'association network error');
      this.#hangUp(null);
      void this.#finish('network-error');
    });
  }

  /** Settles once the association has ended and its audit entry is written. */
  get finished(): Promise<void> {
    return this.#finishing ?? Promise.resolve();
  }

  /** Waits for the instances being stored, then cuts the connection and writes the audit entry. */
  async shutdown(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
    this.#hangUp(this.#state === 'accepted' ? ABORT.serviceUser : null, true);
    await this.#finish('shutdown');
  }

  override associationRequested(association: DimseAssociation.Association): void {
    if (this.#state !== 'requested') return this.#protocolError('second association request');
    this.#state = 'negotiating';
    void this.#negotiate(association);
  }

  async #negotiate(association: DimseAssociation.Association): Promise<void> {
    this.#callingAe = association.getCallingAeTitle();
    this.#calledAe = association.getCalledAeTitle();
    this.#log = this.#ctx.log.child({ callingAeTitle: this.#callingAe });
    if (this.#calledAe !== this.#ctx.aeTitle) {
      return this.#reject(
        [RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized],
        'called-AE-title-not-recognized',
      );
    }
    let site: { id: string; code: string } | undefined;
    try {
      const siteId = await findSiteIdByAeTitle(this.#ctx.db, this.#callingAe);
      site = siteId ? ((await findSiteById(this.#ctx.db, siteId)) ?? undefined) : undefined;
    } catch (err) {
      this.#log.error({ err }, 'association: calling AE title lookup failed');
      return this.#reject([RejectResult.Transient, RejectSource.ServiceUser, RejectReason.NoReasonGiven], 'lookup-failed');
    }
    if (!site) {
      return this.#reject(
        [RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized],
        'calling-AE-title-not-recognized',
      );
    }
    if (this.#sock.destroyed || this.#state !== 'negotiating') return;
    if (!this.#ctx.tryAdmit()) {
      return this.#reject(
        [RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded],
        'local-limit-exceeded',
      );
    }
    this.#admitted = true;
    this.#site = { id: site.id, code: site.code };
    let accepted = 0;
    for (const { context } of association.getPresentationContexts()) {
      const decision = negotiateContext(context.getAbstractSyntaxUid(), context.getTransferSyntaxUids());
      if (decision.result === 'accept') {
        context.setResult(PresentationContextResult.Accept, decision.transferSyntaxUid);
        accepted++;
      } else if (decision.result === 'abstract-syntax-not-supported') {
        context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
      } else {
        context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      }
    }
    association.setMaxPduLength(this.#ctx.maxPduLength);
    this.#state = 'accepted';
    this.sendAssociationAccept();
    this.#log.info(
      { siteCode: site.code, contexts: association.getPresentationContexts().length, acceptedContexts: accepted },
      'association accepted',
    );
  }

  /** Sends A-ASSOCIATE-RJ with [result, source, reason] (PS3.8 table 9-21) and hangs up. */
  #reject([result, source, reason]: [number, number, number], why: string): void {
    if (this.#state !== 'negotiating') return;
    this.#state = 'rejected';
    this.#log.warn({ calledAeTitle: this.#calledAe, reason: why }, 'association rejected');
    if (this.#sock.destroyed) return;
    this.sendAssociationReject(result, source, reason);
    this.#hangUp(null);
  }

  override associationReleaseRequested(): void {
    if (this.#state !== 'accepted') return this.#protocolError('release request outside an association');
    void (async () => {
      await Promise.allSettled([...this.#inFlight]);
      await this.#finish('released');
      if (!this.#sock.destroyed) this.sendAssociationReleaseResponse();
    })();
  }

  override abort(): void {
    void this.#finish('aborted');
    this.#hangUp(null);
  }

  override cEchoRequest(
    request: DimseRequests.CEchoRequest,
    callback: (response: DimseResponses.CEchoResponse) => void,
  ): void {
    if (this.#state !== 'accepted') return this.#protocolError('C-ECHO outside an association');
    this.#counts.echoes++;
    const response = dimse.responses.CEchoResponse.fromRequest(request);
    response.setStatus(Status.Success);
    callback(response);
  }

  override createStoreWritableStream(
    context: DimseAssociation.PresentationContext,
    request: DimseRequests.CStoreRequest,
  ): Writable {
    const collector = new DatasetCollector(context, this.#ctx.ingest.maxInstanceBytes);
    this.#collectors.set(request, collector);
    return collector;
  }

  override createDatasetFromStoreWritableStream(
    _writable: Writable,
    context: DimseAssociation.PresentationContext,
    callback: (dataset: InstanceType<typeof dimse.Dataset>) => void,
  ): void {
    // The bytes stay in the collector; the request only needs a placeholder. Called back synchronously, before
    // the next PDU is handled.
    callback(new dimse.Dataset({}, context.getAcceptedTransferSyntaxUid()));
  }

  override cStoreRequest(
    request: DimseRequests.CStoreRequest,
    callback: (response: DimseResponses.CStoreResponse) => void,
  ): void {
    const collector = this.#collectors.get(request);
    this.#collectors.delete(request);
    if (this.#state !== 'accepted') return this.#protocolError('C-STORE outside an association');
    if (!collector || collector.context.getResult() !== PresentationContextResult.Accept) {
      return this.#protocolError('C-STORE on a presentation context that was not accepted');
    }
    const work = this.#store(request, collector)
      .catch((err: unknown): CStoreStatus => {
        this.#log.error({ err }, 'C-STORE failed');
        const comment = errorComment(STORE_FAILURES.OUT_OF_RESOURCES.message);
        return { status: DIMSE_OUT_OF_RESOURCES, errorComment: comment };
      })
      .then((result) => {
        if (this.#sock.destroyed) return;
        const response = dimse.responses.CStoreResponse.fromRequest(request);
        response.setStatus(result.status);
        if (result.errorComment) response.setErrorComment(result.errorComment);
        callback(response);
      });
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  async #store(request: DimseRequests.CStoreRequest, collector: DatasetCollector): Promise<CStoreStatus> {
    const sopClassUid = String(request.getAffectedSopClassUid() ?? '');
    const sopInstanceUid = String(request.getAffectedSopInstanceUid() ?? '');
    const refuse = (status: number, comment: string): CStoreStatus => {
      this.#counts.failed++;
      this.#log.debug({ sopInstanceUid, status }, 'C-STORE refused');
      return { status, errorComment: errorComment(comment) };
    };
    if (sopClassUid !== collector.context.getAbstractSyntaxUid() || !isStorageSopClass(sopClassUid)) {
      return refuse(DIMSE_SOP_CLASS_NOT_SUPPORTED, 'SOP class not supported on this presentation context');
    }
    if (!isDicomUid(sopInstanceUid)) {
      return refuse(STORE_FAILURES.INVALID_UID.dimse, 'Affected SOP Instance UID is not a valid UID');
    }
    if (collector.overLimit) return refuse(STORE_FAILURES.TOO_LARGE.dimse, STORE_FAILURES.TOO_LARGE.message);
    const site = this.#site!;
    const header = part10Header({
      sopClassUid,
      sopInstanceUid,
      transferSyntaxUid: collector.context.getAcceptedTransferSyntaxUid()!,
      callingAeTitle: this.#callingAe,
      calledAeTitle: this.#calledAe,
    });
    const bytes = Buffer.concat([header, ...collector.chunks], header.length + collector.size);
    const outcome = await this.#ctx.ingest.ingest(
      bytes,
      { siteId: site.id, siteCode: site.code, via: 'cstore' },
      { handOver: true },
    );
    if (outcome.status === 'stored') this.#counts.stored++;
    else if (outcome.status === 'duplicate') this.#counts.duplicates++;
    else this.#counts.failed++;
    if (outcome.status !== 'rejected') this.#studies.add(outcome.studyInstanceUid);
    this.#log.debug(
      { sopInstanceUid, outcome: outcome.status, ...(outcome.status === 'rejected' ? { reason: outcome.reason } : {}) },
      'C-STORE',
    );
    return cStoreStatusOf(outcome);
  }

  #protocolError(what: string): void {
    this.#log.warn({ what }, 'association protocol error');
    this.#hangUp(ABORT.unexpectedPdu);
    void this.#finish('protocol-error');
  }

  /**
   * Ends the connection, after an A-ABORT when `abort` is given. The peer is given 2 s to close its side, or none
   * when `now` (server shutdown): then the socket goes as soon as our last PDU is flushed.
   */
  #hangUp(abort: { source: number; reason: number } | null, now = false): void {
    if (this.#sock.destroyed || this.#sock.writableEnded) return;
    if (abort) this.#sock.write(aAbortPdu(abort));
    if (now) {
      this.#sock.end(() => this.#sock.destroy());
      return;
    }
    this.#sock.end();
    setTimeout(() => this.#sock.destroy(), 2000).unref();
  }

  /**
   * Once per association: waits for its instances being stored, frees its slot, logs its counts and, when it was
   * accepted, audits it.
   */
  #finish(reason: EndReason): Promise<void> {
    this.#finishing ??= (async () => {
      const wasAccepted = this.#state === 'accepted';
      this.#state = 'ended';
      // An instance being stored when the peer went away still counts once its ingest settles.
      await Promise.allSettled([...this.#inFlight]);
      if (this.#admitted) {
        this.#admitted = false;
        this.#ctx.leave();
      }
      if (!wasAccepted || !this.#site) return;
      this.#log.info({ siteCode: this.#site.code, end: reason, ...this.#counts }, 'association ended');
      try {
        await recordAudit(this.#ctx.db, {
          actorType: 'system',
          actorId: 'dicom-scp',
          action: 'dicom.cstore',
          resourceType: 'association',
          siteId: this.#site.id,
          ip: this.#remoteAddress,
          details: {
            callingAeTitle: this.#callingAe,
            calledAeTitle: this.#calledAe,
            end: reason,
            ...this.#counts,
            studyInstanceUids: [...this.#studies].slice(0, 100),
          },
        });
      } catch (err) {
        this.#log.error({ err }, 'association audit entry could not be written');
      }
    })();
    return this.#finishing;
  }
}
