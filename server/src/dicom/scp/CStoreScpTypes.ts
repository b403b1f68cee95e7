import type { Db } from '../../db/Db';
import type { Logger } from '../../logger';
import type { Imaging } from '../Imaging';

export interface CStoreScpOptions {
  db: Db;
  imaging: Imaging;
  log: Logger;
  /** Our AE title: associations called with another one are rejected. */
  aeTitle: string;
  /** Address to listen on (Server.ts passes HOST, default 127.0.0.1). */
  host: string;
  /** TCP port; 0 picks a free port, which `port` then tells. */
  port: number;
  /** Associations open at once; more are rejected as transient "local-limit-exceeded". Default 16. */
  maxAssociations?: number;
  /**
   * Maximum PDU length we receive, announced in the A-ASSOCIATE-AC; a peer sending a longer PDU is aborted.
   * Default 262144 (256 KiB).
   */
  maxPduLength?: number;
  /** Milliseconds without a PDU (or without an association request) before the connection is dropped. Default 60000. */
  idleTimeoutMs?: number;
}
