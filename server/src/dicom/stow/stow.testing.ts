import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queryable } from '../../db/Db';
import { datasetOffsetOf } from '../part10';
import { SERVER_NODE_OPTIONS } from '../../../../scripts/lib/server-node-options.mjs';

/**
 * Helpers for STOW-RS tests, in-process and cross-process alike: building multipart bodies, giving a DICOM file fresh
 * UIDs without re-encoding it, sending a request as a stream, and checking the storage against the database.
 */

export const STOW_BOUNDARY = 'stow-test-boundary-9f2c';

export function stowContentType(boundary = STOW_BOUNDARY): string {
  return `multipart/related; type="application/dicom"; boundary=${boundary}`;
}

/** The pieces of a multipart/related body with one application/dicom part per file, in order. */
export function* multipartPieces(files: Iterable<Buffer>, boundary = STOW_BOUNDARY): Generator<Buffer> {
  for (const f of files) {
    yield Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1');
    yield f;
    yield Buffer.from('\r\n', 'latin1');
  }
  yield Buffer.from(`--${boundary}--\r\n`, 'latin1');
}

export function multipartBody(files: Buffer[], boundary = STOW_BOUNDARY): Buffer {
  return Buffer.concat([...multipartPieces(files, boundary)]);
}

/**
 * A UID of the same length as `uid`: the root (first two components, or all but the last of a shorter UID) is kept
 * and every later digit is redrawn, with no leading zero, so the result stays a valid UID and differs from the
 * original (and from other draws) with overwhelming odds, even when the last component is short.
 */
export function sameLengthUid(uid: string): string {
  const parts = uid.split('.');
  const keep = Math.min(2, parts.length - 1);
  // A two-component UID with a one-digit last component has only ten values: the tries are bounded.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const fresh = parts
      .map((p, i) => {
        if (i < keep) return p;
        let d = p.length === 1 ? String(randomInt(0, 10)) : String(randomInt(1, 10));
        while (d.length < p.length) d += String(randomInt(0, 10));
        return d;
      })
      .join('.');
    if (fresh !== uid) return fresh;
  }
  throw new Error(`no other UID of the same shape as ${uid}`);
}

/**
 * A copy of a Part 10 file where every occurrence of each given UID is replaced by a fresh UID of the same length, so
 * that no length field changes: the file keeps its exact structure, encoding and oddities. Longest UIDs are replaced
 * first, so that a UID that is a prefix of another does not half-change it. Not for deflated files.
 */
export function withFreshUids(file: Buffer, uids: string[]): { bytes: Buffer; map: Map<string, string> } {
  const out = Buffer.from(file);
  const map = new Map<string, string>();
  for (const uid of [...new Set(uids)].sort((a, b) => b.length - a.length)) {
    const fresh = sameLengthUid(uid);
    map.set(uid, fresh);
    const from = Buffer.from(uid, 'latin1');
    const to = Buffer.from(fresh, 'latin1');
    for (let at = out.indexOf(from); at >= 0; at = out.indexOf(from, at + to.length)) to.copy(out, at);
  }
  return { bytes: out, map };
}

export interface StowHttpResponse {
  status: number;
  contentType: string | undefined;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: any;
}

/**
 * POSTs a body given as pieces, written one after the other with backpressure (a generator may produce gigabytes
 * without holding them), and returns the answer. Sent with chunked transfer encoding, as streaming clients do.
 */
export function postStow(
  url: string,
  pieces: Iterable<Buffer> | AsyncIterable<Buffer>,
  headers: Record<string, string>,
): Promise<StowHttpResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // Not JSON: keep the text.
        }
        resolve({ status: res.statusCode!, contentType: res.headers['content-type'], body });
      });
    });
    (async () => {
      for await (const piece of pieces as AsyncIterable<Buffer>) {
        if (req.destroyed) return;
        if (!req.write(piece)) await drainedOrClosed(req);
      }
      req.end();
    })().catch((err) => req.destroy(err as Error));
  });
}

/** DICOM JSON of a Store Instances Response, read back for assertions. */
export interface StowResultItems {
  referenced: { sopClassUid?: string; sopInstanceUid?: string; retrieveUrl?: string }[];
  failed: { sopClassUid?: string; sopInstanceUid?: string; reason?: number }[];
  studyRetrieveUrl: string | undefined;
}

export function stowResultItems(body: any): StowResultItems {
  const v = (item: any, tag: string) => item?.[tag]?.Value?.[0];
  return {
    referenced: (body?.['00081199']?.Value ?? []).map((i: any) => ({
      sopClassUid: v(i, '00081150'),
      sopInstanceUid: v(i, '00081155'),
      retrieveUrl: v(i, '00081190'),
    })),
    failed: (body?.['00081198']?.Value ?? []).map((i: any) => ({
      sopClassUid: v(i, '00081150'),
      sopInstanceUid: v(i, '00081155'),
      reason: v(i, '00081197'),
    })),
    studyRetrieveUrl: v(body, '00081190'),
  };
}

export interface StorageCheck {
  rows: number;
  files: number;
  /** Rows whose file is missing or whose data set does not hash to the stored value. */
  badRows: string[];
  /** Files in the study tree (outside `.tmp`) that no row points to. */
  orphanFiles: string[];
}

async function listFiles(dir: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, base), { withFileTypes: true }).catch(() => [])) {
    const rel = path.join(base, e.name);
    if (e.isDirectory()) {
      if (base === '' && e.name === '.tmp') continue;
      out.push(...(await listFiles(dir, rel)));
    } else out.push(rel);
  }
  return out;
}

/** The hash the ingest path records: SHA-256 of the data set without the file meta information. */
export function datasetSha256(file: Buffer): string {
  return createHash('sha256').update(file.subarray(datasetOffsetOf(file))).digest('hex');
}

/**
 * Checks that the database and the files under `dicomRoot` agree: every instance row has its file with the recorded
 * data set hash, and every file in the study tree has its row.
 */
export async function checkStorage(db: Queryable, dicomRoot: string): Promise<StorageCheck> {
  const { rows } = await db.query<{ sop_instance_uid: string; file_path: string; dataset_sha256: string }>(
    'SELECT sop_instance_uid, file_path, dataset_sha256 FROM dicom_instances',
  );
  const badRows: string[] = [];
  for (const r of rows) {
    const file = await readFile(path.join(dicomRoot, r.file_path)).catch(() => null);
    if (!file || datasetSha256(file) !== r.dataset_sha256) badRows.push(r.sop_instance_uid);
  }
  const known = new Set(rows.map((r) => path.normalize(r.file_path)));
  const files = await listFiles(dicomRoot);
  return { rows: rows.length, files: files.length, badRows, orphanFiles: files.filter((f) => !known.has(f)) };
}

/** A seeded PRNG (mulberry32): a failing fuzz case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface ServerProcess {
  /** The server's own process (node running main.ts), whose memory is measured and which is killed. */
  child: ChildProcess;
  pid: number;
  url: string;
  output: () => string;
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `server/src/main.ts` in a child process, as `npm start` would (with its Node flags) but on the given
 * PostgreSQL database and DATA_DIR, and waits until /healthz answers. Node is started with tsx as a loader rather than through the tsx CLI,
 * so that the child is the server itself and not a wrapper around it.
 */
export async function startServerProcess(options: {
  databaseUrl: string;
  dataDir: string;
  /** Environment variables over the defaults here (a demo network, LOG_LEVEL warn). Default none. */
  env?: Record<string, string>;
  /** Flags for node itself, e.g. `--cpu-prof` to profile the server. Default none. */
  nodeArgs?: string[];
  /** How long to wait for /healthz. Default 60 s. */
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: options.dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    DICOM_PORT: String(await freePort()),
    DEMO_SEED: 'true',
    DEMO_PASSWORD: 'test-demo-password',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...options.env,
  };
  const args = [...SERVER_NODE_OPTIONS, ...(options.nodeArgs ?? []), '--import', 'tsx', 'server/src/main.ts'];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited:\n${out}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not answer /healthz in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    pid: child.pid!,
    url,
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** VmRSS and VmHWM (peak RSS) of a process, in bytes, from /proc/<pid>/status. */
export async function processMemory(pid: number): Promise<{ rss: number; hwm: number } | null> {
  const status = await readFile(`/proc/${pid}/status`, 'latin1').catch(() => null);
  if (!status) return null;
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/**
 * Resets a process's VmHWM to its current RSS (Linux `clear_refs` value 5), so that the next reading is the peak of
 * what happens from now on rather than of the start-up. Returns false where the kernel does not allow it.
 */
export async function resetPeakMemory(pid: number): Promise<boolean> {
  return writeFile(`/proc/${pid}/clear_refs`, '5').then(
    () => true,
    () => false,
  );
}

/** Inserts a gateway token for a site and returns its value (the server keeps only its SHA-256). */
export async function createGatewayToken(db: Queryable, siteCode: string): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  await db.query(
    `INSERT INTO api_tokens (site_id, name, token_hash) SELECT id, 'stow test', $2 FROM sites WHERE code = $1`,
    [siteCode, createHash('sha256').update(token).digest('hex')],
  );
  return token;
}

/** Waits for the request to take more, or to end; whichever comes first also takes the other listener away. */
function drainedOrClosed(req: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.once('drain', done);
    req.once('close', done);
  });
}
