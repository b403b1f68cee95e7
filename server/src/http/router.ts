import { AppError, XSRF_COOKIE, XSRF_HEADER } from '@telestroke/shared';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { authorize } from '../auth/access';
import { safeEqual, sha256Hex } from '../auth/secrets';
import { parseCookies } from './cookies';
import { validationError } from './errors';
import type { RouteSpec } from './route';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, fallback: T): T {
  if (!schema) return fallback;
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error);
  return r.data;
}

/**
 * Double-submit check for cookie-authenticated changes: the header must echo the readable XSRF cookie,
 * and that value must be the one issued with this session. A bearer-token caller is exempt, since a
 * browser never attaches a bearer token on its own.
 */
function checkCsrf(req: Request): void {
  const principal = req.ctx.principal;
  if (SAFE_METHODS.has(req.method) || principal?.kind !== 'user') return;
  const header = req.get(XSRF_HEADER);
  const cookie = parseCookies(req.headers.cookie)[XSRF_COOKIE];
  if (!header || !cookie || !safeEqual(header, cookie) || !safeEqual(sha256Hex(header), principal.session.csrfHash)) {
    throw new AppError('CSRF_FAILED', `Missing or wrong ${XSRF_HEADER} header`);
  }
}

/** Mounts routes with validation, access control and the JSON answer: the same for every route. */
export function mountRoutes(router: Router, specs: readonly RouteSpec<any, any, any>[]): void {
  for (const spec of specs) {
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      const params = parse(spec.params, req.params, {});
      const query = parse(spec.query, req.query, {});
      if (spec.access !== 'public') {
        if (!req.ctx.principal && req.ctx.sessionExpired) {
          throw new AppError('SESSION_EXPIRED', 'The session has ended: log in again');
        }
        authorize(req.ctx.principal, spec.access);
      }
      const site = spec.site ? await spec.site({ params, query }) : undefined;
      if (spec.site && spec.access !== 'public') authorize(req.ctx.principal, spec.access, site);
      checkCsrf(req);
      let body: unknown;
      if (spec.body) {
        if (!req.is('application/json')) {
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
        }
        body = parse(spec.body, req.body, undefined);
      }
      const result = await spec.handler({
        params,
        query,
        body,
        principal: req.ctx.principal,
        site: site ?? undefined,
        ip: req.ip ?? null,
        log: req.ctx.log,
        req,
        res,
      });
      if (spec.raw) return;
      if (result === undefined) res.status(spec.status ?? 204).end();
      else res.status(spec.status ?? 200).json(result);
    });
  }
}
