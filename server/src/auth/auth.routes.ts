import {
  AppError,
  LoginRequestSchema,
  MeDtoSchema,
  SESSION_COOKIE,
  TotpCodeRequestSchema,
  TotpSetupSchema,
  XSRF_COOKIE,
} from '@telestroke/shared';
import type { ServerConfig } from '../config';
import { cookieOptions } from '../http/cookies';
import { defineRoute, type RouteSpec } from '../http/route';
import type { RateLimiter } from '../http/RateLimiter';
import { meOf, type Principal, type UserPrincipal } from './access';
import type { AuthService } from './auth.service';

function asUser(p: Principal | undefined): UserPrincipal {
  if (p?.kind !== 'user') throw new AppError('FORBIDDEN', 'Only people logged in can do this');
  return p;
}

export function authRoutes(deps: {
  auth: AuthService;
  config: Pick<ServerConfig, 'COOKIE_SECURE'>;
  loginLimiter: RateLimiter;
}): RouteSpec<any, any, any>[] {
  const { auth, config, loginLimiter } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/login',
      summary: 'Log in with e-mail, password and, when enabled, a TOTP code; sets the session and XSRF cookies',
      tag: 'auth',
      access: 'public',
      body: LoginRequestSchema,
      response: MeDtoSchema,
      errors: ['INVALID_CREDENTIALS', 'TOTP_REQUIRED', 'TOTP_INVALID', 'ACCOUNT_LOCKED', 'RATE_LIMITED'],
      handler: async ({ body, ip, req, res }) => {
        const wait = loginLimiter.hit(ip ?? 'unknown');
        if (wait > 0) {
          res.set('Retry-After', String(wait));
          throw new AppError('RATE_LIMITED', 'Too many login attempts from this address: wait a moment');
        }
        const session = await auth.login(body, ip);
        res.cookie(SESSION_COOKIE, session.sessionToken, cookieOptions(req, config.COOKIE_SECURE, true));
        res.cookie(XSRF_COOKIE, session.csrfToken, cookieOptions(req, config.COOKIE_SECURE, false));
        return meOf(session.principal);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'End the current session',
      tag: 'auth',
      access: 'me:read',
      handler: async ({ principal, ip, req, res }) => {
        await auth.logout(asUser(principal), ip);
        res.clearCookie(SESSION_COOKIE, cookieOptions(req, config.COOKIE_SECURE, true));
        res.clearCookie(XSRF_COOKIE, cookieOptions(req, config.COOKIE_SECURE, false));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/me',
      summary: 'The logged-in user, their role, their sites and what they may do',
      tag: 'auth',
      access: 'me:read',
      response: MeDtoSchema,
      handler: async ({ principal }) => meOf(asUser(principal)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/totp/setup',
      summary: 'Start enabling a TOTP second factor: returns the secret to enter in an authenticator app',
      tag: 'auth',
      access: 'me:read',
      response: TotpSetupSchema,
      errors: ['CONFLICT'],
      handler: async ({ principal }) => auth.startTotpSetup(asUser(principal)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/totp/enable',
      summary: 'Confirm the second factor with a first code from the authenticator app',
      tag: 'auth',
      access: 'me:read',
      body: TotpCodeRequestSchema,
      errors: ['CONFLICT', 'TOTP_INVALID'],
      handler: async ({ principal, body, ip }) => auth.enableTotp(asUser(principal), body.code, ip),
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/totp/disable',
      summary: 'Remove the second factor, proven with a current code',
      tag: 'auth',
      access: 'me:read',
      body: TotpCodeRequestSchema,
      errors: ['CONFLICT', 'TOTP_INVALID'],
      handler: async ({ principal, body, ip }) => auth.disableTotp(asUser(principal), body.code, ip),
    }),
  ];
}
