// An ingest thread: hashes an instance and writes it to its file, flushed, for `IngestWorkers`. Plain JavaScript on
// Node's own modules only, so that a thread costs a few MB: the server's TypeScript, and its loader, stay out.
// The messages are typed in IngestWorkers.ts (`IngestThreadRequest`, `IngestThreadReply`).
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const root = workerData.root;
const tmpDir = path.join(root, '.tmp');
/** Directories known to exist, with their entries flushed. */
const knownDirs = new Set();
let queue = [];
let scheduled = false;

/** A direct write's length and offset are whole blocks: 4 KiB suits disks with 512-byte and with 4 KiB sectors. */
const BLOCK = 4096;
/** 2 MiB: a CT slice is written in one call, larger instances in chunks. */
const DIRECT_CHUNK = 2 * 1024 * 1024;
/**
 * Direct I/O writes a file from this buffer to the disk without copying it into the page cache: that copy, into pages
 * the kernel must find first, was the largest cost of storing an instance. It wants memory aligned on the disk's
 * blocks, which Node's buffers are not; a WebAssembly memory is, being mapped in whole pages. Undefined once the file
 * system has refused direct I/O, as tmpfs before Linux 6.6 and some FUSE file systems do.
 */
let staging = Buffer.from(new WebAssembly.Memory({ initial: DIRECT_CHUNK / 65536 }).buffer);

parentPort.on('message', (request) => {
  queue.push(request);
  // The requests that arrive while this thread works are served together, with one flush per directory.
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain);
  }
});

function syncDir(dir) {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates the missing directories of `dir` under the root, and flushes each new entry into its parent. */
function ensureDir(dir) {
  if (knownDirs.has(dir)) return;
  const missing = [];
  for (let d = dir; d !== root && d.startsWith(root); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      mkdirSync(d);
      syncDir(path.dirname(d));
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
  }
  knownDirs.add(dir);
}

/**
 * Writes the file to a temporary name in .tmp, flushes it and links it into place, keeping the temporary name as a
 * trace until the main thread says the instance is committed: after a crash, the next start follows the traces left
 * and removes the files no row points at. The trace itself is not flushed: it only serves after a killed process,
 * whose writes the kernel keeps.
 */
function write(request) {
  const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
  // The data set only: peers rewrite the file meta group, and a resend through another peer is the same instance.
  const sha256 = createHash('sha256').update(bytes.subarray(request.datasetOffset)).digest('hex');
  // Two different contents for one UID never share a file.
  const relativePath = path.join(request.dir, `${request.sopInstanceUid}-${sha256.slice(0, 16)}.dcm`);
  const target = path.join(root, relativePath);
  const dir = path.dirname(target);
  ensureDir(dir);
  const tmp = path.join(tmpDir, `${relativePath.split(path.sep).join('+')}~${randomBytes(6).toString('hex')}`);
  writeFlushed(tmp, bytes);
  let created = true;
  try {
    linkSync(tmp, target);
  } catch (err) {
    if (err.code !== 'EEXIST') {
      rmSync(tmp, { force: true });
      throw err;
    }
    created = false;
  }
  return { kind: 'written', sha256, relativePath, tmp, created, dir };
}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

/** Creates `file` with `bytes` and flushes it: by direct I/O unless the file system refuses it, which is remembered. */
function writeFlushed(file, bytes) {
  if (staging) {
    try {
      return writeDirect(file, bytes);
    } catch (err) {
      if (err.code !== 'EINVAL') throw err;
      staging = undefined;
      rmSync(file, { force: true });
    }
  }
  const fd = openSync(file, CREATE);
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `bytes` through the aligned buffer, in whole blocks, the last one padded with zeros; the padding is then cut
 * off, so that the file holds exactly the bytes received.
 */
function writeDirect(file, bytes) {
  const fd = openSync(file, CREATE | constants.O_DIRECT);
  try {
    for (let at = 0; at < bytes.length; ) {
      const n = Math.min(DIRECT_CHUNK, bytes.length - at);
      bytes.copy(staging, 0, at, at + n);
      const whole = Math.ceil(n / BLOCK) * BLOCK;
      staging.fill(0, n, whole);
      for (let done = 0; done < whole; ) done += writeSync(fd, staging, done, whole - done, at + done);
      at += n;
    }
    if (bytes.length % BLOCK) ftruncateSync(fd, bytes.length);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function failure(err) {
  return { kind: 'failed', code: typeof err?.code === 'string' ? err.code : null, name: err?.name ?? 'Error' };
}

function drain() {
  scheduled = false;
  const batch = queue;
  queue = [];
  const replies = [];
  for (const request of batch) {
    if (request.op === 'settle') {
      try {
        unlinkSync(request.tmp);
      } catch {
        // Gone already, or it stays: the next start's recovery finds the instance committed and removes the trace.
      }
      continue;
    }
    let result;
    try {
      result = write(request);
    } catch (err) {
      result = failure(err);
    }
    replies.push({ id: request.id, result, bytes: request.bytes });
  }
  const written = replies.filter((r) => r.result.kind === 'written');
  try {
    for (const dir of new Set(written.map((r) => r.result.dir))) syncDir(dir);
  } catch (err) {
    // Not durable, so not stored: undo what this batch linked, as a failed write.
    for (const r of written) {
      if (r.result.created) rmSync(path.join(root, r.result.relativePath), { force: true });
      rmSync(r.result.tmp, { force: true });
      r.result = failure(err);
    }
  }
  // The memory goes back with the answer, to be freed by the main thread's collector: this thread allocates too
  // little for its own collector to run often, and the files it wrote would pile up here.
  for (const r of replies) {
    if (r.result.kind === 'written') delete r.result.dir;
    parentPort.postMessage(r, [r.bytes.buffer]);
  }
}
