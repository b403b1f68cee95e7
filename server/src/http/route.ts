import type { Request, Response } from 'express';
import { z } from 'zod';
import type { ErrorCode, Permission, SiteDto } from '@telestroke/shared';
import type { Principal } from '../auth/access';
import type { Logger } from '../logger';

type AnyObject = z.ZodType<Record<string, unknown>>;

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Undefined only on public routes. */
  principal: Principal | undefined;
  /** The site the route's `site` resolver found and the access check admitted. */
  site: SiteDto | undefined;
  ip: string | null;
  log: Logger;
  req: Request;
  res: Response;
}

/**
 * One API operation: its contract (validated on arrival and published in the OpenAPI document),
 * its access rule (checked by the router, never by the handler) and its handler.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path, e.g. `/api/sites/:code`. */
  path: string;
  summary: string;
  tag: string;
  /** `public`, or the permission the caller needs. */
  access: 'public' | Permission;
  /**
   * For routes that touch one site's data: finds that site, null when it does not exist, undefined when
   * this request names no site (the handler then limits itself to the caller's visible sites).
   */
  site?: (input: { params: P; query: Q }) => Promise<SiteDto | null | undefined>;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Success status. Default 200, or 204 when the handler returns nothing. */
  status?: number;
  /** Schema of the success body, for the OpenAPI document. */
  response?: z.ZodType;
  /** Error codes this route can answer besides the generic ones, for the OpenAPI document. */
  errors?: ErrorCode[];
  /** Responses other than JSON (e.g. the client's HTML) are written by the handler itself. */
  raw?: boolean;
  handler: (input: HandlerInput<P, Q, B>) => Promise<unknown>;
}

/** Identity function that lets TypeScript infer the handler's input types from the schemas. */
export function defineRoute<P extends object = Record<string, never>, Q extends object = Record<string, never>, B = undefined>(
  spec: RouteSpec<P, Q, B> & { params?: z.ZodType<P> & AnyObject; query?: z.ZodType<Q> & AnyObject },
): RouteSpec<P, Q, B> {
  return spec;
}
