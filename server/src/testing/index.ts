import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { XSRF_COOKIE, XSRF_HEADER } from '@telestroke/shared';
import { loadConfig, type ServerConfig } from '../config';
import type { Db } from '../db/Db';
import { migrate } from '../db/migrate';
import { PgliteDb } from '../db/PgliteDb';
import { PostgresDb } from '../db/PostgresDb';
import { createLogger } from '../logger';
import { Server } from '../Server';

/** The password of every demo user in tests. */
export const TEST_DEMO_PASSWORD = 'test-demo-password';

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'TEST_DATABASE_URL is not set: run the suite with `npm test`, which starts a throwaway PostgreSQL server',
    );
  }
  return url;
}

export interface TestDb {
  db: Db;
  /** The connection URL, for a PostgreSQL test database. */
  url?: string;
  /** Closes the connection and drops the database. */
  drop: () => Promise<void>;
}

/** A fresh, empty database on the test PostgreSQL server (or an in-memory PGlite), for one test file. */
export async function createTestDb(kind: 'postgres' | 'pglite' = 'postgres'): Promise<TestDb> {
  if (kind === 'pglite') {
    const db = await PgliteDb.create();
    return { db, drop: () => db.close() };
  }
  const adminUrl = testDatabaseUrl();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await PostgresDb.create(url.toString());
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export async function createMigratedTestDb(kind: 'postgres' | 'pglite' = 'postgres'): Promise<TestDb> {
  const t = await createTestDb(kind);
  await migrate(t.db);
  return t;
}

export interface TestServer {
  server: Server;
  url: string;
  config: ServerConfig;
  close: () => Promise<void>;
}

/** A whole server on a free loopback port, on its own PostgreSQL database, seeded with the demo network. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'telestroke-test-'));
  const testDb = await createTestDb('postgres');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DICOM_PORT: '0',
    DATA_DIR: dataDir,
    DEMO_SEED: 'true',
    DEMO_PASSWORD: TEST_DEMO_PASSWORD,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const server = await Server.create(config, createLogger(config.LOG_LEVEL), { db: testDb.db });
  return {
    server,
    url: server.url,
    config,
    close: async () => {
      await server.close();
      await testDb.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface PgliteTestServer extends TestServer {
  /** Every log line the server wrote, at trace level. */
  logLines: string[];
}

/**
 * A whole server on the embedded PGlite, as `npm start` runs it, logging at the most verbose level into `logLines`:
 * a test can run a capability there and then show that no patient data reached the logs.
 */
export async function startPgliteTestServer(env: Record<string, string> = {}): Promise<PgliteTestServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'telestroke-pglite-'));
  const config = loadConfig({
    PORT: '0',
    DICOM_PORT: '0',
    DATA_DIR: dataDir,
    DEMO_PASSWORD: TEST_DEMO_PASSWORD,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const server = await Server.create(config, pino({ level: 'trace' }, sink), { db: await PgliteDb.create() });
  return {
    server,
    url: server.url,
    config,
    logLines,
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A browser-like API client: keeps cookies and echoes the XSRF cookie on changes, as the client app does. */
export class ApiClient {
  readonly baseUrl: string;
  readonly cookies = new Map<string, string>();
  bearer: string | undefined;
  /** Set false to leave the XSRF header out and prove the server refuses that. */
  sendXsrf = true;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async request<T = any>(
    method: string,
    urlPath: string,
    options: { json?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    const xsrf = this.cookies.get(XSRF_COOKIE);
    if (this.sendXsrf && xsrf && method !== 'GET') headers[XSRF_HEADER] = xsrf;
    let body: string | undefined = options.rawBody;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + urlPath, { method, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = any>(p: string) {
    return this.request<T>('GET', p);
  }
  post<T = any>(p: string, json?: unknown) {
    return this.request<T>('POST', p, json === undefined ? {} : { json });
  }
  patch<T = any>(p: string, json?: unknown) {
    return this.request<T>('PATCH', p, json === undefined ? {} : { json });
  }
  delete<T = any>(p: string) {
    return this.request<T>('DELETE', p);
  }

  async login(email: string, password = TEST_DEMO_PASSWORD, totp?: string): Promise<TestResponse> {
    return this.post('/api/auth/login', { email, password, ...(totp ? { totp } : {}) });
  }
}

/** The demo accounts seeded in every test server. */
export const DEMO = {
  wardMacon: 'urgences.macon@demo.invalid',
  wardNevers: 'urgences.nevers@demo.invalid',
  neurologist: 'neurologue@demo.invalid',
  radiologist: 'radiologue@demo.invalid',
  scheduler: 'planification@demo.invalid',
  admin: 'admin@demo.invalid',
} as const;
