import type { Db } from '../../db/Db';
import type { Logger } from '../../logger';
import type { Imaging } from '../Imaging';

export interface CStoreScpOptions {
  db: Db;
  imaging: Imaging;
  log: Logger;
  /** Our AE title. */
  aeTitle: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
}

/** The DICOM C-STORE / C-ECHO SCP. */
export class CStoreScp {
  readonly port: number;
  #closed = false;

  private constructor(port: number) {
    this.port = port;
  }

  static async create(options: CStoreScpOptions): Promise<CStoreScp> {
    return new CStoreScp(options.port);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
  }
}
