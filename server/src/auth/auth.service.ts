import { AppError, type LoginRequest, type TotpSetupDto } from '@telestroke/shared';
import type { ServerConfig } from '../config';
import type { Db } from '../db/Db';
import { recordAudit } from '../audit/audit.service';
import { findSiteByCode, siteAccessOf } from '../sites/site.repository';
import type { Principal, TokenPrincipal, UserPrincipal } from './access';
import { burnPasswordCheck, verifyPassword } from './password';
import { randomToken, sha256Hex } from './secrets';
import { endSession, findLiveSession, insertSession, touchSession } from './session.repository';
import { findTokenByHash, touchToken } from '../gateways/token.repository';
import { matchTotp, newTotpSecret, otpauthUrl } from './totp';
import {
  findUserByEmail,
  findUserById,
  recordLoginFailure,
  recordLoginSuccess,
  setTotpPending,
  setTotpSecret,
} from './user.repository';

// Writing last_seen_at on every request would turn each read into a write; a minute is precise enough
// for a 30-minute idle timeout.
const TOUCH_INTERVAL_MS = 60_000;

export interface NewSession {
  principal: UserPrincipal;
  /** The raw cookie values: sent to the browser once, never stored. */
  sessionToken: string;
  csrfToken: string;
}

type AuthConfig = Pick<ServerConfig, 'SESSION_IDLE_MINUTES' | 'LOGIN_MAX_FAILURES' | 'LOGIN_LOCK_MINUTES'>;

export class AuthService {
  readonly #db: Db;
  readonly #config: AuthConfig;
  readonly #sessionEnded = new Set<(idHash: string) => void>();

  /** Calls `listener` with the hash of every session that logs out; returns the function that unsubscribes. */
  onSessionEnded(listener: (idHash: string) => void): () => void {
    this.#sessionEnded.add(listener);
    return () => this.#sessionEnded.delete(listener);
  }

  constructor(db: Db, config: AuthConfig) {
    this.#db = db;
    this.#config = config;
  }

  async login(input: LoginRequest, ip: string | null): Promise<NewSession> {
    const user = await findUserByEmail(this.#db, input.email);
    const fail = async (action: string, code: 'INVALID_CREDENTIALS' | 'TOTP_INVALID' | 'ACCOUNT_LOCKED') => {
      await recordAudit(this.#db, {
        actorType: user ? 'user' : 'system',
        actorId: user?.id ?? null,
        action,
        resourceType: 'user',
        resourceId: user?.id ?? null,
        ip,
      });
      const messages = {
        INVALID_CREDENTIALS: 'Wrong e-mail or password',
        TOTP_INVALID: 'Wrong or already used second-factor code',
        ACCOUNT_LOCKED: 'Too many failed attempts: the account is locked for a while',
      };
      return new AppError(code, messages[code]);
    };

    if (!user || user.disabled_at) {
      await burnPasswordCheck(input.password);
      throw await fail('auth.login_failed', 'INVALID_CREDENTIALS');
    }
    if (user.locked_until && user.locked_until.getTime() > Date.now()) {
      throw await fail('auth.login_refused_locked', 'ACCOUNT_LOCKED');
    }
    const failure = async (code: 'INVALID_CREDENTIALS' | 'TOTP_INVALID') => {
      const { locked } = await recordLoginFailure(
        this.#db,
        user.id,
        this.#config.LOGIN_MAX_FAILURES,
        this.#config.LOGIN_LOCK_MINUTES,
      );
      return fail(locked ? 'auth.account_locked' : 'auth.login_failed', locked ? 'ACCOUNT_LOCKED' : code);
    };
    if (!(await verifyPassword(input.password, user.password_hash))) throw await failure('INVALID_CREDENTIALS');

    let totpStep: number | null = null;
    if (user.totp_secret) {
      if (!input.totp) throw new AppError('TOTP_REQUIRED', 'A second-factor code is required');
      totpStep = matchTotp(user.totp_secret, input.totp, user.totp_last_step);
      if (totpStep === null) throw await failure('TOTP_INVALID');
    }

    const sessionToken = randomToken();
    const csrfToken = randomToken();
    const idHash = sha256Hex(sessionToken);
    await this.#db.transaction(async (tx) => {
      await recordLoginSuccess(tx, user.id, totpStep);
      await insertSession(tx, { idHash, userId: user.id, csrfHash: sha256Hex(csrfToken), ip });
      await recordAudit(tx, { actorType: 'user', actorId: user.id, action: 'auth.login', ip });
    });
    const principal = await this.#userPrincipal(user.id, { idHash, csrfHash: sha256Hex(csrfToken) });
    if (!principal) throw new AppError('INTERNAL', 'Session vanished');
    return { principal, sessionToken, csrfToken };
  }

  async logout(principal: UserPrincipal, ip: string | null): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await endSession(tx, principal.session.idHash);
      await recordAudit(tx, { actorType: 'user', actorId: principal.id, action: 'auth.logout', ip });
    });
    for (const listener of this.#sessionEnded) listener(principal.session.idHash);
  }

  /** The principal behind a session cookie, or null when the session is unknown, ended or idle too long. */
  async authenticateSession(sessionToken: string): Promise<UserPrincipal | null> {
    const idHash = sha256Hex(sessionToken);
    const session = await findLiveSession(this.#db, idHash, this.#config.SESSION_IDLE_MINUTES);
    if (!session) return null;
    if (Date.now() - session.last_seen_at.getTime() > TOUCH_INTERVAL_MS) await touchSession(this.#db, idHash);
    return this.#userPrincipal(session.user_id, { idHash, csrfHash: session.csrf_hash });
  }

  async authenticateBearer(token: string): Promise<TokenPrincipal | null> {
    const row = await findTokenByHash(this.#db, sha256Hex(token));
    if (!row) return null;
    const site = await findSiteByCode(this.#db, row.site_code);
    if (!site) return null;
    await touchToken(this.#db, row.id);
    return { kind: 'token', tokenId: row.id, site };
  }

  async startTotpSetup(principal: UserPrincipal): Promise<TotpSetupDto> {
    if (principal.totpEnabled) throw new AppError('CONFLICT', 'A second factor is already enabled');
    const secret = newTotpSecret();
    await setTotpPending(this.#db, principal.id, secret);
    return { secret, otpauthUrl: otpauthUrl(secret, principal.email) };
  }

  async enableTotp(principal: UserPrincipal, code: string, ip: string | null): Promise<void> {
    const user = await findUserById(this.#db, principal.id);
    if (!user?.totp_pending_secret) throw new AppError('CONFLICT', 'Start the second-factor set-up first');
    const step = matchTotp(user.totp_pending_secret, code, null);
    if (step === null) throw new AppError('TOTP_INVALID', 'Wrong second-factor code');
    await this.#db.transaction(async (tx) => {
      await setTotpSecret(tx, user.id, user.totp_pending_secret, step);
      await recordAudit(tx, { actorType: 'user', actorId: user.id, action: 'auth.totp_enabled', ip });
    });
  }

  async disableTotp(principal: UserPrincipal, code: string, ip: string | null): Promise<void> {
    const user = await findUserById(this.#db, principal.id);
    if (!user?.totp_secret) throw new AppError('CONFLICT', 'No second factor is enabled');
    const step = matchTotp(user.totp_secret, code, user.totp_last_step);
    if (step === null) throw new AppError('TOTP_INVALID', 'Wrong or already used second-factor code');
    await this.#db.transaction(async (tx) => {
      await setTotpSecret(tx, user.id, null, step);
      await recordAudit(tx, { actorType: 'user', actorId: user.id, action: 'auth.totp_disabled', ip });
    });
  }

  async #userPrincipal(userId: string, session: UserPrincipal['session']): Promise<UserPrincipal | null> {
    const user = await findUserById(this.#db, userId);
    if (!user || user.disabled_at) return null;
    return {
      kind: 'user',
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      totpEnabled: user.totp_secret !== null,
      sites: await siteAccessOf(this.#db, user.id, user.role),
      session,
    };
  }
}

export function isUser(p: Principal | undefined): p is UserPrincipal {
  return p?.kind === 'user';
}
