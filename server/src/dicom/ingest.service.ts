import type { StoreOutcome } from '@telestroke/shared';
import { pgErrorCode, type Db } from '../db/Db';
import type { Logger } from '../logger';
import type { ArrivalTracker } from './ArrivalTracker';
import type { DicomStorage } from './DicomStorage';
import type { IngestWorkers } from './IngestWorkers';
import { prepareInstance, type FilingRecord } from './prepare';
import { findInstance, FilingRefused, insertInstanceTree, type InsertedInstance } from './study.repository';

export interface IngestContext {
  siteId: string;
  siteCode: string;
  via: 'stow' | 'cstore';
  /** STOW-RS to /studies/{study}: instances of any other study are refused. */
  expectedStudyUid?: string;
}

export interface IngestOptions {
  /**
   * The caller gives `bytes` up, and they may be moved to an ingest thread without a copy, leaving `bytes` empty.
   * Default false: `bytes` are copied and stay usable.
   */
  handOver?: boolean;
}

export interface DicomIngestOptions {
  db: Db;
  storage: DicomStorage;
  workers: IngestWorkers;
  arrivals: ArrivalTracker;
  log: Logger;
  /** Largest instance accepted, in bytes. Default 256 MiB. */
  maxInstanceBytes?: number;
}

function outOfResources(ids: { sopClassUid: string; sopInstanceUid: string }): StoreOutcome {
  return { status: 'rejected', reason: 'OUT_OF_RESOURCES', detail: 'The server could not store the instance', ...ids };
}

/**
 * The one way an instance enters the platform, for STOW-RS and C-STORE alike. It answers `stored`,
 * `duplicate` (the same data set is already stored) or `rejected` with a reason; `stored` is answered only
 * once the file is on disk and its rows committed. Nothing is half-stored: a failure after the file was
 * written removes the file again. Hashing and writing happen on an ingest thread (`IngestWorkers`).
 */
export class DicomIngest {
  readonly #db: Db;
  readonly #storage: DicomStorage;
  readonly #workers: IngestWorkers;
  readonly #arrivals: ArrivalTracker;
  readonly #log: Logger;
  readonly #maxBytes: number;

  constructor(options: DicomIngestOptions) {
    this.#db = options.db;
    this.#storage = options.storage;
    this.#workers = options.workers;
    this.#arrivals = options.arrivals;
    this.#log = options.log;
    this.#maxBytes = options.maxInstanceBytes ?? 256 * 1024 * 1024;
  }

  get maxInstanceBytes(): number {
    return this.#maxBytes;
  }

  async ingest(bytes: Buffer, ctx: IngestContext, options: IngestOptions = {}): Promise<StoreOutcome> {
    let prepared: ReturnType<typeof prepareInstance>;
    try {
      prepared = prepareInstance(bytes, { maxBytes: this.#maxBytes, expectedStudyUid: ctx.expectedStudyUid });
    } catch (err) {
      // A fault of the parser itself, not of the file: answered like any server failure, never thrown at the sender.
      this.#log.error({ kind: (err as Error).name }, 'instance could not be parsed');
      return { status: 'rejected', reason: 'OUT_OF_RESOURCES', detail: 'The server could not store the instance' };
    }
    if ('status' in prepared) return prepared;
    const { record } = prepared;
    const ids = { sopClassUid: record.sopClassUid, sopInstanceUid: record.sopInstanceUid };
    try {
      const dir = this.#storage.instanceDir(record.studyInstanceUid, record.seriesInstanceUid, record.sopInstanceUid);
      const written = await this.#workers.write(
        bytes,
        { dir, sopInstanceUid: record.sopInstanceUid, datasetOffset: prepared.datasetOffset },
        options.handOver ?? false,
      );
      if (written.kind === 'failed') {
        // Only the error's code and kind: messages may quote paths made of UIDs.
        this.#log.error({ code: written.code, kind: written.name }, 'instance could not be written');
        return outOfResources(ids);
      }
      return await this.#file(record, written, ctx);
    } catch (err) {
      if (err instanceof IngestRefusal) return { status: 'rejected', reason: err.reason, detail: err.message, ...ids };
      // Only the error's code and kind: database errors quote the values they refused, which may be patient data.
      this.#log.error(
        { code: pgErrorCode(err) ?? (err as NodeJS.ErrnoException).code, kind: (err as Error).name },
        'instance could not be stored',
      );
      return outOfResources(ids);
    }
  }

  async #file(
    r: FilingRecord,
    file: { relativePath: string; sha256: string; tmp: string; created: boolean },
    ctx: IngestContext,
  ): Promise<StoreOutcome> {
    const ok = (status: 'stored' | 'duplicate'): StoreOutcome => ({
      status,
      sopClassUid: r.sopClassUid,
      sopInstanceUid: r.sopInstanceUid,
      studyInstanceUid: r.studyInstanceUid,
    });
    const checkExisting = async (): Promise<StoreOutcome | null> => {
      const existing = await findInstance(this.#db, r.sopInstanceUid);
      if (!existing) return null;
      if (existing.site_id !== ctx.siteId) throw new IngestRefusal('STUDY_OF_ANOTHER_SITE', 'Already received from another site');
      if (existing.dataset_sha256 === file.sha256) return ok('duplicate');
      throw new IngestRefusal('INSTANCE_CONFLICT', 'Same SOP Instance UID, different content');
    };
    // No lookup first: the filing statement refuses an instance already stored, and a resend is the rare case.
    let inserted: InsertedInstance;
    try {
      inserted = await insertInstanceTree(this.#db, r, {
        siteId: ctx.siteId,
        relativePath: file.relativePath,
        sha256: file.sha256,
        via: ctx.via,
      });
    } catch (err) {
      const refusal = err instanceof FilingRefused ? err.refusal : null;
      // Another request filed the same SOP Instance UID meanwhile. With the same content it has the same path, and
      // the file is the stored one: removing it would lose what that request acknowledged.
      const sameFile =
        refusal === 'INSTANCE_EXISTS' &&
        (await findInstance(this.#db, r.sopInstanceUid).catch(() => null))?.dataset_sha256 === file.sha256;
      if (file.created && !sameFile) await this.#storage.remove(file.relativePath);
      this.#workers.settle(file.tmp);
      if (refusal === 'INSTANCE_EXISTS') {
        const raced = await checkExisting();
        if (raced) return raced;
      }
      if (refusal === 'STUDY_OF_ANOTHER_SITE') throw new IngestRefusal('STUDY_OF_ANOTHER_SITE', 'The study belongs to another site');
      if (refusal === 'SERIES_OF_ANOTHER_STUDY') throw new IngestRefusal('INSTANCE_CONFLICT', 'The series belongs to another study');
      throw err;
    }
    this.#workers.settle(file.tmp);
    this.#arrivals.instanceCommitted({
      studyId: inserted.studyId,
      studyInstanceUid: r.studyInstanceUid,
      siteCode: ctx.siteCode,
      modalities: inserted.modalities,
      description: inserted.description,
      seriesCount: inserted.seriesCount,
      instanceCount: inserted.instanceCount,
      firstReceivedAt: inserted.firstReceivedAt,
      isNewStudy: inserted.isNewStudy,
    });
    return ok('stored');
  }
}

/** A refusal decided while filing, answered to the sender with its reason. */
class IngestRefusal extends Error {
  constructor(
    readonly reason: 'STUDY_OF_ANOTHER_SITE' | 'INSTANCE_CONFLICT',
    detail: string,
  ) {
    super(detail);
  }
}
