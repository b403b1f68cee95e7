import { ERROR_STATUS, type ErrorCode } from '@telestroke/shared';
import { z } from 'zod';
import type { RouteSpec } from '../http/route';

const GENERIC_ERRORS: ErrorCode[] = ['VALIDATION_FAILED', 'INTERNAL'];
const AUTH_ERRORS: ErrorCode[] = ['UNAUTHENTICATED', 'SESSION_EXPIRED', 'INVALID_TOKEN', 'FORBIDDEN', 'CSRF_FAILED'];

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

function openapiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The OpenAPI 3.1 document, generated from the same route specs that the router enforces. */
export function buildOpenApi(specs: readonly RouteSpec<any, any, any>[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', spec.params],
      ['query', spec.query],
    ] as const) {
      if (!schema) continue;
      const json = schemaOf(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(json.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || !!json.required?.includes(name), schema: s });
      }
    }
    const errorCodes = [
      ...new Set([...GENERIC_ERRORS, ...(spec.access === 'public' ? [] : AUTH_ERRORS), ...(spec.errors ?? [])]),
    ];
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of errorCodes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
    const responses: Record<string, unknown> = {};
    const okStatus = spec.status ?? (spec.response ? 200 : 204);
    responses[String(okStatus)] = spec.response
      ? { description: 'Success', content: { 'application/json': { schema: schemaOf(spec.response, 'output') } } }
      : { description: 'Success' };
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      responses[String(status)] = {
        description: codes.join(', '),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const op: Record<string, unknown> = {
      summary: spec.summary,
      tags: [spec.tag],
      operationId: `${spec.method}_${spec.path.replace(/[^A-Za-z0-9]+/g, '_')}`,
      security: spec.access === 'public' ? [] : [{ session: [] }, { bearer: [] }],
      'x-permission': spec.access,
      responses,
    };
    if (parameters.length) op.parameters = parameters;
    if (spec.body) {
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: schemaOf(spec.body, 'input') } },
      };
    }
    (paths[openapiPath(spec.path)] ??= {})[spec.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Telestroke coordination platform API',
      version,
      description:
        'Errors are always {"error":{"code","message"}}. Cookie-authenticated changes need the X-XSRF-Token header ' +
        'echoing the XSRF-TOKEN cookie.',
    },
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'ts_session' },
        bearer: { type: 'http', scheme: 'bearer', description: 'Site gateway API token' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
                message: { type: 'string' },
                details: {},
              },
            },
          },
        },
      },
    },
  };
}
