import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** A comma-separated list of ICE server URLs, each matching `scheme`. */
const iceUrls = (scheme: RegExp, what: string) =>
  z
    .string()
    .transform((v) => v.split(',').map((u) => u.trim()).filter((u) => u !== ''))
    .pipe(z.array(z.string().regex(scheme, `expected ${what}`).max(512)).max(16));

const EnvSchema = z.object({
  /** HTTP port of the API, DICOMweb, WebSockets and the client. Default 8080; 0 picks a free port. */
  PORT: port.default(8080),
  /** Interface the HTTP server listens on. Default 127.0.0.1: expose it on purpose, behind TLS. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Where the embedded database and the DICOM files live. Default ./data. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** A PostgreSQL server. Default unset: the embedded PGlite under DATA_DIR/db is used. */
  DATABASE_URL: z.string().startsWith('postgres').optional(),
  /** Port of the DICOM C-STORE SCP. Default 11112. */
  DICOM_PORT: port.default(11112),
  /** AE title of the C-STORE SCP. Default TELESTROKE. */
  DICOM_AET: z.string().regex(/^[\x20-\x5b\x5d-\x7e]{1,16}$/).default('TELESTROKE'),
  /** Concurrent DICOM associations the C-STORE SCP accepts; more are rejected as transient. Default 16. */
  DICOM_MAX_ASSOCIATIONS: positiveInt.default(16),
  /** Largest DICOM instance accepted by STOW-RS and C-STORE, in MiB. Default 256. */
  DICOM_MAX_INSTANCE_MB: positiveInt.default(256),
  /**
   * Threads that hash and write arriving instances while the main thread handles the network, parsing and the
   * database. Default 2.
   */
  DICOM_INGEST_THREADS: positiveInt.max(16).default(2),
  /** A study is complete after this many seconds without a new instance. Default 10. */
  STUDY_QUIET_SECONDS: z.coerce.number().positive().default(10),
  /** An urgent read request must be reported within this many minutes of the study's first image. Default 15. */
  WORKLIST_SLA_MINUTES: z.coerce.number().positive().max(1440).default(15),
  /** A read request still unclaimed this many minutes after its first image goes to the backup on-call. Default 5. */
  WORKLIST_ESCALATE_MINUTES: z.coerce.number().positive().max(1440).default(5),
  /**
   * How often the worklist looks for requests to escalate and SLA breaches, and the consults for unanswered urgent
   * requests, in seconds. Default 5.
   */
  WORKLIST_CHECK_SECONDS: z.coerce.number().positive().max(300).default(5),
  /**
   * An urgent consult nobody has accepted this many minutes after its request alerts the backup on call, or every
   * neurologist of the hub without one, and tells the ward doctor so. Default 3: the ward doctor waits at the bedside.
   */
  CONSULT_ESCALATE_MINUTES: z.coerce.number().positive().max(60).default(3),
  /** Sessions end after this many minutes without a request. Default 30. */
  SESSION_IDLE_MINUTES: positiveInt.default(30),
  /** Failed logins in a row before an account is locked. Default 5. */
  LOGIN_MAX_FAILURES: positiveInt.default(5),
  /** How long a locked account stays locked, in minutes. Default 15. */
  LOGIN_LOCK_MINUTES: positiveInt.default(15),
  /** Login attempts allowed per client address per minute. Default 20. */
  LOGIN_RATE_PER_MINUTE: positiveInt.default(20),
  /** `auto` marks cookies Secure when the request came over TLS (directly or per TRUST_PROXY). Default auto. */
  COOKIE_SECURE: z.enum(['auto', 'always', 'never']).default('auto'),
  /** Express `trust proxy` value, e.g. `loopback` behind a local reverse proxy. Default unset: trust none. */
  TRUST_PROXY: z.string().optional(),
  /** Largest JSON body accepted by the API, in bytes. Default 102400. */
  JSON_BODY_LIMIT: positiveInt.default(100 * 1024),
  /** Seed demo sites and users into an empty database. Default true; set false in production. */
  DEMO_SEED: bool.default(true),
  /** Password for every demo user. Default unset: a random one per user, printed once. */
  DEMO_PASSWORD: z.string().min(12).optional(),
  /** The built client served at /. Default client/dist of this repository. */
  CLIENT_DIST: z.string().default(path.join(REPO_ROOT, 'client/dist')),
  /** pino level. Default info. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Key the server signs SFU join tokens with: the SFU's own SFU_TOKEN_SECRET, at least 32 characters. Default unset:
   * the API works, but joining a consult's video room answers 503 UNAVAILABLE.
   */
  SFU_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** The SFU's signaling WebSocket as browsers reach it, without a query string. Default ws://127.0.0.1:4443/ws. */
  SFU_PUBLIC_URL: z
    .url({ protocol: /^wss?$/, error: 'expected a ws:// or wss:// URL' })
    .refine((u) => !u.includes('?') && !u.includes('#'), 'expected a URL without a query string or fragment')
    .default('ws://127.0.0.1:4443/ws'),
  /** STUN servers handed to browsers, comma-separated `stun:` or `stuns:` URLs. Default none. */
  STUN_URLS: iceUrls(/^stuns?:/, 'stun: or stuns: URLs').default([]),
  /** TURN servers (coturn) handed to browsers, comma-separated `turn:` or `turns:` URLs. Default none. Needs TURN_SECRET. */
  TURN_URLS: iceUrls(/^turns?:/, 'turn: or turns: URLs').default([]),
  /** coturn's `static-auth-secret`, for ephemeral TURN credentials (TURN REST API). Default unset. */
  TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Lifetime of an ephemeral TURN credential, in seconds; it must outlast a call. Default 43200 (12 h). */
  TURN_CREDENTIAL_TTL_SECONDS: positiveInt.default(12 * 3600),
});

export type ServerConfig = Readonly<z.infer<typeof EnvSchema>>;

/** Parses the environment once; throws naming every bad key so that a misconfigured server never starts. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const known = Object.fromEntries(
    Object.keys(EnvSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = EnvSchema.refine((c) => c.TURN_URLS.length === 0 || c.TURN_SECRET !== undefined, {
    path: ['TURN_SECRET'],
    message: 'required when TURN_URLS is set (the static-auth-secret of coturn)',
    // Zod skips object refinements once any key failed; these two can still be compared when both parsed.
    when: (payload) => !payload.issues.some((i) => ['TURN_URLS', 'TURN_SECRET'].includes(String(i.path?.[0]))),
  }).safeParse(known);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  return Object.freeze({ ...parsed.data, DATA_DIR: path.resolve(parsed.data.DATA_DIR) });
}
