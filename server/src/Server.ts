import { once } from 'node:events';
import { access, constants, mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { createApp } from './app';
import { Imaging } from './dicom/Imaging';
import { CStoreScp } from './dicom/scp/CStoreScp';
import { AuthService } from './auth/auth.service';
import { ConsultService, videoSettingsOf } from './consult/consult.service';
import type { ServerConfig } from './config';
import type { Db } from './db/Db';
import { migrate } from './db/migrate';
import { openDb } from './db/open';
import type { Logger } from './logger';
import { Notifier } from './realtime/Notifier';
import { WsHub } from './realtime/WsHub';
import { seedDemo, type DemoCredential } from './seed/demo.seed';
import { DeadlineTimer } from './system/DeadlineTimer';
import { BookingReminders } from './scheduling/reminders';
import { RotaService } from './scheduling/rota.service';
import { HubStaffOnCall, RotaOrHubStaff } from './worklist/oncall';
import { Worklist } from './worklist/Worklist';

/**
 * The platform's server process: database, HTTP API, client, WebSocket hub. `create()` returns once it
 * listens; `close()` is idempotent and emits 'closed'.
 */
export class Server extends EventEmitter {
  readonly db: Db;
  readonly url: string;
  /** Demo accounts created by this start, for the launcher to print once; null when none were seeded. */
  readonly demoCredentials: DemoCredential[] | null;
  readonly imaging: Imaging;
  readonly scp: CStoreScp;
  readonly #http: http.Server;
  readonly #ws: WsHub;
  /** Pushes the in-app reminders of bookings; set once the server listens. */
  #reminders: BookingReminders | undefined;
  /** The urgent-read worklist, fed by the arrival events; set by create(). */
  #worklist: Worklist | undefined;
  /** Escalates the urgent consults nobody accepts in time; set by create(). */
  #consultDeadlines: DeadlineTimer | undefined;
  #closing: Promise<void> | undefined;

  private constructor(
    db: Db,
    imaging: Imaging,
    scp: CStoreScp,
    httpServer: http.Server,
    ws: WsHub,
    url: string,
    demo: DemoCredential[] | null,
  ) {
    super();
    this.db = db;
    this.imaging = imaging;
    this.scp = scp;
    this.#http = httpServer;
    this.#ws = ws;
    this.url = url;
    this.demoCredentials = demo;
  }

  static async create(config: ServerConfig, log: Logger, options: { db?: Db } = {}): Promise<Server> {
    const storageDir = path.join(config.DATA_DIR, 'dicom');
    await mkdir(storageDir, { recursive: true });
    const db = options.db ?? (await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR }));
    let imaging: Imaging | undefined;
    let worklist: Worklist | undefined;
    let consultDeadlines: DeadlineTimer | undefined;
    let scp: CStoreScp | undefined;
    let httpServer: http.Server | undefined;
    try {
      const applied = await migrate(db);
      if (applied.length) log.info({ migrations: applied }, 'database migrated');
      const demo = config.DEMO_SEED ? await seedDemo(db, config.DEMO_PASSWORD) : null;
      const auth = new AuthService(db, config);
      imaging = await Imaging.create(config, db, log);
      const ready = async () => {
        try {
          await db.query('SELECT 1');
          await access(storageDir, constants.W_OK);
          return true;
        } catch {
          return false;
        }
      };
      // Services publish through the notifier from the start; the hub it delivers to needs the HTTP server.
      const notifier = new Notifier(log);
      const rota = new RotaService({ db });
      worklist = await Worklist.create({
        config,
        db,
        log,
        bus: imaging.bus,
        notifier,
        onCall: new RotaOrHubStaff(rota, new HubStaffOnCall(db)),
      });
      const consults = new ConsultService({
        db,
        notifier,
        video: videoSettingsOf(config),
        log,
        onCall: (hubId, at) => rota.onCall(hubId, 'urgent_consult', at),
      });
      consultDeadlines = await DeadlineTimer.create({
        name: 'consults',
        check: (now) => consults.checkDeadlines(now, config.CONSULT_ESCALATE_MINUTES),
        intervalMs: config.WORKLIST_CHECK_SECONDS * 1000,
        log,
      });
      const { app } = createApp({ config, db, log, auth, imaging, notifier, worklist: worklist.service, consults, ready });
      httpServer = http.createServer(app);
      // Slow clients must not hold sockets forever; large DICOM uploads keep the socket busy, not idle.
      httpServer.headersTimeout = 30_000;
      httpServer.requestTimeout = 0;
      const ws = await WsHub.create(httpServer, auth, log);
      notifier.attach(ws);
      httpServer.listen(config.PORT, config.HOST);
      await once(httpServer, 'listening');
      const { port } = httpServer.address() as AddressInfo;
      scp = await CStoreScp.create({
        db,
        imaging,
        log: log.child({ component: 'scp' }),
        aeTitle: config.DICOM_AET,
        host: config.HOST,
        port: config.DICOM_PORT,
        maxAssociations: config.DICOM_MAX_ASSOCIATIONS,
      });
      const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
      const server = new Server(db, imaging, scp, httpServer, ws, `http://${host}:${port}`, demo);
      server.#worklist = worklist;
      server.#consultDeadlines = consultDeadlines;
      server.#reminders = new BookingReminders({ db, notifier, log });
      server.#reminders.start();
      return server;
    } catch (err) {
      await scp?.close();
      httpServer?.close();
      await consultDeadlines?.close();
      await worklist?.close();
      await imaging?.close();
      if (!options.db) await db.close();
      throw err;
    }
  }

  /** The worklist capability (its service and deadline timer). */
  get worklist(): Worklist {
    return this.#worklist!;
  }

  async close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#reminders?.stop();
      await this.scp.close();
      await this.#ws.close();
      this.#http.closeAllConnections();
      await new Promise<void>((resolve) => this.#http.close(() => resolve()));
      await this.#consultDeadlines?.close();
      await this.#worklist?.close();
      await this.imaging.close();
      await this.db.close();
      this.emit('closed');
    })();
    return this.#closing;
  }
}
