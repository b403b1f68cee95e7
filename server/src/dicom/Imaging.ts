import path from 'node:path';
import type { ServerConfig } from '../config';
import type { Db } from '../db/Db';
import { EventBus } from '../events/EventBus';
import type { Logger } from '../logger';
import { ArrivalTracker } from './ArrivalTracker';
import { DicomStorage } from './DicomStorage';
import { DicomIngest } from './ingest.service';
import { IngestWorkers } from './IngestWorkers';

/**
 * The imaging capability's parts that live as long as the server: file storage, the ingest path shared by
 * STOW-RS and C-STORE with its threads, and the arrival events. `close()` is idempotent.
 */
export class Imaging {
  readonly storage: DicomStorage;
  readonly bus: EventBus;
  readonly arrivals: ArrivalTracker;
  readonly ingest: DicomIngest;
  readonly #workers: IngestWorkers;
  #closed = false;

  private constructor(
    storage: DicomStorage,
    bus: EventBus,
    arrivals: ArrivalTracker,
    ingest: DicomIngest,
    workers: IngestWorkers,
  ) {
    this.storage = storage;
    this.bus = bus;
    this.arrivals = arrivals;
    this.ingest = ingest;
    this.#workers = workers;
  }

  static async create(
    config: Pick<ServerConfig, 'DATA_DIR' | 'STUDY_QUIET_SECONDS' | 'DICOM_MAX_INSTANCE_MB'> &
      Partial<Pick<ServerConfig, 'DICOM_INGEST_THREADS'>>,
    db: Db,
    log: Logger,
    bus = new EventBus((err, event) => log.error({ err, event: event.type }, 'event subscriber failed')),
  ): Promise<Imaging> {
    const storage = await DicomStorage.create(path.join(config.DATA_DIR, 'dicom'));
    const removed = await storage.recover(async (rel) => {
      const { rows } = await db.query('SELECT 1 FROM dicom_instances WHERE file_path = $1', [rel]);
      return rows.length > 0;
    });
    if (removed) log.info({ removed }, 'files of writes interrupted before their commit removed');
    const arrivals = await ArrivalTracker.create(bus, { quietMs: config.STUDY_QUIET_SECONDS * 1000 });
    const workers = await IngestWorkers.create({
      root: storage.root,
      threads: config.DICOM_INGEST_THREADS,
      log: log.child({ component: 'ingest-threads' }),
    });
    const ingest = new DicomIngest({
      db,
      storage,
      workers,
      arrivals,
      log: log.child({ component: 'ingest' }),
      maxInstanceBytes: config.DICOM_MAX_INSTANCE_MB * 1024 * 1024,
    });
    return new Imaging(storage, bus, arrivals, ingest, workers);
  }

  /** Starts the ingest threads now rather than on the first instance, which would wait for them (tens of ms). */
  warmUp(): void {
    this.#workers.warmUp();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.arrivals.close();
    await this.#workers.close();
    await this.storage.close();
  }
}
