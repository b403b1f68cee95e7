import { AppError } from '@telestroke/shared';
import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route';

export function systemRoutes(deps: {
  ready: () => Promise<boolean>;
  openapi: () => Record<string, unknown>;
}): RouteSpec<any, any, any>[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Answers 200 once the database and the storage are ready, 503 before',
      tag: 'system',
      access: 'public',
      response: z.object({ status: z.literal('ok') }),
      errors: ['UNAVAILABLE'],
      handler: async () => {
        if (!(await deps.ready())) throw new AppError('UNAVAILABLE', 'Not ready');
        return { status: 'ok' as const };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This document',
      tag: 'system',
      access: 'public',
      handler: async () => deps.openapi(),
    }),
  ];
}
