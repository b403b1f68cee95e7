// An ingest thread: hashes an instance and writes it to its file, flushed, for `IngestWorkers`. Plain JavaScript on
// Node's own modules only, so that a thread costs a few MB: the server's TypeScript, and its loader, stay out.
// The messages are typed in IngestWorkers.ts (`IngestThreadRequest`, `IngestThreadReply`).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, fsyncSync, linkSync, mkdirSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const root = workerData.root;
const tmpDir = path.join(root, '.tmp');
/** Directories known to exist, with their entries flushed. */
const knownDirs = new Set();
let queue = [];
let scheduled = false;

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
  const fd = openSync(tmp, 'wx');
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
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
