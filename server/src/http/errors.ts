import { AppError, type ErrorBody } from '@telestroke/shared';
import { ZodError } from 'zod';

/** body-parser tags its errors with a `type`; we map those, never the message text. */
const BODY_PARSER_ERRORS: Record<string, AppError> = {
  'entity.parse.failed': new AppError('MALFORMED_JSON', 'The request body is not valid JSON'),
  'entity.too.large': new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large'),
  'encoding.unsupported': new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported content encoding'),
  'charset.unsupported': new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported charset'),
  'request.aborted': new AppError('BAD_REQUEST', 'The request was aborted'),
};

export function validationError(err: ZodError): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    'The request is not valid',
    err.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message })),
  );
}

/**
 * The one place where an error becomes an HTTP answer. Anything that is not a known client error is
 * an internal error: logged with its stack by the caller, answered without details.
 */
export function toHttpError(err: unknown): { status: number; body: ErrorBody; internal: boolean } {
  let appError: AppError | undefined;
  if (err instanceof AppError) appError = err;
  else if (err instanceof ZodError) appError = validationError(err);
  else if (typeof err === 'object' && err !== null && 'type' in err && typeof err.type === 'string') {
    appError = BODY_PARSER_ERRORS[err.type];
  }
  if (appError) return { status: appError.status, body: appError.toBody(), internal: appError.status >= 500 };
  const internal = new AppError('INTERNAL', 'Internal error');
  return { status: internal.status, body: internal.toBody(), internal: true };
}
