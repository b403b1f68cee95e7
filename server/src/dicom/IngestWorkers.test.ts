import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { statfsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { IngestWorkers, type IngestWorkersOptions } from './IngestWorkers';

let root: string;
const log = createLogger('silent');

function instanceBytes(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'telestroke-ingest-threads-'));
  await mkdir(path.join(root, '.tmp'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** tmpfs lives in the page cache: direct I/O, which it takes since Linux 6.6, cannot keep files out of it. */
const TMPFS_MAGIC = 0x01021994;

/** The bytes of `file` the page cache holds, by util-linux's fincore. */
function cachedBytes(file: string): number {
  return Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' }).trim());
}

/** Sizes around the direct writes' 4 KiB block and 2 MiB chunk. */
const AWKWARD_SIZES = [1, 4095, 4096, 4097, 2 * 2 ** 20 - 1, 2 * 2 ** 20, 2 * 2 ** 20 + 1, 5 * 2 ** 20 + 123];

/** Writes one instance of each awkward size under the study `study`, settled, and says where each went. */
async function writeAwkwardSizes(workers: IngestWorkers, study: string): Promise<{ written: string; original: Buffer }[]> {
  const files = [];
  for (const [i, size] of AWKWARD_SIZES.entries()) {
    const original = instanceBytes(size, i);
    const target = { dir: `${study}/${study}.1`, sopInstanceUid: `${study}.1.${i}`, datasetOffset: 0 };
    const result = await workers.write(Buffer.from(original), target, true);
    expect(result.kind).toBe('written');
    if (result.kind !== 'written') continue;
    workers.settle(result.tmp);
    files.push({ written: path.join(root, result.relativePath), original });
  }
  // Settled, so that no trace is left for the tests that count them.
  await expect.poll(async () => (await readdir(path.join(root, '.tmp'))).filter((n) => n.startsWith(study)), { timeout: 5000 }).toEqual([]);
  return files;
}

/** Runs `use` with fresh workers, closed afterwards whatever happens. */
async function withWorkers(options: Partial<IngestWorkersOptions>, use: (workers: IngestWorkers) => Promise<void>): Promise<void> {
  const workers = await IngestWorkers.create({ root, log, ...options });
  try {
    await use(workers);
  } finally {
    await workers.close();
  }
}

/** A thread script that runs `prelude`, then the real ingest.worker.mjs: to make a thread fail as it would not here. */
async function wrappedWorker(name: string, prelude: string): Promise<URL> {
  const entry = path.join(root, `${name}.mjs`);
  const real = new URL('./ingest.worker.mjs', import.meta.url).href;
  await writeFile(entry, `${prelude}\nawait import(${JSON.stringify(real)});\n`);
  return new URL(`file://${entry}`);
}

describe('IngestWorkers', () => {
  it('write() stores exactly the bytes given at sizes around the block and chunk, without copying them to the page cache', async () => {
    await withWorkers({}, async (workers) => {
      const files = await writeAwkwardSizes(workers, '1.2.4');
      const inMemory = statfsSync(root).type === TMPFS_MAGIC;
      for (const { written, original } of files) {
        // Direct I/O leaves at most the last page, where the zero padding was cut off.
        if (!inMemory) expect(cachedBytes(written)).toBeLessThanOrEqual(4096);
        expect((await readFile(written)).equals(original)).toBe(true);
      }
    });
  });

  it('write() on a file system that refuses direct I/O writes through the page cache, the same bytes', async () => {
    // This kernel's file systems all take O_DIRECT, tmpfs included, so the thread's openSync() is made to refuse it
    // as older tmpfs and some FUSE file systems do, with EINVAL.
    const entry = await wrappedWorker(
      'no-direct-io',
      `import fs from 'node:fs';
       import { syncBuiltinESMExports } from 'node:module';
       const open = fs.openSync;
       fs.openSync = (file, flags, mode) => {
         if (typeof flags === 'number' && flags & fs.constants.O_DIRECT) throw Object.assign(new Error('refused'), { code: 'EINVAL' });
         return open(file, flags, mode);
       };
       syncBuiltinESMExports();`,
    );
    await withWorkers({ entry }, async (workers) => {
      for (const { written, original } of await writeAwkwardSizes(workers, '1.2.5')) {
        // Through the page cache: all of the file's pages are there.
        expect(cachedBytes(written)).toBe(Math.ceil(original.length / 4096) * 4096);
        expect((await readFile(written)).equals(original)).toBe(true);
      }
    });
  });

  it('write() with handOver moves the memory to the thread without a copy and writes the file, its trace kept until settle()', async () => {
    await withWorkers({}, async (workers) => {
      const original = instanceBytes(300_000, 1);
      const bytes = Buffer.from(original);
      const result = await workers.write(bytes, { dir: '1.2.3/1.2.3.4', sopInstanceUid: '1.2.3.4.5', datasetOffset: 200 }, true);
      // Moved, not copied: the caller's view is detached.
      expect(bytes.length).toBe(0);
      expect(result.kind).toBe('written');
      if (result.kind !== 'written') return;
      expect(result.sha256).toBe(createHash('sha256').update(original.subarray(200)).digest('hex'));
      expect(result.relativePath).toBe(path.join('1.2.3/1.2.3.4', `1.2.3.4.5-${result.sha256.slice(0, 16)}.dcm`));
      expect(result.created).toBe(true);
      expect((await readFile(path.join(root, result.relativePath))).equals(original)).toBe(true);
      expect(await readdir(path.join(root, '.tmp'))).toEqual([path.basename(result.tmp)]);
      workers.settle(result.tmp);
      await expect.poll(() => readdir(path.join(root, '.tmp')), { timeout: 5000 }).toEqual([]);
    });
  });

  it('write() without handOver copies: the caller keeps its bytes, and the same content again is not created twice', async () => {
    await withWorkers({}, async (workers) => {
      const bytes = instanceBytes(100_000, 2);
      const target = { dir: '1.2.3/1.2.3.6', sopInstanceUid: '1.2.3.6.7', datasetOffset: 0 };
      const first = await workers.write(bytes, target, false);
      expect(bytes.length).toBe(100_000);
      expect(bytes.equals(instanceBytes(100_000, 2))).toBe(true);
      const second = await workers.write(bytes, target, false);
      expect(first.kind === 'written' && first.created).toBe(true);
      expect(second.kind === 'written' && !second.created).toBe(true);
    });
  });

  it('write() that cannot create its directory fails with the error code and leaves nothing behind', async () => {
    await withWorkers({}, async (workers) => {
      // A file where the study's directory should be.
      await writeFile(path.join(root, '9.9.9'), 'not a directory');
      const result = await workers.write(instanceBytes(1000, 3), { dir: '9.9.9/9.9.9.1', sopInstanceUid: '9.9.9.1.1', datasetOffset: 0 }, true);
      expect(result).toEqual({ kind: 'failed', code: 'ENOTDIR', name: 'Error' });
      expect((await readdir(path.join(root, '.tmp'))).filter((n) => n.startsWith('9.9.9'))).toEqual([]);
    });
  });

  it('close() answers work still waiting with CLOSED, and a second close() does nothing', async () => {
    const workers = await IngestWorkers.create({ root, log });
    const pending = workers.write(instanceBytes(1000, 4), { dir: '1.2.3/1.2.3.8', sopInstanceUid: '1.2.3.8.1', datasetOffset: 0 }, false);
    await workers.close();
    await workers.close();
    expect(await pending).toEqual({ kind: 'failed', code: 'CLOSED', name: 'Error' });
    expect(await workers.write(instanceBytes(10, 5), { dir: 'x', sopInstanceUid: '1.2', datasetOffset: 0 }, false)).toEqual({
      kind: 'failed',
      code: 'CLOSED',
      name: 'Error',
    });
  });

  it('write() on a thread that dies fails as THREAD_EXITED, and the next write() starts a new thread and succeeds', async () => {
    // A thread that ends at its first start, then a real one: stands for a thread killed by a crash.
    const entry = await wrappedWorker(
      'dies-once',
      `import { existsSync, writeFileSync } from 'node:fs';
       import { workerData } from 'node:worker_threads';
       const marker = workerData.root + '/died-once';
       if (!existsSync(marker)) { writeFileSync(marker, ''); process.exit(1); }`,
    );
    await withWorkers({ threads: 1, entry }, async (workers) => {
      const target = { dir: '1.2.3/1.2.3.9', sopInstanceUid: '1.2.3.9.1', datasetOffset: 0 };
      expect(await workers.write(instanceBytes(1000, 6), target, false)).toEqual({ kind: 'failed', code: 'THREAD_EXITED', name: 'Error' });
      const second = await workers.write(instanceBytes(1000, 6), target, false);
      expect(second.kind).toBe('written');
    });
  });
});
