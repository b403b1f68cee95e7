import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Logger } from '../../logger';
import type { CStoreScpOptions } from './CStoreScpTypes';
import { configureDimse } from './dimse';
import { aAbortPdu, ABORT, PduLengthGuard } from './scp.pdu-guard';
import { StoreAssociation, type AssociationContext } from './StoreAssociation';

export type { CStoreScpOptions } from './CStoreScpTypes';

/** Association requests, releases and aborts are small; this bounds what a peer can make us buffer before one. */
const MAX_OTHER_PDU = 1024 * 1024;

/**
 * The DICOM C-STORE / C-ECHO SCP. Each connection is a dcmjs-dimse `Scp` (StoreAssociation); the listening socket
 * is our own rather than dcmjs-dimse's `Server`, whose `listen(port)` binds every interface and offers no
 * connection limit. `close()` is idempotent: it stops listening, lets the instances being stored finish, ends
 * every association and waits for their audit entries.
 */
export class CStoreScp {
  readonly #server: net.Server;
  readonly #log: Logger;
  readonly #associations = new Set<StoreAssociation>();
  #port = 0;
  #closing: Promise<void> | null = null;

  private constructor(server: net.Server, log: Logger) {
    this.#server = server;
    this.#log = log;
  }

  static async create(options: CStoreScpOptions): Promise<CStoreScp> {
    const maxAssociations = options.maxAssociations ?? 16;
    const maxPduLength = options.maxPduLength ?? 262144;
    if (!Number.isInteger(maxAssociations) || maxAssociations < 1) {
      throw new Error('maxAssociations must be an integer of at least 1');
    }
    if (!Number.isInteger(maxPduLength) || maxPduLength < 4096 || maxPduLength > 4 * 1024 * 1024) {
      throw new Error('maxPduLength must be an integer from 4096 to 4194304');
    }
    configureDimse(maxPduLength);
    let active = 0;
    const ctx: AssociationContext = {
      db: options.db,
      ingest: options.imaging.ingest,
      log: options.log,
      aeTitle: options.aeTitle,
      maxPduLength,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
      tryAdmit: () => (active < maxAssociations ? (active++, true) : false),
      leave: () => void active--,
    };
    const server = net.createServer();
    const scp = new CStoreScp(server, options.log);
    // Room for a few callers past the limit to be told "local-limit-exceeded" instead of a dropped connection.
    server.maxConnections = maxAssociations * 2;
    server.on('connection', (socket) => scp.#accept(socket, ctx, maxPduLength));
    server.on('error', (err) => options.log.error({ err }, 'DICOM SCP listener error'));
    server.listen(options.port, options.host);
    // Rejects with the listen error (EADDRINUSE…), so that Server.create fails naming it.
    await once(server, 'listening');
    scp.#port = (server.address() as AddressInfo).port;
    options.log.info({ port: scp.port, aeTitle: options.aeTitle, maxAssociations, maxPduLength }, 'DICOM SCP listening');
    return scp;
  }

  /** The port actually listened on; still known after `close()`. */
  get port(): number {
    return this.#port;
  }

  #accept(socket: Socket, ctx: AssociationContext, maxPduLength: number): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    // The SCU waits for each small C-STORE-RSP before sending the next instance: never hold one back (Nagle).
    socket.setNoDelay(true);
    // Registered before dcmjs-dimse's own 'data' listener, so it sees every chunk first.
    const guard = new PduLengthGuard({
      maxDataPdu: maxPduLength,
      maxOtherPdu: Math.max(MAX_OTHER_PDU, maxPduLength),
    });
    let aborted = false;
    socket.on('data', (chunk: Buffer) => {
      if (aborted) return;
      const violation = guard.feed(chunk);
      if (!violation) return;
      aborted = true;
      this.#log.warn({ pduType: violation.pduType, length: violation.length }, 'PDU over the length limit: aborting');
      // No more reads: the rest of that PDU must not reach dcmjs-dimse's buffer.
      socket.pause();
      socket.end(aAbortPdu(ABORT.invalidPduParameter), () => socket.destroy());
    });
    const association = new StoreAssociation(socket, ctx);
    this.#associations.add(association);
    socket.once('close', () => void association.finished.finally(() => this.#associations.delete(association)));
  }

  async close(): Promise<void> {
    this.#closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      await Promise.allSettled([...this.#associations].map((a) => a.shutdown()));
      await stopped;
    })();
    return this.#closing;
  }
}
