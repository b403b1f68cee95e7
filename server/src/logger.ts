import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured JSON logs. Credentials are redacted by path; request bodies and query strings are never
 * logged at all, because they may carry patient names or identifiers.
 */
export function createLogger(level: string, name = 'server'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'cookie', '*.cookie'],
      censor: '[redacted]',
    },
  });
}
