import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError, SESSION_COOKIE } from '@telestroke/shared';
import { auditRoutes } from './audit/audit.routes';
import { authRoutes } from './auth/auth.routes';
import type { AuthService } from './auth/auth.service';
import type { ServerConfig } from './config';
import { consultRoutes } from './consult/consult.routes';
import { metricsRoutes } from './metrics/metrics.routes';
import { thrombolysisRoutes } from './thrombolysis/thrombolysis.routes';
import { ThrombolysisService } from './thrombolysis/thrombolysis.service';
import { caseRoutes } from './cases/case.routes';
import { CaseService } from './cases/case.service';
import { listOrders } from './thrombolysis/thrombolysis.repository';
import { schedulingRoutes } from './scheduling/scheduling.routes';
import { SchedulingService } from './scheduling/scheduling.service';
import { RotaService } from './scheduling/rota.service';
import { IcsFeedService } from './scheduling/ics.service';
import { videoSettingsOf, type ConsultService } from './consult/consult.service';
import type { Db } from './db/Db';
import type { Imaging } from './dicom/Imaging';
import { imagingRoutes } from './dicom/imaging.routes';
import { gatewayRoutes } from './gateways/gateway.routes';
import './http/context';
import { parseCookies } from './http/cookies';
import { toHttpError } from './http/errors';
import { RateLimiter } from './http/RateLimiter';
import type { RouteSpec } from './http/route';
import { mountRoutes } from './http/router';
import type { Logger } from './logger';
import { buildOpenApi } from './openapi/openapi';
import type { Notifier } from './realtime/Notifier';
import type { WorklistService } from './worklist/worklist.service';
import { worklistRoutes } from './worklist/worklist.routes';
import { siteRoutes } from './sites/site.routes';
import { systemRoutes } from './system/system.routes';

export interface AppDeps {
  config: ServerConfig;
  db: Db;
  log: Logger;
  auth: AuthService;
  imaging: Imaging;
  /** Pushes events to the browsers; the WebSocket hub is attached to it once the HTTP server exists. */
  notifier: Notifier;
  /** The urgent-read worklist, fed by the imaging arrival events (server/src/worklist/Worklist.ts). */
  worklist: WorklistService;
  /** The consults, whose unanswered requests the server's deadline timer escalates. */
  consults: ConsultService;
  /** Answers whether the database and the storage are ready, for /healthz. */
  ready: () => Promise<boolean>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function createApp(deps: AppDeps): { app: express.Express; routes: RouteSpec<any, any, any>[] } {
  const { config, log, auth } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (config.TRUST_PROXY) app.set('trust proxy', config.TRUST_PROXY);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.ctx = { id, log: log.child({ reqId: id }), sessionExpired: false };
    res.set('X-Request-Id', id);
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'no-referrer');
    res.set('X-Frame-Options', 'DENY');
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // The path only: query strings may carry patient names (QIDO) and are never logged.
      req.ctx.log.info(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          user: req.ctx.principal?.kind === 'user' ? req.ctx.principal.id : undefined,
          token: req.ctx.principal?.kind === 'token' ? req.ctx.principal.tokenId : undefined,
        },
        'request',
      );
    });
    next();
  });

  app.use('/api', express.json({ limit: config.JSON_BODY_LIMIT, strict: true }));

  app.use(async (req: Request, _res: Response, next: NextFunction) => {
    const authz = req.get('authorization');
    if (authz) {
      const m = /^Bearer ([A-Za-z0-9_-]{16,200})$/.exec(authz);
      const principal = m ? await auth.authenticateBearer(m[1]!) : null;
      if (!principal) throw new AppError('INVALID_TOKEN', 'Unknown, revoked or malformed bearer token');
      req.ctx.principal = principal;
      return next();
    }
    const session = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (session) {
      const principal = await auth.authenticateSession(session);
      if (principal) req.ctx.principal = principal;
      else req.ctx.sessionExpired = true;
    }
    next();
  });

  const rota = new RotaService({ db: deps.db });
  const routes: RouteSpec<any, any, any>[] = [
    ...systemRoutes({ ready: deps.ready, openapi: () => openapi }),
    ...authRoutes({ auth, config, loginLimiter: new RateLimiter(config.LOGIN_RATE_PER_MINUTE, 60_000) }),
    ...siteRoutes({ db: deps.db }),
    ...gatewayRoutes({ db: deps.db }),
    ...auditRoutes({ db: deps.db }),
    ...imagingRoutes({ db: deps.db, imaging: deps.imaging }),
    ...consultRoutes({
      db: deps.db,
      consults: deps.consults,
    }),
    ...schedulingRoutes({
      db: deps.db,
      scheduling: new SchedulingService({ db: deps.db, video: videoSettingsOf(config), log }),
      rota,
      ics: new IcsFeedService({ db: deps.db }),
    }),
    ...worklistRoutes({ db: deps.db, worklist: deps.worklist }),
    ...thrombolysisRoutes({ db: deps.db, thrombolysis: new ThrombolysisService({ db: deps.db, notifier: deps.notifier, log }) }),
    ...metricsRoutes({ db: deps.db }),
    ...caseRoutes({
      db: deps.db,
      cases: new CaseService({ db: deps.db, notifier: deps.notifier, thrombolysisOrders: listOrders }),
    }),
  ];
  const openapi = buildOpenApi(routes, '0.1.0');
  const router = express.Router();
  mountRoutes(router, routes);
  app.use(router);

  app.use(['/api', '/dicom-web'], () => {
    throw new AppError('NOT_FOUND', 'No such API route');
  });

  if (existsSync(path.join(config.CLIENT_DIST, 'index.html'))) {
    app.use(express.static(config.CLIENT_DIST, { index: false, maxAge: '1h' }));
    // The client routes itself: any other GET that is not an API call gets the app.
    app.get(/^\/(?!api\/|dicom-web\/|ws$|healthz$).*/, (_req: Request, res: Response) => {
      res.set('Cache-Control', 'no-cache');
      res.sendFile(path.join(config.CLIENT_DIST, 'index.html'));
    });
  } else {
    app.get('/', (_req: Request, res: Response) => {
      res.type('text').send('The client is not built: run `npm run build:client`, or `npm start`, which builds it.');
    });
  }

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, body, internal } = toHttpError(err);
    if (internal) req.ctx.log.error({ err }, 'internal error');
    if (res.headersSent) return res.end();
    res.status(status).json(body);
  });

  return { app, routes };
}
