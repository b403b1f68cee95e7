import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

// Digits only: z.coerce.number() would accept ' 12', '1e3' and '0x10'.
const integer = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number);
const port = integer.pipe(z.number().max(65535, 'expected a port number, 0-65535'));
const rtcPort = integer.pipe(z.number().min(1).max(65535, 'expected a port number, 1-65535'));
const workerCount = integer.pipe(z.number().min(1, 'expected 1-256').max(256, 'expected 1-256'));
const ip = z.union([z.ipv4(), z.ipv6()], { error: 'expected an IPv4 or IPv6 address' });

const EnvSchema = z.object({
  /** Port of the SFU's HTTP and signaling server. Default 4443; 0 picks a free port. */
  SFU_PORT: port.default(4443),
  /** Interface the HTTP server listens on. Default 127.0.0.1: expose it on purpose, behind TLS. */
  SFU_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * Absolute path of the mediasoup-worker binary. Required, no default: the launcher sets it from
   * `node scripts/mediasoup-worker.mjs path`, because the binary is built outside the repository.
   */
  MEDIASOUP_WORKER_BIN: z
    .string({ error: 'required: the path printed by `node scripts/mediasoup-worker.mjs build`' })
    .refine((p) => path.isAbsolute(p), 'expected an absolute path'),
  /** Number of mediasoup worker processes. Default: the number of CPU cores. */
  SFU_NUM_WORKERS: workerCount.default(os.availableParallelism()),
  /** Lowest UDP/TCP port for media (ICE, DTLS, RTP). Default 40000. */
  RTC_MIN_PORT: rtcPort.default(40000),
  /** Highest port for media; at least RTC_MIN_PORT + SFU_NUM_WORKERS - 1. Default 49999. */
  RTC_MAX_PORT: rtcPort.default(49999),
  /** Address announced to clients in ICE candidates when the SFU is behind NAT. Default unset: SFU_LISTEN_IP. */
  SFU_ANNOUNCED_IP: ip.optional(),
  /** Address the media transports bind to. Default 127.0.0.1. */
  SFU_LISTEN_IP: ip.default('127.0.0.1'),
  /** Key the server signs SFU join tokens with; at least 32 characters. Required, no default. */
  SFU_TOKEN_SECRET: z
    .string({ error: 'required: a shared secret of at least 32 characters' })
    .min(32, 'must be at least 32 characters'),
  /** pino level. Default info. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const RANGE_KEYS = new Set(['RTC_MIN_PORT', 'RTC_MAX_PORT', 'SFU_NUM_WORKERS']);

/** The SFU's configuration, parsed from the environment once at boot. Keys are the environment variables. */
export type SfuConfig = Readonly<z.infer<typeof EnvSchema>>;

/**
 * Parses the environment; throws one Error naming every bad key so that a misconfigured SFU never starts.
 * Empty values count as unset. Messages never contain the values, since one of them is a secret.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SfuConfig {
  const known = Object.fromEntries(
    Object.keys(EnvSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = EnvSchema.refine((c) => c.RTC_MAX_PORT >= c.RTC_MIN_PORT + c.SFU_NUM_WORKERS - 1, {
    // Each worker gets its own slice of the range, so the range needs one port per worker at least.
    path: ['RTC_MAX_PORT'],
    message: 'must be at least RTC_MIN_PORT + SFU_NUM_WORKERS - 1',
    // Zod skips object refinements once any key failed; the ports can still be compared when these three parsed.
    when: (payload) => !payload.issues.some((i) => RANGE_KEYS.has(String(i.path?.[0]))),
  }).safeParse(known);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid SFU configuration: ${problems.join('; ')}`);
  }
  return Object.freeze(parsed.data);
}
