import type { Principal } from '../auth/access';
import type { Logger } from '../logger';

export interface RequestContext {
  id: string;
  log: Logger;
  principal?: Principal;
  /** A session cookie came with the request but its session is over: answer SESSION_EXPIRED, not 401 plain. */
  sessionExpired: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    ctx: RequestContext;
  }
}
